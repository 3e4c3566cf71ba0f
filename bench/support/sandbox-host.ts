// The e2e benchmark's outside world as a separate Node process: sandboxes of Current RMS, Salesforce, Xero and monday.com.
//
// The systems' quotas are lifted, because they, not the platform, would decide the run: 1,000 new opportunities cost
// about 4,000 Xero calls (60 per minute per tenant: over an hour), ~35 million monday.com complexity points (10 million
// per minute) and more Salesforce requests than the sandbox's 15,000 a day. Xero's 5 concurrent calls stay.
import path from 'node:path';
import type { SyncTargetSettings } from '../../integrations';
import type { CurrentRmsApiSettings } from '../../lib/config';
import type { LoadResult } from './http-load';
import { exchange as exchangeWith, forkTypeScript, stopChild } from './ipc';

export type SandboxSettings = { currentRms: CurrentRmsApiSettings } & SyncTargetSettings;

interface Writes {
  creates: number;
  updates: number;
}

export interface SandboxStats {
  currentRms: { requests: number };
  salesforce: { writes: Writes; requests: number; apiUsage: number; tokenRequests: number };
  xero: { contacts: Writes; quotes: Writes; requests: number; rateLimited: number; peakConcurrent: number };
  monday: { writes: Writes; requests: number };
}

export interface SendRequest {
  webhookUrl: string;
  events: number;
  ratePerSecond: number;
  maxSockets: number;
}

export interface Sent {
  result: LoadResult;
  /** Date.now() when the first webhook left. */
  firstSentAtMs: number;
  /** Each opportunity's last Current RMS version (updated_at) once everything was sent. */
  finalVersions: Record<number, string>;
  cpuSeconds: number;
}

export type SandboxRequest = { kind: 'setup'; opportunities: number; customers: number; firstActionId: number } | ({ kind: 'send' } & SendRequest) | { kind: 'stats' };

export type SandboxReply =
  | { kind: 'ready'; settings: SandboxSettings; xeroCallsPerWindow: number }
  | ({ kind: 'sent' } & Sent)
  | { kind: 'stats'; stats: SandboxStats }
  | { kind: 'failed'; message: string };

export interface SandboxWorld {
  pid: number | undefined;
  settings: SandboxSettings;
  /** Xero calls the worker's limiter admits per minute: as many as the lifted sandbox does. */
  xeroCallsPerWindow: number;
  send(request: SendRequest): Promise<Sent>;
  stats(): Promise<SandboxStats>;
  stop(): Promise<void>;
}

export async function startSandboxWorld(setup: { opportunities: number; customers: number; firstActionId: number }): Promise<SandboxWorld> {
  const child = forkTypeScript(path.join(__dirname, 'sandbox-process.ts'));
  const exchange = async <K extends SandboxReply['kind']>(request: SandboxRequest, expected: K): Promise<Extract<SandboxReply, { kind: K }>> => {
    const reply = await exchangeWith<SandboxRequest, SandboxReply>(child, request, 'the sandbox process');
    if (reply.kind !== expected) throw new Error(`the sandbox process failed on ${request.kind}: ${reply.kind === 'failed' ? reply.message : reply.kind}`);
    return reply as Extract<SandboxReply, { kind: K }>;
  };
  try {
    const ready = await exchange({ kind: 'setup', ...setup }, 'ready');
    return {
      pid: child.pid,
      settings: ready.settings,
      xeroCallsPerWindow: ready.xeroCallsPerWindow,
      send: async (request) => {
        const { result, firstSentAtMs, finalVersions, cpuSeconds } = await exchange({ kind: 'send', ...request }, 'sent');
        return { result, firstSentAtMs, finalVersions, cpuSeconds };
      },
      stats: async () => (await exchange({ kind: 'stats' }, 'stats')).stats,
      stop: () => stopChild(child),
    };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}
