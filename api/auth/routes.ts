// Auth API: login (rate limited), refresh-token rotation, logout and the current user.
import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Sequelize } from 'sequelize';
import { AppError, notFound } from '../../lib/errors';
import { User } from '../../models';
import { clientInfo } from '../request-actor';
import { defineRoute, type Route } from '../route';
import { UserSchema } from '../users/schemas';
import { LoginRequest, LogoutRequest, RefreshRequest, SessionResponse } from './schemas';
import { login, logout, refresh } from './service';

/** 10 attempts per 15 minutes per client IP and email; the 11th gets 429 with Retry-After. */
function loginRateLimit(): RequestHandler {
  return rateLimit({
    windowMs: 15 * 60_000,
    limit: 10,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => {
      const email = (req.body as { email?: unknown } | undefined)?.email;
      return `${ipKeyGenerator(req.ip ?? '')}|${typeof email === 'string' ? email.toLowerCase() : ''}`;
    },
    handler: (_req, _res, next) => next(new AppError(429, 'too_many_requests', 'Too many login attempts; retry later')),
  });
}

export function authRoutes(sequelize: Sequelize, jwtSecret: string): Route[] {
  return [
    defineRoute(
      {
        method: 'post',
        path: '/api/auth/login',
        summary: 'Exchange email and password for an access token and a refresh token',
        tags: ['auth'],
        access: 'public',
        body: LoginRequest,
        before: [loginRateLimit()],
        responses: { 200: { description: 'Signed in', schema: SessionResponse }, 401: { description: 'Wrong email or password' }, 429: { description: 'Too many attempts' } },
      },
      async ({ body, req, res }) => {
        res.json(await login(sequelize, jwtSecret, body.email, body.password, clientInfo(req)));
      },
    ),
    defineRoute(
      {
        method: 'post',
        path: '/api/auth/refresh',
        summary: 'Rotate a refresh token; reusing a rotated token ends every session of that login',
        tags: ['auth'],
        access: 'public',
        body: RefreshRequest,
        responses: { 200: { description: 'New token pair', schema: SessionResponse }, 401: { description: 'Invalid, expired, revoked or reused token' } },
      },
      async ({ body, req, res }) => {
        res.json(await refresh(sequelize, jwtSecret, body.refreshToken, clientInfo(req)));
      },
    ),
    defineRoute(
      {
        method: 'post',
        path: '/api/auth/logout',
        summary: 'End the session of a refresh token, or every session of the caller',
        tags: ['auth'],
        access: 'authenticated',
        body: LogoutRequest,
        responses: { 204: { description: 'Signed out' } },
      },
      async ({ body, user, req, res }) => {
        await logout(sequelize, user.id, body.refreshToken, clientInfo(req));
        res.status(204).end();
      },
    ),
    defineRoute(
      {
        method: 'get',
        path: '/api/auth/me',
        summary: 'The signed-in user',
        tags: ['auth'],
        access: 'authenticated',
        responses: { 200: { description: 'The user', schema: UserSchema } },
      },
      async ({ user, res }) => {
        const row = await User.findByPk(user.id);
        if (!row) throw notFound('This user no longer exists');
        res.json(row.toPublic());
      },
    ),
  ];
}
