// Fault injection (npm run test:chaos): a steady webhook stream while the worker is killed -9 again and again, Temporal and PostgreSQL go
// away and come back, and every sandbox answers 429/500 with latency; then nothing accepted is lost and nothing is written twice.
import { sleep } from '../../lib/local-stack/processes';
import { INTEGRATION_SYSTEMS } from '../../domain/integration-systems';
import { collectFindings, duplicatesFound, waitForConvergence } from './support/checks';
import { runFaultSchedule, sandboxFaults, type FaultPlan } from './support/faults';
import { WebhookStream } from './support/load';
import { intakeFigures, printReport } from './support/report';
import { startChaosStack, type ChaosStack } from './support/stack';
import { WorkerSupervisor } from './support/worker-process';

const numberFromEnv = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);

/**
 * Sized so the whole suite stays near 7 minutes on two shared cores: there one worker turns over about 1.5 webhooks a
 * second (each costs a dozen workflow tasks and their local activities), and every outage and restart builds a backlog
 * that must drain before the checks; at 5 a second the catch-up alone took over 6 minutes. Xero's 60 calls a minute
 * per tenant (the connector's limiter) keeps the opportunity pool small. Override with the CHAOS_* variables.
 */
const STREAM = {
  opportunities: numberFromEnv('CHAOS_OPPORTUNITIES', 40),
  perSecond: numberFromEnv('CHAOS_WEBHOOKS_PER_SECOND', 1.5),
  members: 6,
  timeoutMs: 15_000, // an intake answer later than this is a hang
  retryDelayMs: 1_000,
};
const PLAN: FaultPlan = {
  kills: numberFromEnv('CHAOS_KILLS', 6),
  temporalOutageMs: 35_000,
  postgresOutageMs: 12_000,
  sandboxFailureRate: 0.2,
  sandboxLatencyMs: [20, 200],
};
const SANDBOX_FAULTS_EACH = 5;
const CONVERGENCE_TIMEOUT_MS = 7 * 60_000;
const RESTART_DURING_OUTAGE_OBSERVED_MS = 20_000;

const started = Date.now();
const log = (line: string) => process.stdout.write(`[chaos +${((Date.now() - started) / 1000).toFixed(0)} s] ${line}\n`);
let stack: ChaosStack | undefined;
let worker: WorkerSupervisor | undefined;
let stream: WebhookStream | undefined;

afterAll(async () => {
  await stream?.stop(0); // a no-op after a normal run; after a failure, the stream stops before the stack does
  await worker?.stop();
  await stack?.stop();
});

