// The Sequelize connection for PostgreSQL and a bounded reachability probe.
import { ConnectionError, Sequelize } from 'sequelize';
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

/** SQLSTATE classes and codes that mean "the server is not there right now": connection failures, shutdown, overload. */
const UNAVAILABLE_SQLSTATE = /^(08|57P0[1-3]$|53300$)/;
const UNAVAILABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND']);

/**
 * True when a database error is an outage a client can wait out, not a fault of the request: Sequelize's pool and
 * connect errors, the server shutting down or refusing connections, and a connection lost mid-query (which `pg`
 * reports without a code), whether raised by `pg` directly or wrapped by Sequelize.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof ConnectionError) return true;
  const causes = [error, (error as { original?: unknown } | null)?.original] as ({ code?: unknown; message?: unknown } | null | undefined)[];
  return causes.some((cause) => {
    const code = typeof cause?.code === 'string' ? cause.code : '';
    return UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_SOCKET_CODES.has(code) || (typeof cause?.message === 'string' && /^Connection terminated|not queryable/.test(cause.message));
  });
}
