// `npm run api` started while PostgreSQL is unreachable waits for it (warning per attempt), then migrates and serves.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '../../lib/local-stack/ports';
import { eventually } from '../support/http';

const root = path.resolve(__dirname, '../..');

/** A TCP relay to the test database, opened only when the test says PostgreSQL is back. */
function relayTo(target: URL, port: number): Promise<net.Server> {
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

test('an API started while PostgreSQL is down waits for it, then migrates and serves', async () => {
  const database = new URL(process.env.TEST_DATABASE_URL!);
  const [databasePort, apiPort] = [await freePort(), await freePort()];
  const unreachable = new URL(database);
  unreachable.hostname = '127.0.0.1';
  unreachable.port = String(databasePort);
  const child = spawn(path.join(root, 'node_modules/.bin/tsx'), ['api/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      PORT: String(apiPort),
      DATABASE_URL: unreachable.toString(),
      TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS!,
      CURRENT_RMS_API_URL: 'http://127.0.0.1:9/api/v1',
      CURRENT_RMS_SUBDOMAIN: 'unused',
      CURRENT_RMS_API_TOKEN: 'unused',
      SYNC_SYSTEMS: '',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let relay: net.Server | undefined;
  try {
    await eventually(() => Promise.resolve(output.includes('Connecting to PostgreSQL failed; retrying')), { what: 'the API to report PostgreSQL down' });
    expect(child.exitCode).toBeNull();

    relay = await relayTo(database, databasePort);
    const health = await eventually(
      async () => {
        const answer = await fetch(`http://127.0.0.1:${apiPort}/api/public/health`).catch(() => undefined);
        return answer?.status === 200 ? answer : undefined;
      },
      { timeoutMs: 45_000, what: 'the API to serve once PostgreSQL is back' },
    );
    expect(health.status).toBe(200);
  } finally {
    child.kill('SIGTERM');
    await exited;
    await new Promise((resolve) => (relay ? relay.close(resolve) : resolve(undefined)));
  }
}, 90_000);
