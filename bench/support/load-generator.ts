// The HTTP load generator as a separate Node process (so it does not share the API's event loop), driven over IPC.
import path from 'node:path';
import type { CurrentRmsOpportunity } from '../../test/fakes/current-rms';
import type { LoadResult } from './http-load';
import type { Measured } from './stats';
import { exchange as exchangeWith, forkTypeScript, stopChild } from './ipc';

export type LoadPhase = { kind: 'closed'; concurrency: number; durationMs: number } | { kind: 'open'; ratePerSecond: number; durationMs: number; maxSockets: number };

export interface LoadSetup {
  webhookUrl: string;
  opportunities: CurrentRmsOpportunity[];
  firstActionId: number;
}

export type LoadRequest = ({ kind: 'setup' } & LoadSetup) | LoadPhase;

export type LoadReply = { kind: 'ready' } | ({ kind: 'result'; cpuSeconds: number } & Measured<LoadResult>) | { kind: 'failed'; message: string };

/** A load result plus the CPU time (user + system) the load generator itself spent on it. */
export interface GeneratedLoad extends Measured<LoadResult> {
  cpuSeconds: number;
}

export interface LoadGenerator {
  run(phase: LoadPhase): Promise<GeneratedLoad>;
  stop(): Promise<void>;
}

export async function startLoadGenerator(setup: LoadSetup): Promise<LoadGenerator> {
  const child = forkTypeScript(path.join(__dirname, 'load-process.ts'));
  const exchange = (request: LoadRequest) => exchangeWith<LoadRequest, LoadReply>(child, request, 'the load generator');
  const ready = await exchange({ kind: 'setup', ...setup });
  if (ready.kind !== 'ready') throw new Error(`the load generator did not start: ${ready.kind === 'failed' ? ready.message : ready.kind}`);
  return {
    async run(phase) {
      const reply = await exchange(phase);
      if (reply.kind !== 'result') throw new Error(`load phase ${JSON.stringify(phase)} failed: ${reply.kind === 'failed' ? reply.message : reply.kind}`);
      return { result: reply.result, latencySamplesMs: reply.latencySamplesMs, cpuSeconds: reply.cpuSeconds };
    },
    stop: () => stopChild(child),
  };
}
