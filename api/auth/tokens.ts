// Access tokens (short-lived HS256 JWTs) and opaque refresh tokens (stored only as SHA-256 hashes).
import { createHash, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Role } from '../../domain/roles';

export const JWT_ISSUER = 'integration-platform';
export const JWT_AUDIENCE = 'integration-platform-api';
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;

export interface AccessTokenClaims {
  sub: string;
  email: string;
  role: Role;
}

export function signAccessToken(claims: AccessTokenClaims, secret: string): string {
  return jwt.sign({ email: claims.email, role: claims.role }, secret, {
    subject: claims.sub,
    issuer: JWT_ISSUER,
    audience: JWT_AUDIENCE,
    algorithm: 'HS256',
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
  });
}

export const hashRefreshToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function newRefreshToken(): { token: string; tokenHash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenHash: hashRefreshToken(token) };
}
