// Runs the schema migrations with umzug, serialised across processes by a PostgreSQL advisory lock.
import type { Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug, type RunnableMigration } from 'umzug';
import type { Logger } from '../lib/logger';
import { migrations } from './index';

export type Migration = RunnableMigration<Sequelize>;

/** Arbitrary constant key for pg_advisory_lock: only one process migrates at a time. */
const MIGRATION_LOCK_KEY = 727_001;

export function createMigrator(sequelize: Sequelize, logger: Logger): Umzug<Sequelize> {
  return new Umzug({
    migrations,
    context: sequelize,
    storage: new SequelizeStorage({ sequelize, tableName: 'schema_migrations' }),
    logger: {
      info: (event) => logger.info(event, 'migration'),
      warn: (event) => logger.warn(event, 'migration'),
      error: (event) => logger.error(event, 'migration'),
      debug: (event) => logger.debug(event, 'migration'),
    },
  });
}

/** Applies every pending migration; safe to call from several starting processes at once. */
export async function migrateUp(sequelize: Sequelize, logger: Logger): Promise<string[]> {
  return withMigrationLock(sequelize, async () => {
    const applied = await createMigrator(sequelize, logger).up();
    return applied.map((m) => m.name);
  });
}

export async function withMigrationLock<T>(sequelize: Sequelize, fn: () => Promise<T>): Promise<T> {
  // The lock is session-scoped, so it is taken and released on one dedicated connection.
  const connectionManager = sequelize.connectionManager as unknown as {
    getConnection(): Promise<{ query(sql: string): Promise<unknown> }>;
    releaseConnection(connection: unknown): Promise<void>;
  };
  const connection = await connectionManager.getConnection();
  try {
    await connection.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    return await fn();
  } finally {
    await connection.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).catch(() => undefined);
    await connectionManager.releaseConnection(connection);
  }
}
