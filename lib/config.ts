// The one configuration module: validates the environment with zod and fills development defaults.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { INTEGRATION_SYSTEMS } from '../domain/integration-systems';

const port = z.coerce.number().int().min(1).max(65535);
const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
const optionalUrl = z.preprocess((v) => (v === '' ? undefined : v), z.url({ protocol: /^https?$/ }).optional());

/**
 * Each task queue's Temporal worker's slots, pollers and workflow cache (WORKER_* variables; the worker role runs two). Chosen with `npm run bench:e2e` (README,
 * Performance). SDK defaults for comparison: 100 activities, 40 workflow tasks, 10 pollers of each kind, a cache of 600
 * workflows per GiB of heap above 200 MiB.
 */
export const WORKER_TUNING_DEFAULTS = {
  maxConcurrentActivities: 100,
  maxConcurrentWorkflowTasks: 40,
  maxCachedWorkflows: 2_000,
  workflowTaskPollers: 10,
  activityTaskPollers: 10,
} as const;

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: port.default(3000),
  DATA_DIR: z.string().min(1).default('data'),
  DATABASE_URL: z.preprocess((v) => (v === '' ? undefined : v), z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_API_KEY: optionalString,
  TEMPORAL_CLI_PATH: optionalString,
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_UI_URL: z.preprocess((v) => (v === '' ? undefined : v), z.url().optional()),
  ADMIN_EMAIL: z.email().default('admin@example.com'),
  ADMIN_PASSWORD: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(12).optional()),
  JWT_SECRET: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(32).optional()),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean)),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CURRENT_RMS_WEBHOOK_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(32).regex(/^[\w-]+$/, 'letters, digits, _ and - only (it is part of a URL)').optional()),
  CURRENT_RMS_WEBHOOK_HMAC_SECRET: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16).optional()),
  CURRENT_RMS_API_URL: z.preprocess((v) => (v === '' ? undefined : v), z.url({ protocol: /^https?$/ }).optional()),
  CURRENT_RMS_SUBDOMAIN: optionalString,
  CURRENT_RMS_API_TOKEN: optionalString,
  WEBHOOK_COMMIT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  OUTBOX_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  SALESFORCE_LOGIN_URL: optionalUrl,
  SALESFORCE_INSTANCE_URL: optionalUrl,
  SALESFORCE_CLIENT_ID: optionalString,
  SALESFORCE_CLIENT_SECRET: optionalString,
  SALESFORCE_USERNAME: optionalString,
  SALESFORCE_PRIVATE_KEY: optionalString,
  SALESFORCE_API_VERSION: z.string().regex(/^\d{2,3}\.0$/, 'like 62.0').default('62.0'),
  SALESFORCE_EXTERNAL_ID_FIELD: z.string().regex(/^\w+$/, 'an API field name like CurrentRMS_Id__c').default('CurrentRMS_Id__c'),
  XERO_API_URL: optionalUrl,
  XERO_TOKEN_URL: optionalUrl,
  XERO_CLIENT_ID: optionalString,
  XERO_CLIENT_SECRET: optionalString,
  XERO_TENANT_ID: optionalString,
  MONDAY_API_URL: optionalUrl,
  MONDAY_API_TOKEN: optionalString,
  MONDAY_BOARD_ID: z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^\d+$/, 'a numeric board id').optional()),
  MONDAY_UID_COLUMN_ID: optionalString,
  SYNC_SYSTEMS: z
    .string()
    .default(INTEGRATION_SYSTEMS.join(','))
    .transform((value) => value.split(',').map((system) => system.trim()).filter(Boolean))
    .pipe(z.array(z.enum(INTEGRATION_SYSTEMS)).transform((systems) => [...new Set(systems)])),
  SYNC_IDLE_MINUTES: z.coerce.number().min(0.01).max(24 * 60).default(10),
  RECONCILE_INTERVAL_MINUTES: z.coerce.number().min(0.05).max(24 * 60).default(5),
  SYNC_FAILED_COOLDOWN_MINUTES: z.coerce.number().min(0).max(7 * 24 * 60).default(15),
  STALLED_ACTIVITY_ATTEMPTS: z.coerce.number().int().min(2).max(1000).default(5),
  STALLED_NO_PROGRESS_MINUTES: z.coerce.number().min(0.1).max(7 * 24 * 60).default(30),
  ADMIN_BATCH_MAX: z.coerce.number().int().min(1).max(1000).default(100),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(10_000).default(WORKER_TUNING_DEFAULTS.maxConcurrentActivities),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).max(10_000).default(WORKER_TUNING_DEFAULTS.maxConcurrentWorkflowTasks),
  /** 0 turns the sticky cache off (every workflow task replays the whole history). */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(1_000_000).default(WORKER_TUNING_DEFAULTS.maxCachedWorkflows),
  /** Concurrent long polls for workflow tasks (sticky and normal queue together) and for activity tasks. */
  WORKER_WORKFLOW_TASK_POLLERS: z.coerce.number().int().min(2).max(1_000).default(WORKER_TUNING_DEFAULTS.workflowTaskPollers),
  WORKER_ACTIVITY_TASK_POLLERS: z.coerce.number().int().min(1).max(1_000).default(WORKER_TUNING_DEFAULTS.activityTaskPollers),
});

