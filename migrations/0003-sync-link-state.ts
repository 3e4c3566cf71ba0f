// Sync links remember which Current RMS version they hold and why they failed; only the synced systems are allowed.
import type { Migration } from './migrator';

export const syncLinkState: Migration = {
  name: '0003-sync-link-state',
  async up({ context: sequelize }) {
    await sequelize.query(`
      ALTER TABLE external_integrations
        ADD COLUMN synced_source_updated_at timestamptz,
        ADD COLUMN failure_kind text CHECK (failure_kind IN ('retryable', 'auth', 'validation')),
        DROP CONSTRAINT external_integrations_system_check,
        ADD CONSTRAINT external_integrations_system_check CHECK (system IN ('salesforce', 'xero', 'monday'));
      COMMENT ON COLUMN external_integrations.synced_source_updated_at IS 'Current RMS updated_at of the snapshot the last sync wrote (or confirmed)';
      COMMENT ON COLUMN external_integrations.failure_kind IS 'Why the last sync failed: retryable (retries ran out), auth or validation';
    `);
  },
  async down({ context: sequelize }) {
    await sequelize.query(`
      ALTER TABLE external_integrations
        DROP COLUMN synced_source_updated_at,
        DROP COLUMN failure_kind,
        DROP CONSTRAINT external_integrations_system_check,
        ADD CONSTRAINT external_integrations_system_check CHECK (system IN ('salesforce', 'xero', 'monday', 'teamtrack'));
    `);
  },
};
