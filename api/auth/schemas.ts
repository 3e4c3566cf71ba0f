// Request and response shapes of the auth API.
import { z } from 'zod';
import { UserSchema } from '../users/schemas';

export const LoginRequest = z
  .object({ email: z.email().max(254), password: z.string().min(1).max(1024) })
  .strict()
  .meta({ id: 'LoginRequest' });

const refreshToken = z.string().min(20).max(200);

export const RefreshRequest = z.object({ refreshToken }).strict().meta({ id: 'RefreshRequest' });

export const LogoutRequest = z
  .object({ refreshToken: refreshToken.optional().describe('Ends this session; without it every session of the user ends') })
  .strict()
  .meta({ id: 'LogoutRequest' });

export const SessionResponse = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int().describe('Access-token lifetime in seconds'),
    user: UserSchema,
  })
  .meta({ id: 'Session' });
