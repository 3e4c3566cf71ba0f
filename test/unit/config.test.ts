// Configuration validation: defaults, readable errors, production requirements, dev secrets kept.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, WORKER_TUNING_DEFAULTS } from '../../lib/config';
import { workerTuning, workerTuningOptions } from '../../workers/worker';

const currentRmsEnv = {
  CURRENT_RMS_WEBHOOK_TOKEN: 'w'.repeat(40),
  CURRENT_RMS_API_URL: 'https://api.current-rms.com/api/v1/',
  CURRENT_RMS_SUBDOMAIN: 'acme',
  CURRENT_RMS_API_TOKEN: 'api-token',
};

const syncTargetsEnv = {
  SALESFORCE_LOGIN_URL: 'https://acme.my.salesforce.com/',
  SALESFORCE_CLIENT_ID: 'sf-client',
  SALESFORCE_CLIENT_SECRET: 'sf-secret',
  XERO_CLIENT_ID: 'xero-client',
  XERO_CLIENT_SECRET: 'xero-secret',
  MONDAY_API_TOKEN: 'monday-token',
  MONDAY_BOARD_ID: '123456',
  MONDAY_UID_COLUMN_ID: 'text_uid',
};

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'config-test-'));

test('development defaults need no configuration at all', () => {
  const config = loadConfig({ DATA_DIR: tmp() });
  expect(config).toMatchObject({ NODE_ENV: 'development', PORT: 3000, TEMPORAL_NAMESPACE: 'default', TEMPORAL_UI_PORT: 8233, ADMIN_EMAIL: 'admin@example.com', CORS_ORIGINS: [], LOG_LEVEL: 'info' });
  expect(config.DATABASE_URL).toBeUndefined();
  expect(config.TEMPORAL_ADDRESS).toBeUndefined();
});

test('development secrets are generated once, kept private in the data folder, and reused', () => {
  const dataDir = tmp();
  const first = loadConfig({ DATA_DIR: dataDir });
  const second = loadConfig({ DATA_DIR: dataDir });
  expect(first.JWT_SECRET.length).toBeGreaterThanOrEqual(32);
  expect(second.JWT_SECRET).toBe(first.JWT_SECRET);
  expect(second.ADMIN_PASSWORD).toBe(first.ADMIN_PASSWORD);
  const file = path.join(dataDir, 'secrets.json');
  expect(first.generatedSecretsFile).toBe(file);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ jwtSecret: first.JWT_SECRET, adminPassword: first.ADMIN_PASSWORD, currentRmsWebhookToken: first.CURRENT_RMS_WEBHOOK_TOKEN });
  expect(first.CURRENT_RMS_WEBHOOK_TOKEN).toMatch(/^[\w-]{40,}$/);
  expect(second.CURRENT_RMS_WEBHOOK_TOKEN).toBe(first.CURRENT_RMS_WEBHOOK_TOKEN);
});

test('a secrets file from an older version gains the secrets it lacks and keeps the ones it has', () => {
  const dataDir = tmp();
  writeFileSync(path.join(dataDir, 'secrets.json'), JSON.stringify({ jwtSecret: 'j'.repeat(40), adminPassword: 'old-admin-password' }));
  const config = loadConfig({ DATA_DIR: dataDir });
  expect(config).toMatchObject({ JWT_SECRET: 'j'.repeat(40), ADMIN_PASSWORD: 'old-admin-password' });
  expect(JSON.parse(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')).currentRmsWebhookToken).toBe(config.CURRENT_RMS_WEBHOOK_TOKEN);
});

test('every problem is listed at once, by variable name', () => {
  try {
    loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x', ADMIN_EMAIL: 'not-an-email' });
    throw new Error('expected a ConfigError');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'LOG_LEVEL', 'DATABASE_URL', 'ADMIN_EMAIL']) expect(problems).toContain(name);
  }
});

test('production requires JWT_SECRET and external services, and never generates secrets', () => {
  expect(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: tmp() })).toThrow(
    /JWT_SECRET[\s\S]*CURRENT_RMS_WEBHOOK_TOKEN[\s\S]*DATABASE_URL[\s\S]*TEMPORAL_ADDRESS[\s\S]*CURRENT_RMS_API_URL, CURRENT_RMS_SUBDOMAIN, CURRENT_RMS_API_TOKEN: required here .*production never uses sandboxes[\s\S]*SALESFORCE_LOGIN_URL[\s\S]*XERO_CLIENT_ID[\s\S]*MONDAY_API_TOKEN/,
  );
  const dataDir = tmp();
  const config = loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir, JWT_SECRET: 'x'.repeat(40), DATABASE_URL: 'postgres://db/app', TEMPORAL_ADDRESS: 'temporal:7233', ...currentRmsEnv, ...syncTargetsEnv });
  expect(config.currentRms).toEqual({ apiUrl: 'https://api.current-rms.com/api/v1', subdomain: 'acme', apiToken: 'api-token' });
  expect(config.ADMIN_PASSWORD).toBeUndefined();
  expect(config.generatedSecretsFile).toBeUndefined();
});

