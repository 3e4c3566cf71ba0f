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
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends Omit<Env, 'JWT_SECRET' | 'ADMIN_PASSWORD'> {
  DATA_DIR: string;
  JWT_SECRET: string;
  /** Undefined in production when not provided: the first admin is then not bootstrapped. */
  ADMIN_PASSWORD: string | undefined;
  /** Where development secrets were generated, when they were. */
  generatedSecretsFile: string | undefined;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

interface DevSecrets {
  jwtSecret: string;
  adminPassword: string;
}

/** Development secrets are generated once and kept in the data folder, so restarts keep sessions. */
function loadOrCreateDevSecrets(dataDir: string): { secrets: DevSecrets; file: string } {
  const file = path.join(dataDir, 'secrets.json');
  if (existsSync(file)) return { secrets: JSON.parse(readFileSync(file, 'utf8')) as DevSecrets, file };
  const secrets: DevSecrets = {
    jwtSecret: randomBytes(48).toString('base64url'),
    adminPassword: randomBytes(12).toString('base64url'),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return { secrets, file };
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
  if (isProduction || options.requireExternalServices) {
    if (!values.DATABASE_URL) problems.push('DATABASE_URL: required here (embedded PostgreSQL runs only under `npm start`)');
    if (!values.TEMPORAL_ADDRESS) problems.push('TEMPORAL_ADDRESS: required here (the embedded Temporal server runs only under `npm start`)');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = path.resolve(values.DATA_DIR);
  const needsDevSecrets = !values.JWT_SECRET || (!values.ADMIN_PASSWORD && !isProduction);
  const dev = needsDevSecrets && !isProduction ? loadOrCreateDevSecrets(dataDir) : undefined;
  return Object.freeze({
    ...values,
    DATA_DIR: dataDir,
    JWT_SECRET: values.JWT_SECRET ?? dev!.secrets.jwtSecret,
    ADMIN_PASSWORD: values.ADMIN_PASSWORD ?? dev?.secrets.adminPassword,
    generatedSecretsFile: dev?.file,
  });
}
