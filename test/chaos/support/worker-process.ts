// `npm run worker` as a supervised child process group: started, SIGKILLed and restarted on demand; an exit nobody asked for is recorded and restarted.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { sleep } from '../../../lib/local-stack/processes';

const root = path.resolve(__dirname, '../../..');
const READY_LINE = 'worker and outbox relay running';
const OUTPUT_LINES_KEPT = 80;
/** A supervisor (systemd, Kubernetes) waits a little before restarting a process that exited on its own. */
const RESTART_DELAY_MS = 2_000;

export interface UnexpectedExit {
  atMs: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines the process printed. */
  output: string;
}

export class WorkerSupervisor {
  kills = 0;
  starts = 0;
  readonly unexpectedExits: UnexpectedExit[] = [];
  /** How long each start took until the worker polled (tsx compiles, the workflow bundle is built at start-up). */
  readonly startupMs: number[] = [];
  private child: ChildProcess | undefined;
  /** The process that reported ready (the current one, when it is the same). */
  private readyChild: ChildProcess | undefined;
  private stopping = false;

  constructor(
    private readonly env: () => Record<string, string>,
    private readonly startedAt = Date.now(),
  ) {}

  /** Starts the process; `waitReady` tells when it reports the worker and the relay running. */
  start(): void {
    const began = Date.now();
    this.starts += 1;
    const child = spawn(path.join(root, 'node_modules/.bin/tsx'), ['workers/main.ts'], {
      cwd: root,
      env: { ...process.env, ...this.env() },
      detached: true, // its own process group: tsx runs node as a grandchild
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const lines: string[] = [];
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (line.includes(READY_LINE) && this.readyChild !== child) {
          this.startupMs.push(Date.now() - began);
          this.readyChild = child;
        }
        // Temporal's native client logs every failed call while the server is away: keep only our own lines.
        if (line.trim() !== '' && !line.includes('temporalio_client::retry')) lines.push(line.slice(0, 2_000));
      }
      lines.splice(0, Math.max(0, lines.length - OUTPUT_LINES_KEPT));
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (signal === 'SIGKILL' || this.stopping) return;
      this.unexpectedExits.push({ atMs: Date.now() - this.startedAt, code, signal, output: lines.join('\n') });
      void sleep(RESTART_DELAY_MS).then(() => (this.stopping || this.child ? undefined : this.start()));
    });
  }

  /** Waits until a running process has reported ready (a restarted one included), at most `timeoutMs`. */
  async waitReady(timeoutMs = 120_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!(this.child && this.readyChild === this.child)) {
      if (Date.now() > deadline) return false;
      await sleep(200);
    }
    return true;
  }

  /** kill -9 of the whole process group, then a fresh start (whose readiness `waitReady` reports). */
  async killAndRestart(): Promise<void> {
    if (await this.killGroup()) this.kills += 1;
    if (!this.child) void this.start();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.killGroup();
  }

  /** True when a running process was killed. */
  private async killGroup(): Promise<boolean> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return false;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    return true;
  }
}
