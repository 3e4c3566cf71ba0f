// The SDK's native core logs through the platform's pino logger (installTemporalRuntime), not as raw text beside it:
// a probe worker whose activity completes after its timeout makes core warn, and the warning is a pino JSON line.
import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

function runProbe(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(path.join(root, 'node_modules/.bin/tsx'), ['test/support/core-log-probe/main.ts'], {
    cwd: root,
    env: { ...process.env, TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 100_000, // killed, not left behind, if it hangs past the test's deadline
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

test('a core warning comes out as a pino JSON line, and nothing else reaches stdout', async () => {
  const { code, stdout, stderr } = await runProbe();
  expect({ code, stderr }).toEqual({ code: 0, stderr: 'workflow: timed out\n' });
  const lines = stdout.split('\n').filter((line) => line.trim() !== '');
  const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>); // a raw core line would throw here
  expect(entries).toContainEqual(
    expect.objectContaining({ level: 40, name: 'core-log-probe', component: 'temporal-sdk', sdkComponent: 'core', msg: expect.stringContaining('Activity not found on completion') }),
  );
}, 120_000);
