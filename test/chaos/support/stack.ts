// The chaos run's own stack: embedded PostgreSQL and a Temporal dev server it may stop and restart, the four sandboxes, and the webhook intake.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Sequelize } from 'sequelize';
import { createApp } from '../../../api/app';
import { listen, type RunningServer } from '../../../api/server';
import { loadConfig } from '../../../lib/config';
import { createSequelize } from '../../../lib/db';
import { startLocalPostgres, type LocalPostgres } from '../../../lib/local-stack/postgres';
import { freePort } from '../../../lib/local-stack/ports';
import { resolveTemporalCli, startLocalTemporal, type LocalTemporal, type LocalTemporalOptions } from '../../../lib/local-stack/temporal-server';
import { createLogger } from '../../../lib/logger';
import { createTemporalClient, registerSearchAttributes } from '../../../lib/temporal';
import { migrateUp } from '../../../migrations/migrator';
import { FakeCurrentRms } from '../../fakes/current-rms';
import { FakeMonday } from '../../fakes/monday';
import { FakeSalesforce } from '../../fakes/salesforce';
import { FakeXero } from '../../fakes/xero';
import { postgresControl, type PostgresControl } from './postgres-control';

export const WEBHOOK_TOKEN = 'chaos-suite-webhook-token-0123456789abcdefghij';
export const logger = createLogger(process.env.CHAOS_LOG_LEVEL ?? 'silent', 'chaos');

/** Throughput settings only: a chaos run tests failures, not durability of the disk. */
const POSTGRES_SETTINGS = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' };

export interface Fakes {
  currentRms: FakeCurrentRms;
  salesforce: FakeSalesforce;
  xero: FakeXero;
  monday: FakeMonday;
}

export interface ChaosStack {
  dataDir: string;
  databaseUrl: string;
  fakes: Fakes;
  /** The test's own connection (intake and checks). */
  sequelize: Sequelize;
  client: Client;
  intakeUrl: string;
  temporal: { address: string; stop(): Promise<void>; start(): Promise<void> };
  postgres: PostgresControl;
  /** Environment of `npm run worker` against this stack and the sandboxes. */
  workerEnv(): Record<string, string>;
  stop(): Promise<void>;
}

async function startTemporalOrExplain(options: LocalTemporalOptions): Promise<LocalTemporal> {
  try {
    return await startLocalTemporal(options);
  } catch (error) {
    throw new Error(
      `The chaos suite needs the Temporal CLI dev server and could not start it: ${(error as Error).message}\n` +
        'Fix: run `npm run temporal:install` (builds it with Go >= 1.25), or set TEMPORAL_CLI_PATH to a `temporal` binary.',
    );
  }
}

