// `npm start` end to end: a fresh data folder boots PostgreSQL, Temporal (+ UI), API and worker;
// the bootstrap admin logs in; Ctrl-C leaves no process behind; a restart keeps the data.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../lib/local-stack/ports';

const root = path.resolve(__dirname, '../..');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'platform-e2e-'));
chmodSync(dataDir, 0o755);
let env: NodeJS.ProcessEnv;

async function startPlatform(): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(path.join(root, 'node_modules/.bin/tsx'), ['workers/platform.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 180 s:\n${output}`)), 180_000);
    const check = () => {
      if (output.includes('is up (started in')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${output}`));
    });
  });
  return { child, output: () => output };
}

async function ctrlC(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  return exited;
}

/** Processes whose command line mentions the data folder: the embedded servers. */
const processesUsing = (folder: string) =>
  execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(folder) && !line.includes('ps -eo'));

async function login(port: string, password: string) {
  return fetch(`http://localhost:${port}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@example.com', password }) });
}

beforeAll(async () => {
  env = { ...process.env, DATA_DIR: dataDir, PORT: String(await freePort()), TEMPORAL_UI_PORT: String(await freePort()), LOG_LEVEL: 'warn' };
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'NODE_ENV', 'JWT_SECRET', 'ADMIN_PASSWORD', 'CURRENT_RMS_API_URL', 'CURRENT_RMS_WEBHOOK_TOKEN']) delete env[name];
});

test('boots, serves, stops cleanly and keeps its data across a restart', async () => {
  const first = await startPlatform();
  const banner = first.output();
  expect(banner).toContain(`API          http://localhost:${env.PORT}`);
  expect(banner).toContain(`Temporal UI  http://localhost:${env.TEMPORAL_UI_PORT}`);

  const health = await fetch(`http://localhost:${env.PORT}/api/public/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toMatchObject({ status: 'ok', checks: { database: { status: 'up' }, temporal: { status: 'up' } } });
  expect((await fetch(`http://localhost:${env.TEMPORAL_UI_PORT}/`)).status).toBe(200);

  const { adminPassword } = JSON.parse(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')) as { adminPassword: string };
  expect(banner).not.toContain(adminPassword); // secrets never printed
  const session = await login(env.PORT!, adminPassword);
  expect(session.status).toBe(200);
  const { refreshToken } = (await session.json()) as { refreshToken: string };
  expect(processesUsing(dataDir).length).toBeGreaterThanOrEqual(2);

  // Without CURRENT_RMS_API_URL the Current RMS sandbox runs, and `npm run demo` drives webhooks through it.
  const webhookToken = (JSON.parse(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')) as { currentRmsWebhookToken: string }).currentRmsWebhookToken;
  expect(banner).toMatch(/Current RMS {2}SANDBOX: a local fake at http:\/\/127\.0\.0\.1:\d+\/api\/v1/);
  // So do the sync targets, and the demo's opportunities end up in each of them.
  for (const name of ['Salesforce', 'Xero', 'monday.com']) expect(banner).toMatch(new RegExp(`${name.replace('.', '\\.')} +SANDBOX: a local fake at http://127\\.0\\.0\\.1:\\d+`));
  expect(banner).not.toContain(webhookToken);
  const demo = execFileSync(path.join(root, 'node_modules/.bin/tsx'), ['scripts/demo.ts'], { cwd: root, env, encoding: 'utf8' });
  expect(demo).toContain('opportunity 1001 created  → webhook answered 202');
  expect(demo).toContain('opportunity 1003 deleted  → webhook answered 202');
  expect(demo).toMatch(/GET \/api\/opportunities\/1001 → "Summer festival main stage": quoted, risk \w+, health \d+\n {4}synced to: salesforce synced \(006\w+\); xero synced \([\w-]+\); monday synced \(\d+\)/);
  expect(demo).toContain("WorkflowType%3D'processWebhookEvent'");

  expect(await ctrlC(first.child)).toBe(0);
  expect(processesUsing(dataDir)).toEqual([]);

  const second = await startPlatform();
  // Same users and sessions after the restart: the refresh token from before still rotates.
  const refreshed = await fetch(`http://localhost:${env.PORT}/api/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken }) });
  expect(refreshed.status).toBe(200);
  expect(await ctrlC(second.child)).toBe(0);
  expect(processesUsing(dataDir)).toEqual([]);
}, 420_000);
