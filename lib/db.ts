// The Sequelize connection for PostgreSQL and a bounded reachability probe.
import { Sequelize } from 'sequelize';
import { initModels } from '../models';
import type { Logger } from './logger';
import { within } from './within';

export function createSequelize(databaseUrl: string, logger: Logger, poolMax = 10): Sequelize {
  const sequelize = new Sequelize(databaseUrl, {
    dialect: 'postgres',
    logging: (sql) => logger.trace({ sql }, 'sql'),
    pool: { max: poolMax, min: 0, idle: 10_000, acquire: 10_000 },
    dialectOptions: { application_name: 'integration-platform', connectionTimeoutMillis: 5_000 },
  });
  initModels(sequelize);
  return sequelize;
}

/** Resolves true when a trivial query answers within the timeout. */
export function isDatabaseReachable(sequelize: Sequelize, timeoutMs = 2_000): Promise<boolean> {
  return within(() => sequelize.query('SELECT 1').then(() => true), timeoutMs, false);
}
