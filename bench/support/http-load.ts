// HTTP load against the webhook URL over keep-alive connections: closed-loop (N connections flat out) and open-loop (fixed arrival rate).
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { summarizeLatencies, type LatencySummary, type Measured } from './stats';
import { CURRENT_RMS_USER_AGENT } from './webhook-bodies';

export type NextBody = () => { rawBody: string };

export interface LoadResult {
  /** Requests sent, whatever their outcome. */
  requests: number;
  /** 202 Accepted: a new event committed. */
  accepted: number;
  /** Responses other than 202, by status (200 would mean a body deduped against another). */
  otherStatuses: Record<string, number>;
  /** Requests that got no response (connection errors, timeouts). */
  networkErrors: number;
  firstNetworkError?: string;
  elapsedSeconds: number;
  acceptedPerSecond: number;
  latencyMs: LatencySummary;
}

const REQUEST_TIMEOUT_MS = 30_000;

type Outcome = { status: number } | { error: string };

/**
 * undici rather than node:http: the client's own CPU per request is on the critical path at one connection, and
 * node:http's was about a third of a millisecond here (bench:ingest, 2026-12-06), as much as the API's.
 */
const connectionPool = (url: URL, connections: number) =>
  new Pool(url.origin, { connections, pipelining: 1, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });

async function post(pool: Pool, url: URL, rawBody: string): Promise<Outcome> {
  try {
    const response = await pool.request({
      method: 'POST',
      path: `${url.pathname}${url.search}`,
      headers: { 'content-type': 'application/json', 'user-agent': CURRENT_RMS_USER_AGENT },
      body: rawBody,
    });
    await response.body.dump(); // the body is not needed, but it must be read for the connection to be reused
    return { status: response.statusCode };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** Counts outcomes and latencies; `finish` turns them into a result over the elapsed time. */
class Tally {
  private readonly latencies: number[] = [];
  private readonly otherStatuses: Record<string, number> = {};
  private requests = 0;
  private accepted = 0;
  private networkErrors = 0;
  private firstNetworkError: string | undefined;

  record(outcome: Outcome, latencyMs: number): void {
    this.requests++;
    this.latencies.push(latencyMs);
    if ('error' in outcome) {
      this.networkErrors++;
      this.firstNetworkError ??= outcome.error;
    } else if (outcome.status === 202) {
      this.accepted++;
    } else {
      this.otherStatuses[outcome.status] = (this.otherStatuses[outcome.status] ?? 0) + 1;
    }
  }

  finish(elapsedSeconds: number): Measured<LoadResult> {
    return { result: this.summary(elapsedSeconds), latencySamplesMs: this.latencies };
  }

  private summary(elapsedSeconds: number): LoadResult {
    return {
      requests: this.requests,
      accepted: this.accepted,
      otherStatuses: this.otherStatuses,
      networkErrors: this.networkErrors,
      ...(this.firstNetworkError ? { firstNetworkError: this.firstNetworkError } : {}),
      elapsedSeconds,
      acceptedPerSecond: this.accepted / elapsedSeconds,
      latencyMs: summarizeLatencies(this.latencies),
    };
  }
}

/** `concurrency` connections, each sending its next request as soon as the previous one is answered, for `durationMs`. */
export async function closedLoop(url: URL, concurrency: number, durationMs: number, nextBody: NextBody): Promise<Measured<LoadResult>> {
  const pool = connectionPool(url, concurrency);
  const tally = new Tally();
  const started = performance.now();
  const deadline = started + durationMs;
  const connection = async () => {
    while (performance.now() < deadline) {
      const sentAt = performance.now();
      const outcome = await post(pool, url, nextBody().rawBody);
      tally.record(outcome, performance.now() - sentAt);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, connection));
  const elapsedSeconds = (performance.now() - started) / 1000;
  await pool.destroy();
  return tally.finish(elapsedSeconds);
}

/**
 * Open loop: request i is due at start + i/rate whether or not earlier ones were answered, and its latency counts from
 * that scheduled time (so a stalled server is not hidden by the client waiting for it: no coordinated omission).
 * The elapsed time runs until the last response, so a server that falls behind shows a lower achieved rate.
 */
export async function openLoop(url: URL, ratePerSecond: number, durationMs: number, maxSockets: number, nextBody: NextBody): Promise<Measured<LoadResult>> {
  const pool = connectionPool(url, maxSockets);
  const tally = new Tally();
  const total = Math.round((ratePerSecond * durationMs) / 1000);
  const inFlight: Promise<void>[] = [];
  const started = performance.now();
  for (let sent = 0; sent < total; ) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * ratePerSecond) / 1000) + 1);
    for (; sent < due; sent++) {
      const scheduledAt = started + (sent * 1000) / ratePerSecond;
      inFlight.push(post(pool, url, nextBody().rawBody).then((outcome) => tally.record(outcome, performance.now() - scheduledAt)));
    }
    await sleep(1);
  }
  await Promise.all(inFlight);
  const elapsedSeconds = (performance.now() - started) / 1000;
  await pool.destroy();
  return tally.finish(elapsedSeconds);
}