export type Env = z.infer<typeof envSchema>;

export interface CurrentRmsApiSettings {
  apiUrl: string;
  subdomain: string;
  apiToken: string;
}

/** Salesforce: OAuth2 client credentials, or the JWT bearer grant when a username and private key are set. */
export interface SalesforceSettings {
  loginUrl: string;
  /** Used until the token response names the org's instance. */
  instanceUrl: string | undefined;
  clientId: string;
  clientSecret: string | undefined;
  jwt: { username: string; privateKey: string } | undefined;
  apiVersion: string;
  externalIdField: string;
}

/** Xero custom connection (client credentials; 30-minute tokens, no refresh token). */
export interface XeroSettings {
  apiUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Custom connections may send an empty tenant id. */
  tenantId: string;
}

export interface MondaySettings {
  apiUrl: string;
  apiToken: string;
  boardId: string;
  uidColumnId: string;
}

export interface Config extends Omit<Env, 'JWT_SECRET' | 'ADMIN_PASSWORD' | 'CURRENT_RMS_WEBHOOK_TOKEN'> {
  DATA_DIR: string;
  JWT_SECRET: string;
  CURRENT_RMS_WEBHOOK_TOKEN: string;
  /** The Current RMS REST API; undefined means sandbox mode (a local fake, only under `npm start`). */
  currentRms: CurrentRmsApiSettings | undefined;
  /** Each sync target; undefined means sandbox mode (a local fake, only under `npm start`). */
  salesforce: SalesforceSettings | undefined;
  xero: XeroSettings | undefined;
  monday: MondaySettings | undefined;
  /** Undefined in production when not provided: the first admin is then not bootstrapped. */
  ADMIN_PASSWORD: string | undefined;
  /** Where development secrets were generated, when they were. */
  generatedSecretsFile: string | undefined;
}

/** In DATA_DIR: where a running `npm start` says how to reach it (read by `npm run demo`). */
export const RUNTIME_FILE = 'platform.json';

const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, '');

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

interface DevSecrets {
  jwtSecret: string;
  adminPassword: string;
  currentRmsWebhookToken: string;
}

const generateDevSecret: Record<keyof DevSecrets, () => string> = {
  jwtSecret: () => randomBytes(48).toString('base64url'),
  adminPassword: () => randomBytes(12).toString('base64url'),
  currentRmsWebhookToken: () => randomBytes(32).toString('base64url'),
};

/** Development secrets are generated once and kept in the data folder, so restarts keep sessions. */
function loadOrCreateDevSecrets(dataDir: string): { secrets: DevSecrets; file: string } {
  const file = path.join(dataDir, 'secrets.json');
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSecrets>) : {};
  const missing = (Object.keys(generateDevSecret) as (keyof DevSecrets)[]).filter((key) => !stored[key]);
  const secrets = { ...stored, ...Object.fromEntries(missing.map((key) => [key, generateDevSecret[key]()])) } as DevSecrets;
  if (missing.length > 0) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  return { secrets, file };
}

const CURRENT_RMS_API_VARIABLES = ['CURRENT_RMS_API_URL', 'CURRENT_RMS_SUBDOMAIN', 'CURRENT_RMS_API_TOKEN'] as const;

/**
 * Per external system: the variables whose presence switches it from sandbox to live, and the ones live mode needs.
 * (Variables with defaults, such as SALESFORCE_API_VERSION, do not count as "set".)
 */
