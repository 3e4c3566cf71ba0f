// Request and response shapes of the users API.
import { z } from 'zod';
import { ROLES } from '../../domain/roles';

export const UserSchema = z
  .object({
    id: z.uuid(),
    email: z.email(),
    role: z.enum(ROLES),
    displayName: z.string().nullable(),
    isActive: z.boolean(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'User' });

export const CreateUserRequest = z
  .object({
    email: z.email().max(254),
    password: z.string().min(12, 'Use at least 12 characters').max(1024),
    role: z.enum(ROLES),
    displayName: z.string().trim().min(1).max(200).optional(),
  })
  .strict()
  .meta({ id: 'CreateUserRequest' });

export type CreateUserInput = z.infer<typeof CreateUserRequest>;
