// The fault schedule: sandbox failures and latency throughout, worker kills at random moments, one Temporal outage, one PostgreSQL restart.
import { randomInt } from 'node:crypto';
import { sleep } from '../../../lib/local-stack/processes';
import type { ChaosStack, Fakes } from './stack';
import type { WorkerSupervisor } from './worker-process';

export interface FaultPlan {
  kills: number;
  temporalOutageMs: number;
  postgresOutageMs: number;
  /** Share of sandbox API calls that fail (429 or 500, drawn at random). */
  sandboxFailureRate: number;
  /** Sandbox latency is drawn from this range, again every couple of seconds. */
  sandboxLatencyMs: [number, number];
}

export interface Outage {
  /** When it went down and came back (epoch ms). */
  from: number;
  to: number;
}

export interface FaultLog {
  killsAt: number[];
  temporal?: Outage;
  postgres?: Outage;
}

const LATENCY_CHANGE_MS = 2_000;
const WORKER_READY_TIMEOUT_MS = 180_000;

/** 429s and 500s from every sandbox, and latency that wanders within the range, until `off()`. */
export function sandboxFaults(fakes: Fakes, { sandboxFailureRate: rate, sandboxLatencyMs: [min, max] }: FaultPlan) {
  const setLatency = (pick: () => number) => {
    fakes.currentRms.setLatency(pick());
    fakes.salesforce.setLatency(pick());
    fakes.xero.setLatency(pick());
    fakes.monday.setLatency(pick());
  };
  const setRates = (value: number) => {
    fakes.currentRms.setFailureRate({ rate: value, statuses: [429, 500] });
    fakes.salesforce.setFailureRate(value, ['rate-limited', 'server-error']);
    fakes.xero.setFailureRate(value); // 429 (X-Rate-Limit-Problem: minute) or 500, with Retry-After
    fakes.monday.setFailureRate({ rate: value, kinds: ['rate-limit', 'server-error'] });
  };
  const faultsSeen = () =>
    [fakes.currentRms.requests, fakes.salesforce.requests, fakes.xero.requests, fakes.monday.requests].map((requests) => {
      const statuses = requests.map((request) => request.status);
      return Math.min(statuses.filter((status) => status === 429).length, statuses.filter((status) => status === 500).length);
    });
  let timer: NodeJS.Timeout | undefined;
  const off = () => {
    clearInterval(timer);
    setRates(0);
    setLatency(() => 0);
  };
  return {
    on() {
      setRates(rate);
      setLatency(() => randomInt(min, max + 1));
      timer = setInterval(() => setLatency(() => randomInt(min, max + 1)), LATENCY_CHANGE_MS).unref();
    },
    off,
    /** Turns the faults off once every sandbox has answered at least `count` 429s and `count` 500s, or once `enough()` says so. */
    async offOnceFailed(count: number, enough: () => boolean): Promise<void> {
      while (faultsSeen().some((seen) => seen < count) && !enough()) await sleep(500);
      off();
    },
  };
}

const pause = (fromMs: number, toMs: number) => sleep(randomInt(fromMs, toMs + 1));

async function workerReady(worker: WorkerSupervisor, why: string): Promise<void> {
  if (!(await worker.waitReady(WORKER_READY_TIMEOUT_MS))) {
    throw new Error(`The worker did not log "worker and outbox relay running" within ${WORKER_READY_TIMEOUT_MS / 1000} s (${why}).`);
  }
}

/** Runs the process faults one after the other (the stream and the sandbox faults go on meanwhile); each kill lands a random moment after the worker is up. */
export async function runFaultSchedule(stack: ChaosStack, worker: WorkerSupervisor, plan: FaultPlan, log: (line: string) => void): Promise<FaultLog> {
  const faults: FaultLog = { killsAt: [] };
  const kill = async () => {
    await workerReady(worker, 'before a kill');
    await pause(3_000, 9_000);
    await worker.killAndRestart();
    faults.killsAt.push(Date.now());
    log(`kill -9 of the worker #${faults.killsAt.length}`);
  };
  // Kills are spread around the two outages: two before, one between, the rest after.
  const killsBefore = Math.min(2, plan.kills);
  for (let i = 0; i < killsBefore; i++) await kill();

  await workerReady(worker, 'before the Temporal outage');
  await pause(2_000, 5_000);
  log(`stopping Temporal for ${plan.temporalOutageMs / 1000} s`);
  const temporalFrom = Date.now();
  await stack.temporal.stop();
  await sleep(plan.temporalOutageMs - (Date.now() - temporalFrom));
  await stack.temporal.start();
  faults.temporal = { from: temporalFrom, to: Date.now() };
  log('Temporal is back');

  if (plan.kills > killsBefore) await kill();

  await workerReady(worker, 'before the PostgreSQL restart');
  await pause(2_000, 5_000);
  log(`stopping PostgreSQL for ${plan.postgresOutageMs / 1000} s`);
  const postgresFrom = Date.now();
  await stack.postgres.stop();
  await sleep(plan.postgresOutageMs - (Date.now() - postgresFrom));
  await stack.postgres.start();
  faults.postgres = { from: postgresFrom, to: Date.now() };
  log('PostgreSQL is back');

  while (faults.killsAt.length < plan.kills) await kill();
  await workerReady(worker, 'after the last kill');
  return faults;
}