test('the api and worker roles require external services even in development', () => {
  expect(() => loadConfig({ DATA_DIR: tmp() }, { requireExternalServices: true })).toThrow(/DATABASE_URL/);
});

test('CORS_ORIGINS is a comma-separated allow-list', () => {
  expect(loadConfig({ DATA_DIR: tmp(), CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).CORS_ORIGINS).toEqual(['https://app.example.com', 'http://localhost:5173']);
});

test('Current RMS API settings are all or nothing; none means the sandbox', () => {
  expect(loadConfig({ DATA_DIR: tmp() }).currentRms).toBeUndefined();
  expect(() => loadConfig({ DATA_DIR: tmp(), CURRENT_RMS_API_URL: 'https://api.current-rms.com/api/v1' })).toThrow(
    /CURRENT_RMS_SUBDOMAIN, CURRENT_RMS_API_TOKEN: required because CURRENT_RMS_API_URL is set/,
  );
  expect(() => loadConfig({ DATA_DIR: tmp(), CURRENT_RMS_WEBHOOK_TOKEN: 'short' })).toThrow(/CURRENT_RMS_WEBHOOK_TOKEN/);
  expect(() => loadConfig({ DATA_DIR: tmp(), ...currentRmsEnv, ...syncTargetsEnv, DATABASE_URL: 'postgres://db/app', TEMPORAL_ADDRESS: 't:7233' }, { requireExternalServices: true })).not.toThrow();
  expect(() => loadConfig({ DATA_DIR: tmp(), DATABASE_URL: 'postgres://db/app', TEMPORAL_ADDRESS: 't:7233' }, { requireExternalServices: true })).toThrow(/CURRENT_RMS_API_URL/);
});

test('each sync target is live when fully configured, a sandbox when untouched, and an error naming the gap when partly set', () => {
  const config = loadConfig({ DATA_DIR: tmp(), ...syncTargetsEnv });
  expect(config.salesforce).toEqual({
    loginUrl: 'https://acme.my.salesforce.com',
    instanceUrl: undefined,
    clientId: 'sf-client',
    clientSecret: 'sf-secret',
    jwt: undefined,
    apiVersion: '62.0',
    externalIdField: 'CurrentRMS_Id__c',
  });
  expect(config.xero).toEqual({ apiUrl: 'https://api.xero.com/api.xro/2.0', tokenUrl: 'https://identity.xero.com/connect/token', clientId: 'xero-client', clientSecret: 'xero-secret', tenantId: '' });
  expect(config.monday).toEqual({ apiUrl: 'https://api.monday.com/v2', apiToken: 'monday-token', boardId: '123456', uidColumnId: 'text_uid' });

  const sandbox = loadConfig({ DATA_DIR: tmp() });
  expect([sandbox.salesforce, sandbox.xero, sandbox.monday]).toEqual([undefined, undefined, undefined]);
  expect(sandbox.SYNC_SYSTEMS).toEqual(['salesforce', 'xero', 'monday']);

  expect(() => loadConfig({ DATA_DIR: tmp(), XERO_CLIENT_ID: 'only-the-id', MONDAY_BOARD_ID: '42' })).toThrow(
    /XERO_CLIENT_SECRET: required because XERO_CLIENT_ID is set[\s\S]*MONDAY_API_TOKEN, MONDAY_UID_COLUMN_ID: required because MONDAY_BOARD_ID is set/,
  );
  // The JWT bearer grant replaces the client secret with a username and a private key.
  expect(() => loadConfig({ DATA_DIR: tmp(), SALESFORCE_LOGIN_URL: 'https://login.example.com', SALESFORCE_CLIENT_ID: 'c', SALESFORCE_USERNAME: 'u@example.com' })).toThrow(
    /SALESFORCE_PRIVATE_KEY: required because/,
  );
  const jwt = loadConfig({ DATA_DIR: tmp(), SALESFORCE_LOGIN_URL: 'https://login.example.com', SALESFORCE_CLIENT_ID: 'c', SALESFORCE_USERNAME: 'u@example.com', SALESFORCE_PRIVATE_KEY: 'line1\\nline2' });
  expect(jwt.salesforce).toMatchObject({ clientSecret: undefined, jwt: { username: 'u@example.com', privateKey: 'line1\nline2' } });
  expect(() => loadConfig({ DATA_DIR: tmp(), SALESFORCE_API_VERSION: '62' })).toThrow(/SALESFORCE_API_VERSION/);
});

test('SYNC_SYSTEMS chooses the sync targets; production needs credentials only for those', () => {
  expect(loadConfig({ DATA_DIR: tmp(), SYNC_SYSTEMS: ' xero, monday ,xero' }).SYNC_SYSTEMS).toEqual(['xero', 'monday']);
  expect(loadConfig({ DATA_DIR: tmp(), SYNC_SYSTEMS: '' }).SYNC_SYSTEMS).toEqual([]);
  expect(() => loadConfig({ DATA_DIR: tmp(), SYNC_SYSTEMS: 'salesforce,hubspot' })).toThrow(/SYNC_SYSTEMS/);
  const production = { NODE_ENV: 'production', DATA_DIR: tmp(), JWT_SECRET: 'x'.repeat(40), DATABASE_URL: 'postgres://db/app', TEMPORAL_ADDRESS: 't:7233', ...currentRmsEnv };
  expect(() => loadConfig({ ...production, SYNC_SYSTEMS: 'xero' })).toThrow(/XERO_CLIENT_ID, XERO_CLIENT_SECRET: required here .*or leave xero out of SYNC_SYSTEMS/);
  expect(loadConfig({ ...production, SYNC_SYSTEMS: 'xero', XERO_CLIENT_ID: 'id', XERO_CLIENT_SECRET: 'secret' }).SYNC_SYSTEMS).toEqual(['xero']);
});

test('the worker tuning (slots, cache, pollers) has defaults, reaches Worker.create, and refuses values the SDK would silently change', () => {
  const defaults = loadConfig({ DATA_DIR: tmp() });
  expect(workerTuning(defaults)).toEqual(WORKER_TUNING_DEFAULTS);
  const tuned = loadConfig({
    DATA_DIR: tmp(),
    WORKER_MAX_CONCURRENT_ACTIVITIES: '50',
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '20',
    WORKER_MAX_CACHED_WORKFLOWS: '500',
    WORKER_WORKFLOW_TASK_POLLERS: '12',
    WORKER_ACTIVITY_TASK_POLLERS: '30',
  });
  expect(workerTuningOptions(workerTuning(tuned))).toEqual({
    maxConcurrentActivityTaskExecutions: 50,
    maxConcurrentWorkflowTaskExecutions: 20,
    maxCachedWorkflows: 500,
    workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: 12 },
    activityTaskPollerBehavior: { type: 'simple-maximum', maximum: 30 },
  });
  // 0 turns the cache off, whatever the workflow-task slots.
  expect(loadConfig({ DATA_DIR: tmp(), WORKER_MAX_CACHED_WORKFLOWS: '0' }).WORKER_MAX_CACHED_WORKFLOWS).toBe(0);

  expect(() => loadConfig({ DATA_DIR: tmp(), WORKER_MAX_CACHED_WORKFLOWS: '10', WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '40' })).toThrow(
    /WORKER_MAX_CACHED_WORKFLOWS \(10\): must be 0 \(no cache\) or at least WORKER_MAX_CONCURRENT_WORKFLOW_TASKS \(40\)/,
  );
  expect(() => loadConfig({ DATA_DIR: tmp(), WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '8', WORKER_WORKFLOW_TASK_POLLERS: '10', WORKER_MAX_CONCURRENT_ACTIVITIES: '5', WORKER_ACTIVITY_TASK_POLLERS: '10' })).toThrow(
    /WORKER_WORKFLOW_TASK_POLLERS \(10\): at most WORKER_MAX_CONCURRENT_WORKFLOW_TASKS \(8\)[\s\S]*WORKER_ACTIVITY_TASK_POLLERS \(10\): at most WORKER_MAX_CONCURRENT_ACTIVITIES \(5\)/,
  );
  try {
    loadConfig({ DATA_DIR: tmp(), WORKER_MAX_CONCURRENT_ACTIVITIES: '0', WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '1', WORKER_MAX_CACHED_WORKFLOWS: 'many', WORKER_WORKFLOW_TASK_POLLERS: '1', WORKER_ACTIVITY_TASK_POLLERS: '0' });
    throw new Error('expected a ConfigError');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['WORKER_MAX_CONCURRENT_ACTIVITIES', 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', 'WORKER_MAX_CACHED_WORKFLOWS', 'WORKER_WORKFLOW_TASK_POLLERS', 'WORKER_ACTIVITY_TASK_POLLERS']) {
      expect(problems).toContain(name);
    }
  }
  expect(() => loadConfig({ DATA_DIR: tmp(), WORKER_MAX_CONCURRENT_ACTIVITIES: '2.5' })).toThrow(/WORKER_MAX_CONCURRENT_ACTIVITIES/);
});
