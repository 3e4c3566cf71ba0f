// `npm run bench:ingest`: webhook intake throughput and latency against the same-run ceiling of single-row commits (issue 5, benchmark 1).
import { QueryTypes } from 'sequelize';
import { CEILING_USER_AGENT, ceilingRunner, type CeilingResult, type CeilingRunner } from './support/ceiling';
import { startLoadGenerator, type GeneratedLoad, type LoadGenerator } from './support/load-generator';
import { parseIngestBenchOptions, USAGE, type IngestBenchOptions } from './support/options';
import { formatReport, GOALS, machineInfo, writeResult, type IngestBenchResult, type MaxRatePhase, type PostgresBackgroundWork } from './support/report';
import { measureResources, type ResourceUsage } from './support/resources';
import { combineCeilingRounds, combineLoadRounds, combineResourceRounds } from './support/rounds';
import { startIngestStack, type IngestStack } from './support/stack';
import type { Measured } from './support/stats';
import type { CurrentRmsOpportunity } from '../test/fakes/current-rms';
import { CURRENT_RMS_USER_AGENT, sampleOpportunities } from './support/webhook-bodies';

// Disjoint action-id ranges of equal width: API and ceiling bodies never dedupe and have the same size.
const API_FIRST_ACTION_ID = 1_000_000_000_000;
const CEILING_FIRST_ACTION_ID = 2_000_000_000_000;
const SAMPLE_OPPORTUNITIES = 500;

const progress = (message: string) => console.error(`[bench:ingest] ${message}`);

async function countRows(stack: IngestStack, userAgent: string): Promise<number> {
  const [row] = await stack.sequelize.query<{ count: string }>(`SELECT count(*) AS count FROM events WHERE headers->>'user-agent' = :userAgent`, {
    type: QueryTypes.SELECT,
    replacements: { userAgent },
  });
  return Number(row!.count);
}

/**
 * What PostgreSQL's background work stood at: segment files in pg_wal (recycling renames a released one; only
 * creating a new one adds to the count), checkpoints completed, autovacuums and autoanalyzes of `events` completed.
 */
async function backgroundWork(stack: IngestStack): Promise<PostgresBackgroundWork> {
  const [row] = await stack.sequelize.query<PostgresBackgroundWork>(
    `SELECT (SELECT count(*) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$')::int AS "walSegments",
            (SELECT num_done FROM pg_stat_checkpointer)::int AS "checkpoints",
            (SELECT autovacuum_count FROM pg_stat_user_tables WHERE relname = 'events')::int AS "eventsAutovacuums",
            (SELECT autoanalyze_count FROM pg_stat_user_tables WHERE relname = 'events')::int AS "eventsAutoanalyzes"`,
    { type: QueryTypes.SELECT },
  );
  return row!;
}

interface BenchmarkRun {
  stack: IngestStack;
  load: LoadGenerator;
  opportunities: CurrentRmsOpportunity[];
  options: IngestBenchOptions;
  startedAt: string;
  machine: IngestBenchResult['machine'];
}

type Round<T> = { measured: T; usage: ResourceUsage };

async function withUsage<T>(measure: () => Promise<T>): Promise<Round<T>> {
  const done = measureResources();
  const measured = await measure();
  return { measured, usage: done() };
}

/**
 * One max-rate phase as `rounds` interleaved pairs of ceiling and ingest slices, the order alternating (ceiling first,
 * then ingest first, …): a machine whose speed drifts during the phase (other tenants) then weighs on both sides alike.
 */
async function maxRatePhase(load: LoadGenerator, ceiling: CeilingRunner, concurrency: number, options: IngestBenchOptions): Promise<MaxRatePhase> {
  const sliceMs = options.phaseMs / options.rounds;
  const ceilingRounds: Round<Measured<CeilingResult>>[] = [];
  const ingestRounds: Round<GeneratedLoad>[] = [];
  const measureCeiling = async () => void ceilingRounds.push(await withUsage(() => ceiling.measure(concurrency, sliceMs)));
  const measureIngest = async () => void ingestRounds.push(await withUsage(() => load.run({ kind: 'closed', concurrency, durationMs: sliceMs })));
  for (let round = 0; round < options.rounds; round++) {
    for (const measure of round % 2 === 0 ? [measureCeiling, measureIngest] : [measureIngest, measureCeiling]) await measure();
  }
  const ingest = combineLoadRounds(ingestRounds.map(({ measured }) => measured));
  const ceilingResult = combineCeilingRounds(ceilingRounds.map(({ measured }) => measured));
  return {
    concurrency,
    ingest: ingest.result,
    ingestResources: combineResourceRounds(ingestRounds.map(({ usage }) => usage)),
    loadGeneratorCores: ingest.cpuSeconds / ingest.result.elapsedSeconds,
    ceiling: ceilingResult,
    ceilingResources: combineResourceRounds(ceilingRounds.map(({ usage }) => usage)),
    ratio: ingest.result.acceptedPerSecond / ceilingResult.insertsPerSecond,
    roundRatios: ingestRounds.map(({ measured }, round) => measured.result.acceptedPerSecond / ceilingRounds[round]!.measured.result.insertsPerSecond),
  };
}

