// The official Temporal CLI dev server (SQLite persistence + Web UI) for `npm start` and tests.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Logger } from '../logger';
import { isPortFree, preferredOrFreePort } from './ports';
import { isAlive, run, sleep, stopProcessGroup, tail } from './processes';

export interface LocalTemporal {
  address: string;
  stop(): Promise<void>;
}

export interface LocalTemporalOptions {
  dataDir: string;
  namespace: string;
  uiPort: number;
  /** The frontend port; by default 7233 when free, else any free port. */
  port?: number;
  /** TEMPORAL_CLI_PATH, when set. */
  cliPath: string | undefined;
  logger: Logger;
}

const projectRoot = path.resolve(__dirname, '..', '..');

/** Finds (or builds, once) the Temporal CLI through the project script that CI uses too. */
export async function resolveTemporalCli(cliPath: string | undefined): Promise<string> {
  const script = path.join(projectRoot, 'scripts', 'install-temporal-cli.sh');
  const env = { ...process.env, ...(cliPath ? { TEMPORAL_CLI_PATH: cliPath } : {}) };
  const child = spawn('bash', [script], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error('The Temporal CLI is not available (see the message above).');
  return stdout.trim().split('\n').pop()!;
}

async function waitUntilServing(address: string, pid: number, logFile: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) throw new Error(`The Temporal dev server exited during start-up:\n${tail(logFile)}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.withDeadline(Date.now() + 2_000, () => connection.workflowService.getSystemInfo({}));
        return;
      } finally {
        await connection.close();
      }
    } catch {
      await sleep(250);
    }
  }
  throw new Error(`The Temporal dev server did not answer on ${address} within ${timeoutMs / 1000}s:\n${tail(logFile)}`);
}

/** Stops a dev server that a killed process left running on this data folder. */
async function stopLeftover(pidFile: string, logger: Logger): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  const command = await run('ps', ['-o', 'args=', '-p', String(pid)]).catch(() => '');
  if (command.includes('start-dev')) {
    logger.warn({ pid }, 'stopping a Temporal dev server left running by a previous process');
    await stopProcessGroup(pid);
  }
  rmSync(pidFile, { force: true });
}

export async function startLocalTemporal(options: LocalTemporalOptions): Promise<LocalTemporal> {
  const cli = await resolveTemporalCli(options.cliPath);
  mkdirSync(options.dataDir, { recursive: true });
  const pidFile = path.join(options.dataDir, 'server.pid');
  const logFile = path.join(options.dataDir, 'server.log');
  await stopLeftover(pidFile, options.logger);

  if (!(await isPortFree(options.uiPort))) {
    throw new Error(`TEMPORAL_UI_PORT ${options.uiPort} is in use (another instance?): set TEMPORAL_UI_PORT to a free port.`);
  }
  const port = options.port ?? (await preferredOrFreePort(7233));
  const address = `127.0.0.1:${port}`;
  const log = openSync(logFile, 'a');
  // detached: its own process group, so a Ctrl-C in the terminal does not stop it before the worker drains.
  const child = spawn(
    cli,
    ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--ui-port', String(options.uiPort),
      '--db-filename', path.join(options.dataDir, 'temporal.sqlite'), '--namespace', options.namespace, '--log-format', 'json'],
    { detached: true, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  child.unref();
  const pid = child.pid!;
  writeFileSync(pidFile, String(pid));

  try {
    await waitUntilServing(address, pid, logFile);
  } catch (error) {
    await stopProcessGroup(pid);
    throw error;
  }

  let stopped = false;
  return {
    address,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopProcessGroup(pid, 'SIGTERM', 15_000);
      rmSync(pidFile, { force: true });
    },
  };
}
