// `npm run migrate [up|down|status]`: applies, reverts (development only) or lists migrations.
import { loadConfig } from '../lib/config';
import { createSequelize } from '../lib/db';
import { createLogger } from '../lib/logger';
import { createMigrator, migrateUp, withMigrationLock } from './migrator';

async function main(): Promise<void> {
  const command = process.argv[2] ?? 'up';
  const config = loadConfig(process.env, { requireExternalServices: true });
  const logger = createLogger(config.LOG_LEVEL, 'migrate');
  const sequelize = createSequelize(config.DATABASE_URL!, logger);
  try {
    if (command === 'up') {
      const applied = await migrateUp(sequelize, logger);
      console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database schema is up to date.');
    } else if (command === 'status') {
      const migrator = createMigrator(sequelize, logger);
      const [executed, pending] = await Promise.all([migrator.executed(), migrator.pending()]);
      for (const m of executed) console.log(`applied  ${m.name}`);
      for (const m of pending) console.log(`pending  ${m.name}`);
    } else if (command === 'down') {
      if (config.NODE_ENV === 'production') throw new Error('`migrate down` is for development; production migrations are forward-only.');
      const reverted = await withMigrationLock(sequelize, () => createMigrator(sequelize, logger).down());
      console.log(reverted.length ? `Reverted: ${reverted.map((m) => m.name).join(', ')}` : 'Nothing to revert.');
    } else {
      throw new Error(`Unknown command "${command}": use up, down or status.`);
    }
  } finally {
    await sequelize.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
