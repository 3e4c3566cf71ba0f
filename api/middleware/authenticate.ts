// Bearer-JWT authentication with passport-jwt, and the role guard.
import type { RequestHandler } from 'express';
import { Passport } from 'passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import { z } from 'zod';
import { ROLES, type Role } from '../../domain/roles';
import { forbidden, unauthorized } from '../../lib/errors';
import { JWT_AUDIENCE, JWT_ISSUER } from '../auth/tokens';

export interface AuthenticatedUser {
  id: string;
  email: string;
  role: Role;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends AuthenticatedUser {}
  }
}

const claimsSchema = z.object({ sub: z.string().min(1), email: z.string(), role: z.enum(ROLES) });

/** Builds the middleware that requires a valid access token and sets `req.user`. */
export function createAuthenticate(jwtSecret: string): RequestHandler {
  const passport = new Passport();
  passport.use(
    new JwtStrategy(
      {
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        secretOrKey: jwtSecret,
        algorithms: ['HS256'],
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
      },
      (payload: unknown, done: (error: unknown, user?: AuthenticatedUser | false) => void) => {
        const claims = claimsSchema.safeParse(payload);
        done(null, claims.success ? { id: claims.data.sub, email: claims.data.email, role: claims.data.role } : false);
      },
    ),
  );
  return (req, res, next) => {
    const handler = passport.authenticate('jwt', { session: false }, (error: unknown, user: AuthenticatedUser | false, info: unknown) => {
      if (error) return next(error);
      if (!user) {
        const missing = info instanceof Error && info.message === 'No auth token';
        return next(unauthorized(missing ? 'Missing bearer token' : 'Invalid or expired access token'));
      }
      req.user = user;
      next();
    }) as RequestHandler;
    handler(req, res, next);
  };
}

export function requireRoles(roles: readonly Role[]): RequestHandler {
  return (req, _res, next) => {
    next(req.user && roles.includes(req.user.role) ? undefined : forbidden(`This needs one of the roles: ${roles.join(', ')}`));
  };
}
