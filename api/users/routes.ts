// Users API: admins create accounts (optionally idempotent via the Idempotency-Key header).
import { randomUUID } from 'node:crypto';
import type { Sequelize } from 'sequelize';
import { z } from 'zod';
import { badRequest } from '../../lib/errors';
import { defineRoute, type Route } from '../route';
import { userActor } from '../request-actor';
import { CreateUserRequest, UserSchema } from './schemas';
import { createUser } from './service';

const IdempotencyKey = z.string().min(8).max(200).regex(/^[\w.:-]+$/);

export function userRoutes(sequelize: Sequelize): Route[] {
  return [
    defineRoute(
      {
        method: 'post',
        path: '/api/users',
        summary: 'Create a user (admin only). A repeated Idempotency-Key returns the first result.',
        tags: ['users'],
        access: ['admin'],
        body: CreateUserRequest,
        responses: {
          201: { description: 'Created', schema: UserSchema },
          200: { description: 'Already created under this Idempotency-Key', schema: UserSchema },
          409: { description: 'Email already in use' },
        },
      },
      async ({ body, req, res }) => {
        const header = req.get('idempotency-key');
        if (header !== undefined && !IdempotencyKey.safeParse(header).success) {
          throw badRequest('Idempotency-Key must be 8-200 characters of letters, digits and . _ : -');
        }
        const key = header ?? randomUUID();
        const { user, created } = await createUser(sequelize, body, userActor(req), `user.create:${req.user!.id}:${key}`);
        res.status(created ? 201 : 200).json(user);
      },
    ),
  ];
}
