// The one configuration module: validates the environment with zod and fills development defaults.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);
const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());

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
  OUTBOX_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
});

export type Env = z.infer<typeof envSchema>;

export interface CurrentRmsApiSettings {
  apiUrl: string;
  subdomain: string;
  apiToken: string;
}

export interface Config extends Omit<Env, 'JWT_SECRET' | 'ADMIN_PASSWORD' | 'CURRENT_RMS_WEBHOOK_TOKEN'> {
  DATA_DIR: string;
  JWT_SECRET: string;
  CURRENT_RMS_WEBHOOK_TOKEN: string;
  /** The Current RMS REST API; undefined means sandbox mode (a local fake, only under `npm start`). */
  currentRms: CurrentRmsApiSettings | undefined;
  /** Undefined in production when not provided: the first admin is then not bootstrapped. */
  ADMIN_PASSWORD: string | undefined;
  /** Where development secrets were generated, when they were. */
  generatedSecretsFile: string | undefined;
}

/** In DATA_DIR: where a running `npm start` says how to reach it (read by `npm run demo`). */
export const RUNTIME_FILE = 'platform.json';

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
  const currentRmsSet = CURRENT_RMS_API_VARIABLES.filter((name) => values[name] !== undefined);
  if (currentRmsSet.length > 0 && currentRmsSet.length < CURRENT_RMS_API_VARIABLES.length) {
    const unset = CURRENT_RMS_API_VARIABLES.filter((name) => values[name] === undefined);
    problems.push(`${unset.join(', ')}: required because ${currentRmsSet.join(', ')} ${currentRmsSet.length === 1 ? 'is' : 'are'} set (set all three, or none for the sandbox)`);
  }
  if (isProduction || options.requireExternalServices) {
    if (!values.DATABASE_URL) problems.push('DATABASE_URL: required here (embedded PostgreSQL runs only under `npm start`)');
    if (!values.TEMPORAL_ADDRESS) problems.push('TEMPORAL_ADDRESS: required here (the embedded Temporal server runs only under `npm start`)');
    if (currentRmsSet.length === 0) problems.push(`CURRENT_RMS_API_URL: required here (the Current RMS sandbox runs only under \`npm start\`${isProduction ? '; production never uses sandboxes' : ''})`);
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
    currentRms: values.CURRENT_RMS_API_URL
      ? { apiUrl: values.CURRENT_RMS_API_URL.replace(/\/+$/, ''), subdomain: values.CURRENT_RMS_SUBDOMAIN!, apiToken: values.CURRENT_RMS_API_TOKEN! }
      : undefined,
    generatedSecretsFile: dev?.file,
  });
}
