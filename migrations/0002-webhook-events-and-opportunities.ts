// Webhook event store (also the outbox), opportunity snapshots, their augmentation and external links.
import type { Migration } from './migrator';

export const webhookEventsAndOpportunities: Migration = {
  name: '0002-webhook-events-and-opportunities',
  async up({ context: sequelize }) {
    await sequelize.query(`
      CREATE TABLE events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        source text NOT NULL,
        event_type text NOT NULL,
        entity_type text,
        entity_id text,
        action_id text,
        dedupe_key text NOT NULL,
        payload jsonb NOT NULL,
        raw_body text NOT NULL,
        headers jsonb NOT NULL DEFAULT '{}'::jsonb,
        status text NOT NULL CHECK (status IN ('received', 'dispatched', 'processing', 'processed', 'failed', 'ignored')),
        status_history jsonb NOT NULL DEFAULT '[]'::jsonb,
        attempts integer NOT NULL DEFAULT 0,
        replay_count integer NOT NULL DEFAULT 0,
        last_error text,
        workflow_id text,
        run_id text,
        received_at timestamptz NOT NULL DEFAULT now(),
        dispatched_at timestamptz,
        processed_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT events_dedupe_key UNIQUE (source, dedupe_key)
      );
      -- The outbox: the relay only ever scans events not yet handed to Temporal.
      CREATE INDEX events_outbox_idx ON events (received_at) WHERE status = 'received';
      CREATE INDEX events_received_idx ON events (received_at DESC, id DESC);
      CREATE INDEX events_status_idx ON events (status, received_at DESC);
      CREATE INDEX events_entity_idx ON events (entity_type, entity_id, received_at DESC);

      CREATE TABLE opportunities (
        id bigint PRIMARY KEY,
        subject text NOT NULL,
        description text,
        number text,
        state integer,
        state_name text,
        status integer,
        status_name text,
        starts_at timestamptz,
        ends_at timestamptz,
        charge_total numeric(16, 2) NOT NULL DEFAULT 0,
        charge_excluding_tax_total numeric(16, 2) NOT NULL DEFAULT 0,
        charge_including_tax_total numeric(16, 2) NOT NULL DEFAULT 0,
        tax_total numeric(16, 2) NOT NULL DEFAULT 0,
        member_id bigint,
        member_name text,
        owner_id bigint,
        owner_name text,
        custom_fields jsonb NOT NULL DEFAULT '{}'::jsonb,
        raw jsonb NOT NULL,
        source_updated_at timestamptz,
        deleted_at timestamptz,
        last_event_id uuid REFERENCES events (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX opportunities_status_idx ON opportunities (status, id);
      CREATE INDEX opportunities_updated_idx ON opportunities (updated_at);

      CREATE TABLE augmented_opportunities (
        opportunity_id bigint PRIMARY KEY REFERENCES opportunities (id) ON DELETE CASCADE,
        workflow_status text NOT NULL,
        risk_level text NOT NULL CHECK (risk_level IN ('low', 'medium', 'high', 'critical')),
        risk_score integer NOT NULL,
        risk_notes jsonb NOT NULL DEFAULT '[]'::jsonb,
        financial_health_score integer NOT NULL CHECK (financial_health_score BETWEEN 0 AND 100),
        custom_calculations jsonb NOT NULL DEFAULT '{}'::jsonb,
        formula_version text NOT NULL,
        source_updated_at timestamptz,
        computed_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE external_integrations (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        opportunity_id bigint NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
        system text NOT NULL CHECK (system IN ('salesforce', 'xero', 'monday', 'teamtrack')),
        uid text NOT NULL,
        external_id text,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'syncing', 'synced', 'failed')),
        last_synced_at timestamptz,
        last_error text,
        attempts integer NOT NULL DEFAULT 0,
        payload_hash text,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT external_integrations_opportunity_system_key UNIQUE (opportunity_id, system),
        CONSTRAINT external_integrations_system_uid_key UNIQUE (system, uid)
      );
      CREATE INDEX external_integrations_status_idx ON external_integrations (system, status, updated_at);
    `);
  },
  async down({ context: sequelize }) {
    await sequelize.query('DROP TABLE external_integrations, augmented_opportunities, opportunities, events');
  },
};
