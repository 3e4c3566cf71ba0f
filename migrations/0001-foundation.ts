// Foundation schema: users, refresh tokens, the audit log and workflow instances.
import type { Migration } from './migrator';

export const foundation: Migration = {
  name: '0001-foundation',
  async up({ context: sequelize }) {
    await sequelize.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'integrations', 'sales_engineer')),
        display_name text,
        is_active boolean NOT NULL DEFAULT true,
        last_login_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        family_id uuid NOT NULL,
        token_hash text NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason text,
        replaced_by_id uuid REFERENCES refresh_tokens (id) ON DELETE SET NULL,
        created_ip text,
        user_agent text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
      CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
      CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);

      CREATE TABLE audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        entity_type text NOT NULL,
        entity_id text NOT NULL,
        action text NOT NULL,
        actor_type text NOT NULL CHECK (actor_type IN ('user', 'workflow', 'system')),
        actor_id text NOT NULL,
        actor_activity text,
        workflow_run_id text,
        before jsonb,
        after jsonb,
        request_id text,
        request_ip text,
        user_agent text,
        idempotency_key text NOT NULL,
        CONSTRAINT audit_log_idempotency_key_key UNIQUE (idempotency_key)
      );
      CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id, occurred_at DESC);
      CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, occurred_at DESC);

      CREATE TABLE workflow_instances (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        workflow_id text NOT NULL,
        run_id text NOT NULL,
        workflow_type text NOT NULL,
        business_key text NOT NULL,
        status text NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
        current_step text,
        error text,
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        started_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT workflow_instances_run_key UNIQUE (workflow_id, run_id)
      );
      CREATE INDEX workflow_instances_business_key_idx ON workflow_instances (business_key);
      CREATE INDEX workflow_instances_status_idx ON workflow_instances (status, updated_at);
    `);
  },
  async down({ context: sequelize }) {
    await sequelize.query('DROP TABLE workflow_instances, audit_log, refresh_tokens, users');
  },
};