const SYSTEM_VARIABLES = {
  'Current RMS': { any: CURRENT_RMS_API_VARIABLES, required: (_: Env) => [...CURRENT_RMS_API_VARIABLES] },
  salesforce: {
    any: ['SALESFORCE_LOGIN_URL', 'SALESFORCE_INSTANCE_URL', 'SALESFORCE_CLIENT_ID', 'SALESFORCE_CLIENT_SECRET', 'SALESFORCE_USERNAME', 'SALESFORCE_PRIVATE_KEY'],
    required: (env: Env) =>
      env.SALESFORCE_USERNAME || env.SALESFORCE_PRIVATE_KEY
        ? ['SALESFORCE_LOGIN_URL', 'SALESFORCE_CLIENT_ID', 'SALESFORCE_USERNAME', 'SALESFORCE_PRIVATE_KEY']
        : ['SALESFORCE_LOGIN_URL', 'SALESFORCE_CLIENT_ID', 'SALESFORCE_CLIENT_SECRET'],
  },
  xero: {
    any: ['XERO_API_URL', 'XERO_TOKEN_URL', 'XERO_CLIENT_ID', 'XERO_CLIENT_SECRET', 'XERO_TENANT_ID'],
    required: (_: Env) => ['XERO_CLIENT_ID', 'XERO_CLIENT_SECRET'],
  },
  monday: {
    any: ['MONDAY_API_URL', 'MONDAY_API_TOKEN', 'MONDAY_BOARD_ID', 'MONDAY_UID_COLUMN_ID'],
    required: (_: Env) => ['MONDAY_API_TOKEN', 'MONDAY_BOARD_ID', 'MONDAY_UID_COLUMN_ID'],
  },
} satisfies Record<string, { any: readonly (keyof Env)[]; required: (env: Env) => (keyof Env)[] }>;

/** The systems that run live; a partly configured system is a problem naming what is missing. */
function liveSystems(values: Env, problems: string[]): Set<keyof typeof SYSTEM_VARIABLES> {
  const live = new Set<keyof typeof SYSTEM_VARIABLES>();
  for (const [system, variables] of Object.entries(SYSTEM_VARIABLES) as [keyof typeof SYSTEM_VARIABLES, (typeof SYSTEM_VARIABLES)[keyof typeof SYSTEM_VARIABLES]][]) {
    const set = variables.any.filter((name) => values[name] !== undefined);
    if (set.length === 0) continue;
    const unset = variables.required(values).filter((name) => values[name] === undefined);
    if (unset.length > 0) {
      problems.push(`${unset.join(', ')}: required because ${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set (configure ${system} fully, or set none of its variables for the sandbox)`);
    } else live.add(system);
  }
  return live;
}

