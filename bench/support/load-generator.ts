// The HTTP load generator as a separate Node process (so it does not share the API's event loop), driven over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { CurrentRmsOpportunity } from '../../test/fakes/current-rms';
import type { LoadResult } from './http-load';

export type LoadPhase = { kind: 'closed'; concurrency: number; durationMs: number } | { kind: 'open'; ratePerSecond: number; durationMs: number; maxSockets: number };

export interface LoadSetup {
  webhookUrl: string;
  opportunities: CurrentRmsOpportunity[];
  firstActionId: number;
}

export type LoadRequest = ({ kind: 'setup' } & LoadSetup) | LoadPhase;

export type LoadReply = { kind: 'ready' } | { kind: 'result'; result: LoadResult; cpuSeconds: number } | { kind: 'failed'; message: string };

/** A load result plus the CPU time (user + system) the load generator itself spent on it. */
export interface GeneratedLoad {
  result: LoadResult;
  cpuSeconds: number;
}

export interface LoadGenerator {
  run(phase: LoadPhase): Promise<GeneratedLoad>;
  stop(): Promise<void>;
}

function exchange(child: ChildProcess, request: LoadRequest): Promise<LoadReply> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the load generator exited (code ${String(code)})`));
    child.once('exit', onExit);
    child.once('message', (reply: LoadReply) => {
      child.off('exit', onExit);
      resolve(reply);
    });
    child.send(request);
  });
}

export async function startLoadGenerator(setup: LoadSetup): Promise<LoadGenerator> {
  // tsx's loader, resolved from here so the benchmark runs from any working directory.
  const child = fork(path.join(__dirname, 'load-process.ts'), [], { execArgv: ['--import', require.resolve('tsx')] });
  const ready = await exchange(child, { kind: 'setup', ...setup });
  if (ready.kind !== 'ready') throw new Error(`the load generator did not start: ${ready.kind === 'failed' ? ready.message : ready.kind}`);
  return {
    async run(phase) {
      const reply = await exchange(child, phase);
      if (reply.kind !== 'result') throw new Error(`load phase ${JSON.stringify(phase)} failed: ${reply.kind === 'failed' ? reply.message : reply.kind}`);
      return { result: reply.result, cpuSeconds: reply.cpuSeconds };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
