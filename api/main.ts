// `npm run api`: the API role alone, against external PostgreSQL and Temporal (as production runs it).
import { loadConfig } from '../lib/config';
import { createSequelize } from '../lib/db';
import { onShutdownSignal, ShutdownSteps } from '../lib/lifecycle';
import { createLogger } from '../lib/logger';
import { retryUntilReady } from '../lib/retry-until-ready';
import { createTemporalClient, temporalTarget } from '../lib/temporal';
import { VERSION } from '../lib/version';
import { migrateUp } from '../migrations/migrator';
import { createApp } from './app';
import { listen } from './server';
import { ensureBootstrapAdmin } from './users/service';

async function main(): Promise<void> {
  const config = loadConfig(process.env, { requireExternalServices: true });
  const logger = createLogger(config.LOG_LEVEL, 'api');
  const shutdown = new ShutdownSteps();
  const stopping = new AbortController();
  onShutdownSignal(
    () => {
      stopping.abort();
      void shutdown.run(logger);
    },
    () => process.exit(1),
  );
  const sequelize = createSequelize(config.DATABASE_URL!, logger);
  shutdown.add('database pool', () => sequelize.close());
  // PostgreSQL may be down when the API starts (a restart, a deploy): wait for it rather than exit and crash-loop.
  await retryUntilReady('Connecting to PostgreSQL', () => sequelize.authenticate(), { logger, signal: stopping.signal });
  await migrateUp(sequelize, logger);
  await ensureBootstrapAdmin(sequelize, config, logger);
  const temporal = createTemporalClient(temporalTarget(config));
  shutdown.add('temporal client', () => temporal.connection.close());
  const api = await listen(createApp({ config, sequelize, temporal, logger, version: VERSION }), config.PORT);
  shutdown.add('http server', () => api.close());
  logger.info({ port: api.port, version: VERSION }, 'API listening');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