async function benchmark({ stack, load, opportunities, options, startedAt, machine }: BenchmarkRun): Promise<IngestBenchResult> {
  const ceiling = ceilingRunner(stack.databaseUrl, opportunities, CEILING_FIRST_ACTION_ID);

  progress(`warming up (${options.warmupMs} ms each: API, then ceiling)`);
  let acceptedByApi = (await load.run({ kind: 'closed', concurrency: 8, durationMs: options.warmupMs })).result.accepted;
  let ceilingInserted = (await ceiling.measure(8, options.warmupMs)).result.inserted;

  const maxRate: MaxRatePhase[] = [];
  for (const concurrency of options.concurrencies) {
    progress(`${concurrency} connection(s): ${options.rounds} rounds of ceiling and ingest, ${options.phaseMs / options.rounds / 1000} s each`);
    const phase = await maxRatePhase(load, ceiling, concurrency, options);
    acceptedByApi += phase.ingest.accepted;
    ceilingInserted += phase.ceiling.inserted;
    maxRate.push(phase);
  }

  progress(`open loop: ${options.fixedRate}/s for ${options.fixedRateMs / 1000} s, after a CHECKPOINT`);
  // A long-running cluster recycles WAL segments its checkpoints have released; this fresh one has only ever created
  // them, and a backend creating one zero-fills 16 MB and fsyncs it holding the WAL write lock, stalling every commit
  // for about 60 ms each ~4 s at 1,000/s (README, Performance, 2026-12-07). The checkpoint releases the segments written so far.
  await stack.sequelize.query('CHECKPOINT');
  const backgroundBefore = await backgroundWork(stack);
  const fixedDone = measureResources();
  const fixed = await load.run({ kind: 'open', ratePerSecond: options.fixedRate, durationMs: options.fixedRateMs, maxSockets: options.fixedRateMaxSockets });
  const fixedResources = fixedDone();
  const background = { before: backgroundBefore, after: await backgroundWork(stack) };
  acceptedByApi += fixed.result.accepted;

  const [apiRows, ceilingRows] = [await countRows(stack, CURRENT_RMS_USER_AGENT), await countRows(stack, CEILING_USER_AGENT)];
  return {
    startedAt,
    machine,
    postgres: { durability: options.fastUnsafeDurability ? 'fast, unsafe (test settings)' : 'production defaults', settings: stack.settings },
    api: { sequelizePoolMax: stack.apiPoolMax, requestLogLevel: options.apiLogLevel },
    options,
    maxRate,
    fixedRate: { targetRate: options.fixedRate, result: fixed.result, resources: fixedResources, loadGeneratorCores: fixed.cpuSeconds / fixed.result.elapsedSeconds, background },
    rows: { acceptedByApi, apiRows, ceilingInserted, ceilingRows, ok: apiRows === acceptedByApi && ceilingRows === ceilingInserted },
    goals: {
      minRatio: GOALS.minRatio,
      ratioMet: maxRate.every((phase) => phase.ratio >= GOALS.minRatio),
      maxP99MsAtFixedRate: GOALS.maxP99MsAtFixedRate,
      fixedRateP99Met: fixed.result.latencyMs.p99 <= GOALS.maxP99MsAtFixedRate,
      fixedRateAchieved: fixed.result.accepted === fixed.result.requests && fixed.result.acceptedPerSecond >= 0.98 * options.fixedRate,
    },
  };
}

async function main(): Promise<void> {
  const options = parseIngestBenchOptions(process.argv.slice(2), process.env);
  if (options === 'help') return console.log(USAGE);
  const startedAt = new Date().toISOString();
  const machine = machineInfo();

  progress(`starting embedded PostgreSQL (${options.fastUnsafeDurability ? 'fast, unsafe durability' : 'production durability: fsync on, synchronous commit'}) and the API`);
  const stack = await startIngestStack(options);
  let load: LoadGenerator | undefined;
  // PostgreSQL runs in its own session, so Ctrl-C does not reach it: stop it ourselves.
  const interrupted = () => void Promise.allSettled([load?.stop(), stack.stop()]).then(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const opportunities = await sampleOpportunities(SAMPLE_OPPORTUNITIES);
    load = await startLoadGenerator({ webhookUrl: stack.webhookUrl, opportunities, firstActionId: API_FIRST_ACTION_ID });
    const result = await benchmark({ stack, load, opportunities, options, startedAt, machine });
    console.log(`\n${formatReport(result)}`);
    console.log(`\nJSON: ${writeResult(result)}`);
    if (!result.rows.ok) process.exitCode = 1;
  } finally {
    await load?.stop();
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
