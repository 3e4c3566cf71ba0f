// The platform inside one test process: the API on a free port, a worker against the given fakes, the outbox relay.
import type { RequestListener } from 'node:http';
import type { Client } from '@temporalio/client';
import type { Sequelize } from 'sequelize';
import { createApp } from '../../api/app';
import { listen } from '../../api/server';
import { startOutboxRelay } from '../../workers/outbox-relay';
import { openTestDatabase, openTestTemporalClient, startTestWorker, testConfig, testLogger, type TestWorkerOptions } from './env';

export interface InProcessPlatform {
  sequelize: Sequelize;
  temporal: Client;
  app: RequestListener;
  /** The Current RMS webhook target, its token included. */
  webhookUrl: string;
  stop(): Promise<void>;
}

export interface InProcessPlatformOptions {
  webhookToken: string;
  /** The fakes the worker calls (and the sync systems it enables). */
  worker: TestWorkerOptions;
  relayPollIntervalMs: number;
}

export async function startInProcessPlatform({ webhookToken, worker: workerOptions, relayPollIntervalMs }: InProcessPlatformOptions): Promise<InProcessPlatform> {
  const sequelize = openTestDatabase();
  const temporal = openTestTemporalClient();
  const app = createApp({ config: testConfig({ CURRENT_RMS_WEBHOOK_TOKEN: webhookToken }), sequelize, temporal, logger: testLogger, version: 'test' });
  const server = await listen(app, 0);
  const worker = await startTestWorker(sequelize, workerOptions);
  const relay = startOutboxRelay({ sequelize, client: temporal, logger: testLogger, pollIntervalMs: relayPollIntervalMs });
  return {
    sequelize,
    temporal,
    app,
    webhookUrl: `http://127.0.0.1:${server.port}/api/webhooks/current-rms/${webhookToken}`,
    async stop() {
      await relay.stop();
      await worker.stop();
      await server.close();
      await temporal.connection.close();
      await sequelize.close();
    },
  };
}