export async function startChaosStack(): Promise<ChaosStack> {
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch((error: unknown) => console.error('chaos teardown:', error));
  };
  try {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'platform-chaos-'));
    chmodSync(dataDir, 0o755); // enterable by the unprivileged user PostgreSQL runs as under root
    // Removed last, once every server is down; CHAOS_KEEP_DATA=1 keeps it for a look at the logs and databases.
    stops.push(() => Promise.resolve(process.env.CHAOS_KEEP_DATA ? console.log(`chaos data kept in ${dataDir}`) : rmSync(dataDir, { recursive: true, force: true })));
    // Found (or refused) up front, so a missing CLI fails in seconds with the fix, not after PostgreSQL started.
    const cliPath = await resolveTemporalCli(process.env.TEMPORAL_CLI_PATH).catch((error: unknown) => {
      throw new Error(`The chaos suite needs the Temporal CLI: ${(error as Error).message}\nFix: run \`npm run temporal:install\` (needs Go >= 1.25) or set TEMPORAL_CLI_PATH.`);
    });

    const pgDataDir = path.join(dataDir, 'postgres');
    const localPostgres: LocalPostgres = await startLocalPostgres({ dataDir: pgDataDir, database: 'platform_chaos', logger, settings: POSTGRES_SETTINGS });
    stops.push(() => localPostgres.stop());
    const databaseUrl = localPostgres.url;
    const postgres = postgresControl({ dataDir: pgDataDir, port: Number(new URL(databaseUrl).port), settings: POSTGRES_SETTINGS });

    // A fixed port and data folder: a restarted server is the same server to every client.
    const temporalOptions: LocalTemporalOptions = { dataDir: path.join(dataDir, 'temporal'), namespace: 'default', port: await freePort(), uiPort: await freePort(), cliPath, logger };
    let temporalServer: LocalTemporal | undefined = await startTemporalOrExplain(temporalOptions);
    stops.push(() => temporalServer?.stop() ?? Promise.resolve());
    const temporal = {
      address: temporalServer.address,
      async stop() {
        await temporalServer?.stop();
        temporalServer = undefined;
      },
      async start() {
        temporalServer = await startTemporalOrExplain(temporalOptions);
      },
    };

    const sequelize = createSequelize(databaseUrl, logger, 20);
    stops.push(() => sequelize.close());
    await migrateUp(sequelize, logger);
    const client = createTemporalClient({ address: temporal.address, namespace: 'default' });
    stops.push(() => client.connection.close());
    await registerSearchAttributes(client, logger);

    const [currentRms, salesforce, xero, monday] = await Promise.all([FakeCurrentRms.start(), FakeSalesforce.start(), FakeXero.start(), FakeMonday.start()]);
    stops.push(() => currentRms.stop(), () => salesforce.stop(), () => xero.stop(), () => monday.stop());

    const config = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: path.join(dataDir, 'api'),
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      JWT_SECRET: 'chaos-secret-that-is-long-enough-for-hs256-signing',
      ADMIN_PASSWORD: 'admin-password-for-chaos',
      CURRENT_RMS_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
      LOG_LEVEL: 'silent',
    });
    const server: RunningServer = await listen(createApp({ config, sequelize, temporal: client, logger, version: 'chaos' }), 0);
    stops.push(() => server.close(2_000));

    const workerDataDir = path.join(dataDir, 'worker');
    return {
      dataDir,
      databaseUrl,
      fakes: { currentRms, salesforce, xero, monday },
      sequelize,
      client,
      intakeUrl: `http://127.0.0.1:${server.port}/api/webhooks/current-rms/${WEBHOOK_TOKEN}`,
      temporal,
      postgres,
      workerEnv() {
        const sf = salesforce.settings();
        const xe = xero.settings();
        const mo = monday.settings();
        return {
          NODE_ENV: 'development',
          DATA_DIR: workerDataDir,
          DATABASE_URL: databaseUrl,
          TEMPORAL_ADDRESS: temporal.address,
          CURRENT_RMS_API_URL: currentRms.baseUrl,
          CURRENT_RMS_SUBDOMAIN: currentRms.subdomain,
          CURRENT_RMS_API_TOKEN: currentRms.apiToken,
          SALESFORCE_LOGIN_URL: sf.loginUrl,
          SALESFORCE_CLIENT_ID: sf.clientId,
          SALESFORCE_CLIENT_SECRET: sf.clientSecret ?? '',
          XERO_API_URL: xe.apiUrl,
          XERO_TOKEN_URL: xe.tokenUrl,
          XERO_CLIENT_ID: xe.clientId,
          XERO_CLIENT_SECRET: xe.clientSecret,
          XERO_TENANT_ID: xe.tenantId,
          MONDAY_API_URL: mo.apiUrl,
          MONDAY_API_TOKEN: mo.apiToken,
          MONDAY_BOARD_ID: mo.boardId,
          MONDAY_UID_COLUMN_ID: mo.uidColumnId,
          SYNC_SYSTEMS: 'salesforce,xero,monday',
          // Failed and stale links are re-driven within the run, not after the production cool-downs.
          RECONCILE_INTERVAL_MINUTES: '0.25',
          SYNC_FAILED_COOLDOWN_MINUTES: '0.25',
          SYNC_IDLE_MINUTES: '1',
          OUTBOX_POLL_INTERVAL_MS: '100',
          LOG_LEVEL: 'info', // the "worker and outbox relay running" line tells the supervisor it is ready
        };
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
