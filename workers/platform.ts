// `npm start`: the whole platform on one machine. Embedded PostgreSQL, the Temporal dev server and sandboxes of the external
// systems (unless DATABASE_URL / TEMPORAL_ADDRESS / each system's variables point elsewhere), migrations, API, worker, relay.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createApp } from '../api/app';
import { OPPORTUNITY_EVENTS } from '../domain/webhook-events';
import { listen } from '../api/server';
import { ensureBootstrapAdmin } from '../api/users/service';
import { loadConfig, RUNTIME_FILE, type Config } from '../lib/config';
import { createSequelize } from '../lib/db';
import { onShutdownSignal, ShutdownSteps } from '../lib/lifecycle';
import { startLocalPostgres } from '../lib/local-stack/postgres';
import { startLocalTemporal } from '../lib/local-stack/temporal-server';
import { createLogger } from '../lib/logger';
import { connectWorkerConnection, createTemporalClient, temporalTarget, temporalUiBaseUrl } from '../lib/temporal';
import { VERSION } from '../lib/version';
import { migrateUp } from '../migrations/migrator';
import type { FakeCurrentRms } from '../test/fakes/current-rms';
import { syncIdleTimeoutMs } from '../lib/sync-requests';
import { startOutboxRelay } from './outbox-relay';
import { startExternalSystems, type ExternalSystems } from './sandboxes';
import { prepareNamespace, scheduleSettings } from './schedules';
import { createPlatformWorker, installTemporalRuntime, SHUTDOWN_GRACE_MS, workerTuning } from './worker';

interface Urls {
  api: string;
  temporal: string;
  databaseEmbedded: boolean;
  externalSystems: ExternalSystems['summary'];
}

function banner(config: Config, urls: Urls, seconds: number): string {
  const relative = (file: string) => path.relative(process.cwd(), file) || file;
  const adminPassword = config.generatedSecretsFile
    ? `password: jq -r .adminPassword ${relative(config.generatedSecretsFile)}`
    : 'password: the ADMIN_PASSWORD you set';
  const webhookToken = config.generatedSecretsFile ? `$(jq -r .currentRmsWebhookToken ${relative(config.generatedSecretsFile)})` : '$CURRENT_RMS_WEBHOOK_TOKEN';
  const systems = urls.externalSystems.map(({ name, url, sandbox }) => `  ${name.padEnd(12)} ${sandbox ? `SANDBOX: a local fake at ${url} (set its variables for the real one)` : url}`);
  const demo = urls.externalSystems.some(({ name, sandbox }) => name === 'Current RMS' && sandbox)
    ? ['               `npm run demo` changes sandbox opportunities, which post webhooks here and sync to the targets above']
    : [];
  return [
    '',
    `  Integration platform ${VERSION} is up (started in ${seconds.toFixed(1)} s)`,
    '',
    `  API          ${urls.api}`,
    `  API docs     ${urls.api}/docs   (OpenAPI: ${urls.api}/openapi.json)`,
    `  Health       ${urls.api}/api/public/health`,
    `  Temporal UI  ${temporalUiBaseUrl(config)}   (frontend ${urls.temporal}, namespace ${config.TEMPORAL_NAMESPACE})`,
    `  Webhooks     POST ${urls.api}/api/webhooks/current-rms/${webhookToken}`,
    ...systems,
    ...demo,
    `  Data         ${config.DATA_DIR}${urls.databaseEmbedded ? '   (PostgreSQL in postgres/, Temporal in temporal/)' : ''}`,
    `  First admin  ${config.ADMIN_EMAIL}, ${adminPassword}`,
    `               POST ${urls.api}/api/auth/login {"email","password"} returns a bearer token`,
    '',
    '  Ctrl-C stops everything (in-flight activities get time to finish).',
    '',
  ].join('\n');
}

/** What an admin does in Current RMS (System Setup > Webhooks): one webhook per opportunity event, to our URL. */
async function registerSandboxWebhooks(sandbox: FakeCurrentRms, targetUrl: string): Promise<void> {
  for (const event of OPPORTUNITY_EVENTS) {
    const response = await fetch(`${sandbox.baseUrl}/webhooks`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-SUBDOMAIN': sandbox.subdomain, 'X-AUTH-TOKEN': sandbox.apiToken },
      body: JSON.stringify({ webhook: { name: `Integration platform: ${event}`, event, target_url: targetUrl, active: true } }),
    });
    if (response.status !== 201) throw new Error(`The Current RMS sandbox refused a webhook: ${response.status} ${await response.text()}`);
  }
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  installTemporalRuntime(logger, []); // we drain the workers ourselves, before stopping the servers
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
    await prepareNamespace(temporal, logger, scheduleSettings(config));

    const externalSystems = await startExternalSystems(config);
    shutdown.add('sandboxes', () => externalSystems.stop());
    const sandbox: FakeCurrentRms | undefined = externalSystems.currentRmsSandbox;

    const workerConnection = await connectWorkerConnection(target);
    shutdown.add('worker connection', () => workerConnection.close());
    const worker = await createPlatformWorker({
      connection: workerConnection,
      namespace: target.namespace,
      sequelize,
      logger,
      client: temporal,
      externalSystems: externalSystems.settings,
      syncSystems: config.SYNC_SYSTEMS,
      syncIdleTimeoutMs: syncIdleTimeoutMs(config),
      tuning: workerTuning(config),
    });
    const workerRun = worker.run();
    shutdown.add('worker', async () => {
      worker.shutdown();
      await workerRun;
    });
    workerRun.catch((error: unknown) => {
      logger.fatal({ err: error }, 'worker stopped unexpectedly');
      void stop().then(() => process.exit(1));
    });

    const relay = startOutboxRelay({ sequelize, client: temporal, logger, pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS });
    shutdown.add('outbox relay', () => relay.stop());

    const api = await listen(createApp({ config, sequelize, temporal, logger, version: VERSION }), config.PORT);
    shutdown.add('http server', () => api.close());

    const apiUrl = `http://localhost:${api.port}`;
    const webhookUrl = `${apiUrl}/api/webhooks/current-rms/${config.CURRENT_RMS_WEBHOOK_TOKEN}`;
    if (sandbox) await registerSandboxWebhooks(sandbox, webhookUrl);
    // Mode 600: the webhook URL holds a secret.
    writeFileSync(path.join(config.DATA_DIR, RUNTIME_FILE), `${JSON.stringify({ apiUrl, webhookUrl, currentRmsSandbox: sandbox?.baseUrl ?? null, temporalUi: temporalUiBaseUrl(config) }, null, 2)}\n`, { mode: 0o600 });
    const urls = { api: apiUrl, temporal: target.address, databaseEmbedded: !config.DATABASE_URL, externalSystems: externalSystems.summary };
    process.stdout.write(banner(config, urls, (performance.now() - startedAt) / 1000));
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    await stop();
    process.exit(1);
  }
}

void main();
