// `npm start`: the whole platform on one machine. Embedded PostgreSQL and the Temporal dev server
// (unless DATABASE_URL / TEMPORAL_ADDRESS point elsewhere), migrations, the API and the worker.
import path from 'node:path';
import { createApp } from '../api/app';
import { listen } from '../api/server';
import { ensureBootstrapAdmin } from '../api/users/service';
import { loadConfig, type Config } from '../lib/config';
import { createSequelize } from '../lib/db';
import { onShutdownSignal, ShutdownSteps } from '../lib/lifecycle';
import { startLocalPostgres } from '../lib/local-stack/postgres';
import { startLocalTemporal } from '../lib/local-stack/temporal-server';
import { createLogger } from '../lib/logger';
import { connectWorkerConnection, createTemporalClient, temporalTarget, temporalUiBaseUrl } from '../lib/temporal';
import { VERSION } from '../lib/version';
import { migrateUp } from '../migrations/migrator';
import { prepareNamespace } from './schedules';
import { createPlatformWorker, installTemporalRuntime, SHUTDOWN_GRACE_MS } from './worker';

function banner(config: Config, urls: { api: string; temporal: string; databaseEmbedded: boolean }, seconds: number): string {
  const relative = (file: string) => path.relative(process.cwd(), file) || file;
  const adminPassword = config.generatedSecretsFile
    ? `password: jq -r .adminPassword ${relative(config.generatedSecretsFile)}`
    : 'password: the ADMIN_PASSWORD you set';
  return [
    '',
    `  Integration platform ${VERSION} is up (started in ${seconds.toFixed(1)} s)`,
    '',
    `  API          ${urls.api}`,
    `  API docs     ${urls.api}/docs   (OpenAPI: ${urls.api}/openapi.json)`,
    `  Health       ${urls.api}/api/public/health`,
    `  Temporal UI  ${temporalUiBaseUrl(config)}   (frontend ${urls.temporal}, namespace ${config.TEMPORAL_NAMESPACE})`,
    `  Data         ${config.DATA_DIR}${urls.databaseEmbedded ? '   (PostgreSQL in postgres/, Temporal in temporal/)' : ''}`,
    `  First admin  ${config.ADMIN_EMAIL}, ${adminPassword}`,
    `               POST ${urls.api}/api/auth/login {"email","password"} returns a bearer token`,
    '',
    '  Ctrl-C stops everything (in-flight activities get time to finish).',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  installTemporalRuntime(logger, []); // we drain the worker ourselves, before stopping the servers
  const shutdown = new ShutdownSteps();
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= shutdown.run(logger));
  onShutdownSignal(
    (signal) => {
      logger.info({ signal, graceSeconds: SHUTDOWN_GRACE_MS / 1000 }, 'shutting down: finishing in-flight work');
      void stop().then(() => process.exit(0));
    },
    () => {
      logger.warn('second signal: stopping now');
      process.exit(130);
    },
  );

  try {
    const [postgres, temporalServer] = await Promise.all([
      config.DATABASE_URL
        ? undefined
        : startLocalPostgres({ dataDir: path.join(config.DATA_DIR, 'postgres'), database: 'platform', logger }).then((pg) => {
            shutdown.add('embedded PostgreSQL', () => pg.stop());
            return pg;
          }),
      config.TEMPORAL_ADDRESS
        ? undefined
        : startLocalTemporal({ dataDir: path.join(config.DATA_DIR, 'temporal'), namespace: config.TEMPORAL_NAMESPACE, uiPort: config.TEMPORAL_UI_PORT, cliPath: config.TEMPORAL_CLI_PATH, logger }).then((server) => {
            shutdown.add('Temporal dev server', () => server.stop());
            return server;
          }),
    ]);
    const databaseUrl = config.DATABASE_URL ?? postgres!.url;
    const target = temporalTarget(config, config.TEMPORAL_ADDRESS ?? temporalServer!.address);

    const sequelize = createSequelize(databaseUrl, logger);
    shutdown.add('database pool', () => sequelize.close());
    await migrateUp(sequelize, logger);
    await ensureBootstrapAdmin(sequelize, config, logger);

    const temporal = createTemporalClient(target);
    shutdown.add('temporal client', () => temporal.connection.close());
    await prepareNamespace(temporal, logger);

    const workerConnection = await connectWorkerConnection(target);
    shutdown.add('worker connection', () => workerConnection.close());
    const worker = await createPlatformWorker({ connection: workerConnection, namespace: target.namespace, sequelize, logger });
    const workerRun = worker.run();
    shutdown.add('worker', async () => {
      worker.shutdown();
      await workerRun;
    });
    workerRun.catch((error: unknown) => {
      logger.fatal({ err: error }, 'worker stopped unexpectedly');
      void stop().then(() => process.exit(1));
    });

    const api = await listen(createApp({ config, sequelize, temporal, logger, version: VERSION }), config.PORT);
    shutdown.add('http server', () => api.close());

    const apiUrl = `http://localhost:${api.port}`;
    process.stdout.write(banner(config, { api: apiUrl, temporal: target.address, databaseEmbedded: !config.DATABASE_URL }, (performance.now() - startedAt) / 1000));
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    await stop();
    process.exit(1);
  }
}

void main();