export interface LoadConfigOptions {
  /** Set by `npm run api` / `npm run worker`: they run against external services, never embedded ones. */
  requireExternalServices?: boolean;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const values = parsed.data;
  const problems: string[] = [];
  const isProduction = values.NODE_ENV === 'production';
  if (isProduction && !values.JWT_SECRET) problems.push('JWT_SECRET: required in production (at least 32 characters)');
  if (isProduction && !values.CURRENT_RMS_WEBHOOK_TOKEN) problems.push('CURRENT_RMS_WEBHOOK_TOKEN: required in production (at least 32 random URL-safe characters)');
  const live = liveSystems(values, problems);
  if (values.WORKER_MAX_CACHED_WORKFLOWS > 0 && values.WORKER_MAX_CACHED_WORKFLOWS < values.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS) {
    // The SDK would silently lower the workflow-task slots to the cache size; say so instead.
    problems.push(
      `WORKER_MAX_CACHED_WORKFLOWS (${values.WORKER_MAX_CACHED_WORKFLOWS}): must be 0 (no cache) or at least WORKER_MAX_CONCURRENT_WORKFLOW_TASKS (${values.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS}), since every workflow task in progress holds a cached workflow`,
    );
  }
  // A poll holds a slot for the task it brings: more pollers than slots could not be served.
  if (values.WORKER_WORKFLOW_TASK_POLLERS > values.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS) {
    problems.push(`WORKER_WORKFLOW_TASK_POLLERS (${values.WORKER_WORKFLOW_TASK_POLLERS}): at most WORKER_MAX_CONCURRENT_WORKFLOW_TASKS (${values.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS})`);
  }
  if (values.WORKER_ACTIVITY_TASK_POLLERS > values.WORKER_MAX_CONCURRENT_ACTIVITIES) {
    problems.push(`WORKER_ACTIVITY_TASK_POLLERS (${values.WORKER_ACTIVITY_TASK_POLLERS}): at most WORKER_MAX_CONCURRENT_ACTIVITIES (${values.WORKER_MAX_CONCURRENT_ACTIVITIES})`);
  }
  if (isProduction || options.requireExternalServices) {
    if (!values.DATABASE_URL) problems.push('DATABASE_URL: required here (embedded PostgreSQL runs only under `npm start`)');
    if (!values.TEMPORAL_ADDRESS) problems.push('TEMPORAL_ADDRESS: required here (the embedded Temporal server runs only under `npm start`)');
    for (const [system, variables] of Object.entries(SYSTEM_VARIABLES)) {
      const used = system === 'Current RMS' || (values.SYNC_SYSTEMS as string[]).includes(system);
      const touched = variables.any.some((name) => values[name] !== undefined);
      const optOut = system === 'Current RMS' ? '' : `, or leave ${system} out of SYNC_SYSTEMS`;
      if (used && !touched) problems.push(`${variables.required(values).join(', ')}: required here (the ${system} sandbox runs only under \`npm start\`${isProduction ? '; production never uses sandboxes' : ''}${optOut})`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = path.resolve(values.DATA_DIR);
  const needsDevSecrets = !values.JWT_SECRET || !values.CURRENT_RMS_WEBHOOK_TOKEN || (!values.ADMIN_PASSWORD && !isProduction);
  const dev = needsDevSecrets && !isProduction ? loadOrCreateDevSecrets(dataDir) : undefined;
  return Object.freeze({
    ...values,
    DATA_DIR: dataDir,
    JWT_SECRET: values.JWT_SECRET ?? dev!.secrets.jwtSecret,
    ADMIN_PASSWORD: values.ADMIN_PASSWORD ?? dev?.secrets.adminPassword,
    CURRENT_RMS_WEBHOOK_TOKEN: values.CURRENT_RMS_WEBHOOK_TOKEN ?? dev!.secrets.currentRmsWebhookToken,
    currentRms: live.has('Current RMS')
      ? { apiUrl: withoutTrailingSlash(values.CURRENT_RMS_API_URL!), subdomain: values.CURRENT_RMS_SUBDOMAIN!, apiToken: values.CURRENT_RMS_API_TOKEN! }
      : undefined,
    salesforce: live.has('salesforce')
      ? {
          loginUrl: withoutTrailingSlash(values.SALESFORCE_LOGIN_URL!),
          instanceUrl: values.SALESFORCE_INSTANCE_URL && withoutTrailingSlash(values.SALESFORCE_INSTANCE_URL),
          clientId: values.SALESFORCE_CLIENT_ID!,
          clientSecret: values.SALESFORCE_CLIENT_SECRET,
          jwt: values.SALESFORCE_PRIVATE_KEY ? { username: values.SALESFORCE_USERNAME!, privateKey: values.SALESFORCE_PRIVATE_KEY.replace(/\\n/g, '\n') } : undefined,
          apiVersion: values.SALESFORCE_API_VERSION,
          externalIdField: values.SALESFORCE_EXTERNAL_ID_FIELD,
        }
      : undefined,
    xero: live.has('xero')
      ? {
          apiUrl: withoutTrailingSlash(values.XERO_API_URL ?? 'https://api.xero.com/api.xro/2.0'),
          tokenUrl: values.XERO_TOKEN_URL ?? 'https://identity.xero.com/connect/token',
          clientId: values.XERO_CLIENT_ID!,
          clientSecret: values.XERO_CLIENT_SECRET!,
          tenantId: values.XERO_TENANT_ID ?? '',
        }
      : undefined,
    monday: live.has('monday')
      ? { apiUrl: values.MONDAY_API_URL ?? 'https://api.monday.com/v2', apiToken: values.MONDAY_API_TOKEN!, boardId: values.MONDAY_BOARD_ID!, uidColumnId: values.MONDAY_UID_COLUMN_ID! }
      : undefined,
    generatedSecretsFile: dev?.file,
  });
}
