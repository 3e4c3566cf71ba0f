// Creating users (by an admin, or the first admin at start-up), audited and idempotent.
import argon2 from 'argon2';
import { UniqueConstraintError, type Sequelize } from 'sequelize';
import type { Config } from '../../lib/config';
import { auditedWrite, type Actor } from '../../lib/audit';
import { conflict } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { User } from '../../models';
import type { CreateUserInput } from './schemas';

export type PublicUser = ReturnType<User['toPublic']>;

/** Returns the created user, or the one created earlier under the same idempotency key. */
export async function createUser(
  sequelize: Sequelize,
  input: CreateUserInput,
  actor: Actor,
  idempotencyKey: string,
): Promise<{ user: PublicUser; created: boolean }> {
  const passwordHash = await argon2.hash(input.password);
  try {
    const outcome = await auditedWrite(sequelize, { idempotencyKey, actor, entityType: 'user', action: 'user.create' }, async (transaction) => {
      const user = await User.create(
        { email: input.email, passwordHash, role: input.role, displayName: input.displayName ?? null },
        { transaction },
      );
      const publicUser = user.toPublic();
      return { result: publicUser, entityId: user.id, before: null, after: publicUser };
    });
    return outcome.applied ? { user: outcome.result, created: true } : { user: outcome.after as PublicUser, created: false };
  } catch (error) {
    if (error instanceof UniqueConstraintError) throw conflict(`A user with email ${input.email} already exists`);
    throw error;
  }
}

/** Creates the first admin from ADMIN_EMAIL / ADMIN_PASSWORD when the users table is empty. */
export async function ensureBootstrapAdmin(sequelize: Sequelize, config: Config, logger: Logger): Promise<void> {
  if ((await User.count()) > 0) return;
  if (!config.ADMIN_PASSWORD) {
    logger.warn('No users exist and ADMIN_PASSWORD is not set: no one can log in until it is.');
    return;
  }
  const { created } = await createUser(
    sequelize,
    { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD, role: 'admin', displayName: 'Administrator' },
    { type: 'system', name: 'bootstrap' },
    `bootstrap-admin:${config.ADMIN_EMAIL.toLowerCase()}`,
  );
  if (created) logger.info({ email: config.ADMIN_EMAIL }, 'created the first admin user');
}
