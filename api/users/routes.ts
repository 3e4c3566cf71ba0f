// Users API: admins create accounts (optionally idempotent via the Idempotency-Key header).
import type { Sequelize } from 'sequelize';
import { defineRoute, type Route } from '../route';
import { requestKey, userActor } from '../request-actor';
import { CreateUserRequest, UserSchema } from './schemas';
import { createUser } from './service';

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
        const { user, created } = await createUser(sequelize, body, userActor(req), `user.create:${req.user!.id}:${requestKey(req)}`);
        res.status(created ? 201 : 200).json(user);
      },
    ),
  ];
}
