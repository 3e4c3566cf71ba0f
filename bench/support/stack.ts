// The system under test: an embedded PostgreSQL in a temporary folder, migrated, and the real API app listening in this process.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QueryTypes, type Sequelize } from 'sequelize';
import { createApp } from '../../api/app';
import { listen } from '../../api/server';
import { loadConfig } from '../../lib/config';
import { createSequelize } from '../../lib/db';
import { startLocalPostgres } from '../../lib/local-stack/postgres';
import { freePort } from '../../lib/local-stack/ports';
import { createLogger } from '../../lib/logger';
import { createTemporalClient, temporalTarget } from '../../lib/temporal';
import { VERSION } from '../../lib/version';
import { migrateUp } from '../../migrations/migrator';
import { openLogPipe } from './log-pipe';

/** What the test suite runs with: no fsync, asynchronous commit. Production keeps PostgreSQL's defaults. */
export const FAST_UNSAFE_DURABILITY = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' };

export const REPORTED_SETTINGS = ['server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method', 'shared_buffers', 'max_connections'];

export interface IngestStackOptions {
  fastUnsafeDurability: boolean;
  /** Size of the API's Sequelize pool; undefined keeps the platform default. */
  apiPoolMax: number | undefined;
  /** Level of the API's request log (`info` in production writes a line per request), written into a pipe another process drains. */
  apiLogLevel: string;
  /** The Temporal frontend the API's (lazy) client uses; by default an address nobody listens on (intake never calls Temporal). */
  temporalAddress?: string;
  /** Names the temporary folder and the stack's log lines (default 'ingest-bench'). */
  name?: string;
}

export interface IngestStack {
  webhookUrl: string;
  databaseUrl: string;
  /** PostgreSQL's cluster folder (its postmaster.pid names the server process). */
  postgresClusterDir: string;
  /** The API's Sequelize connection pool size. */
  apiPoolMax: number;
  /** The PostgreSQL settings the run used, read back from the server. */
  settings: Record<string, string>;
  /** The API's Sequelize instance (for counting rows at the end). */
  sequelize: Sequelize;
  stop(): Promise<void>;
}

export async function startIngestStack(options: IngestStackOptions): Promise<IngestStack> {
  const name = options.name ?? 'ingest-bench';
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  chmodSync(dataDir, 0o755); // enterable by the unprivileged user PostgreSQL runs as under root
  const stops: (() => Promise<void> | void)[] = [() => rmSync(dataDir, { recursive: true, force: true })];
  const stop = async () => {
    for (const step of stops.reverse()) await step();
  };
  try {
    const stackLogger = createLogger('warn', name);
    const postgres = await startLocalPostgres({
      dataDir: path.join(dataDir, 'postgres'),
      database: 'platform_bench',
      logger: stackLogger,
      settings: options.fastUnsafeDurability ? FAST_UNSAFE_DURABILITY : {},
    });
    stops.push(() => postgres.stop());

    const logPipe = openLogPipe(path.join(dataDir, 'api.log.pipe'), path.join(dataDir, 'api.log'));
    stops.push(() => logPipe.close());
    const apiLogger = createLogger(options.apiLogLevel, 'api', logPipe.destination);
    const sequelize = createSequelize(postgres.url, apiLogger, options.apiPoolMax);
    stops.push(() => sequelize.close());
    await migrateUp(sequelize, stackLogger);

    const config = loadConfig({
      NODE_ENV: 'development',
      DATA_DIR: path.join(dataDir, 'app'),
      DATABASE_URL: postgres.url,
      // Intake never talks to Temporal and the client connects lazily: an address nobody listens on is enough.
      TEMPORAL_ADDRESS: options.temporalAddress ?? `127.0.0.1:${await freePort()}`,
      JWT_SECRET: randomBytes(32).toString('base64url'),
      ADMIN_PASSWORD: randomBytes(18).toString('base64url'),
      CURRENT_RMS_WEBHOOK_TOKEN: randomBytes(32).toString('base64url'),
      LOG_LEVEL: options.apiLogLevel,
    });
    const temporal = createTemporalClient(temporalTarget(config));
    stops.push(() => temporal.connection.close());
    const api = await listen(createApp({ config, sequelize, temporal, logger: apiLogger, version: VERSION }), 0);
    stops.push(() => api.close());

    const rows = await sequelize.query<{ name: string; value: string }>('SELECT name, current_setting(name) AS value FROM pg_settings WHERE name IN (:names)', {
      type: QueryTypes.SELECT,
      replacements: { names: REPORTED_SETTINGS },
    });
    const settings = Object.fromEntries(rows.map(({ name, value }) => [name, value]));
    return {
      webhookUrl: `http://127.0.0.1:${api.port}/api/webhooks/current-rms/${config.CURRENT_RMS_WEBHOOK_TOKEN}`,
      databaseUrl: postgres.url,
      postgresClusterDir: path.join(postgres.dataDir, 'cluster'),
      apiPoolMax: sequelize.config.pool?.max ?? Number.NaN,
      settings,
      sequelize,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