test('under kills, outages and flaky sandboxes every accepted webhook is processed, and every record exists exactly once', async () => {
  stack = await startChaosStack();
  const { fakes } = stack;
  log(`stack ready: PostgreSQL ${new URL(stack.databaseUrl).host}, Temporal ${stack.temporal.address}`);
  worker = new WorkerSupervisor(() => stack!.workerEnv());
  worker.start();
  expect(await worker.waitReady()).toBe(true);
  log('worker ready; chaos phase starts');

  const chaosStarted = Date.now();
  stream = new WebhookStream(stack.intakeUrl, fakes.currentRms, STREAM);
  const sandboxes = sandboxFaults(fakes, PLAN);
  sandboxes.on();
  stream.start();
  const faults = await runFaultSchedule(stack, worker, PLAN, log).catch((error: unknown) => {
    sandboxes.off();
    throw error;
  });
  await sleep(5_000); // a last stretch of traffic
  const unacknowledged = await stream.stop(60_000);
  const streamMs = Date.now() - chaosStarted;
  log(`stream over: ${stream.generated} webhooks, ${stream.acceptedEventIds.size} accepted; converging`);

  // Syncs may still be catching up (retries back off up to 5 minutes), so the sandboxes stay flaky into the catch-up
  // until each has failed calls both ways a few times, or everything has converged.
  let settled = false;
  let sandboxFaultsMs = 0;
  const sandboxesOff = sandboxes.offOnceFailed(SANDBOX_FAULTS_EACH, () => settled).then(() => {
    sandboxFaultsMs = Date.now() - chaosStarted;
    log('sandbox faults off');
  });
  const acceptedIds = [...stream.acceptedEventIds];
  const opportunityIds = stream.opportunityIds();
  const convergence = await waitForConvergence(stack.sequelize, stack.client, fakes, acceptedIds, opportunityIds, CONVERGENCE_TIMEOUT_MS);
  settled = true;
  await sandboxesOff;
  if (!convergence.converged) {
    console.log(`Not converged after ${CONVERGENCE_TIMEOUT_MS / 1000} s; still pending:\n${JSON.stringify({ pending: convergence.pending, runningWorkflows: convergence.running }, null, 2)}`);
  }
  const findings = await collectFindings(stack.sequelize, fakes, acceptedIds, opportunityIds);
  printReport({ stream, unacknowledged, worker, faults, fakes, findings, durations: { streamMs, sandboxFaultsMs, convergenceMs: convergence.ms, totalMs: Date.now() - started } });
  for (const exit of worker.unexpectedExits) console.log(`worker exited on its own at +${(exit.atMs / 1000).toFixed(0)} s (${exit.code ?? exit.signal}):\n${exit.output}`);

  // The faults really happened.
  expect(worker.kills).toBeGreaterThanOrEqual(5);
  expect(faults.temporal!.to - faults.temporal!.from).toBeGreaterThanOrEqual(30_000);
  expect(faults.temporal!.to - faults.temporal!.from).toBeLessThanOrEqual(60_000 + 30_000); // + the server's own start-up
  expect(faults.postgres).toBeDefined();
  for (const fake of [fakes.currentRms, fakes.salesforce, fakes.xero, fakes.monday]) {
    const statuses = fake.requests.map((request) => request.status);
    expect({ rateLimited: statuses.includes(429), serverError: statuses.includes(500) }).toEqual({ rateLimited: true, serverError: true });
  }

  // Intake: always an answer (never a hang), 503 only while PostgreSQL is away, and every webhook accepted in the end.
  const intake = intakeFigures(stream.deliveries);
  expect({ hangs: intake.byOutcome.hang ?? 0, networkErrors: intake.byOutcome['network-error'] ?? 0 }).toEqual({ hangs: 0, networkErrors: 0 });
  expect(Object.keys(intake.byOutcome).filter((outcome) => !['200', '202', '503'].includes(outcome))).toEqual([]);
  expect(intakeFigures(stream.deliveries, faults.postgres).byOutcome['503']).toBeGreaterThan(0);
  const postgresAway = { from: faults.postgres!.from, to: faults.postgres!.to + 10_000 }; // + the pool's reconnect
  expect(stream.deliveries.filter((d) => d.outcome === 503 && (d.startedAt < postgresAway.from || d.startedAt > postgresAway.to)).length).toBe(0);
  expect(unacknowledged).toBe(0);

  // The platform converged and lost nothing, duplicated nothing, left nothing stuck (lists cut to a sample of 5).
  const sample = <T>(items: T[]) => ({ count: items.length, sample: items.slice(0, 5) });
  expect(convergence.converged).toBe(true);
  expect(worker.unexpectedExits.map((exit) => `+${(exit.atMs / 1000).toFixed(0)} s: ${exit.code ?? exit.signal}`)).toEqual([]);
  expect({ lost: sample(findings.lost), processed: findings.processed }).toEqual({ lost: sample([]), processed: acceptedIds.length });
  expect(sample(findings.stuckLinks)).toEqual(sample([]));
  expect(sample(findings.failedLinks)).toEqual(sample([])); // every fault here passes: a sync that gave up is a defect
  expect(sample(findings.behindCurrentRms)).toEqual(sample([]));
  expect(sample(findings.linksBehind)).toEqual(sample([]));
  for (const system of INTEGRATION_SYSTEMS) {
    const { duplicates, missing, wrongLinks, stale } = findings.systems[system];
    expect({ system, duplicates: sample(duplicates), missing: sample(missing), wrongLinks: sample(wrongLinks), stale: sample(stale) }).toEqual({
      system,
      duplicates: sample([]),
      missing: sample([]),
      wrongLinks: sample([]),
      stale: sample([]),
    });
  }
  expect(findings.xeroContactDuplicates).toEqual([]);
  const { auditKeyDuplicates, auditStepDuplicates, createdTwice } = findings;
  expect({ auditKeyDuplicates, auditStepDuplicates, createdTwice }).toEqual({ auditKeyDuplicates: 0, auditStepDuplicates: [], createdTwice: 0 });
  expect(duplicatesFound(findings)).toBe(0);
}, 15 * 60_000);

// A worker that (re)starts during a Temporal outage (a kill, a deploy, a rescheduled pod) should wait for Temporal like the
// running worker does, not exit and crash-loop until it is back (and stay down where nothing restarts it).
test('a worker restarted while Temporal is down waits for it instead of exiting', async () => {
  expect(stack).toBeDefined(); // the stack of the test above
  await worker?.stop();
  await stack!.temporal.stop();
  log('Temporal stopped; starting a worker');
  worker = new WorkerSupervisor(() => stack!.workerEnv());
  worker.start();
  await sleep(RESTART_DURING_OUTAGE_OBSERVED_MS);
  const exitsWhileDown = [...worker.unexpectedExits];
  await stack!.temporal.start();
  const readyOnceBack = await worker.waitReady();
  log(`the worker exited ${exitsWhileDown.length} times in ${RESTART_DURING_OUTAGE_OBSERVED_MS / 1000} s of Temporal outage; ready once it was back: ${readyOnceBack}`);
  if (exitsWhileDown[0]) console.log(`first exit (${exitsWhileDown[0].code ?? exitsWhileDown[0].signal}), last lines:\n${exitsWhileDown[0].output.split('\n').slice(-5).join('\n')}`);
  expect({ exitsWhileTemporalDown: exitsWhileDown.length, readyOnceTemporalIsBack: readyOnceBack }).toEqual({ exitsWhileTemporalDown: 0, readyOnceTemporalIsBack: true });
}, 5 * 60_000);
