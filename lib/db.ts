// The Sequelize connection for PostgreSQL and a bounded reachability probe.
import { Sequelize } from 'sequelize';
import { initModels } from '../models';
import type { Logger } from './logger';

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
export async function isDatabaseReachable(sequelize: Sequelize, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const probe = sequelize.query('SELECT 1').then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
