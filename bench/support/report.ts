// The ingest benchmark's result: its shape, the printed tables and the JSON file under bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CeilingResult } from './ceiling';
import type { LoadResult } from './http-load';
import type { IngestBenchOptions } from './options';
import type { ResourceUsage } from './resources';

export const GOALS = { minRatio: 0.5, maxP99MsAtFixedRate: 25 };

export interface MaxRatePhase {
  concurrency: number;
  ingest: LoadResult;
  ingestResources: ResourceUsage;
  loadGeneratorCores: number;
  ceiling: CeilingResult;
  ceilingResources: ResourceUsage;
  /** Accepted events/s through the API over single-row commits/s straight through pg, at the same concurrency. */
  ratio: number;
  /** The same ratio in each interleaved round, in order. */
  roundRatios: number[];
}

export interface FixedRatePhase {
  targetRate: number;
  result: LoadResult;
  resources: ResourceUsage;
  loadGeneratorCores: number;
  /** PostgreSQL's background work before and after the phase: more WAL segments after means some were created (zero-filled) during it. */
  background: { before: PostgresBackgroundWork; after: PostgresBackgroundWork };
}

/** Counters of PostgreSQL's background work that can stall commits. */
export interface PostgresBackgroundWork {
  walSegments: number;
  checkpoints: number;
  eventsAutovacuums: number;
  eventsAutoanalyzes: number;
}

/** Every 202 must be a row, and nothing else may be. */
export interface RowCheck {
  acceptedByApi: number;
  apiRows: number;
  ceilingInserted: number;
  ceilingRows: number;
  ok: boolean;
}

export interface MachineInfo {
  cpuModel: string;
  cpuCount: number;
  memoryGiB: number;
  os: string;
  node: string;
  loadAverageAtStart: number[];
}

export interface IngestBenchResult {
  startedAt: string;
  machine: MachineInfo;
  postgres: { durability: 'production defaults' | 'fast, unsafe (test settings)'; settings: Record<string, string> };
  api: { sequelizePoolMax: number; requestLogLevel: string };
  options: IngestBenchOptions;
  maxRate: MaxRatePhase[];
  fixedRate: FixedRatePhase;
  rows: RowCheck;
  goals: { minRatio: number; ratioMet: boolean; maxP99MsAtFixedRate: number; fixedRateP99Met: boolean; fixedRateAchieved: boolean };
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((load) => Math.round(load * 100) / 100),
  };
}

const fixed = (value: number, digits = 1) => value.toFixed(digits);
const percent = (share: number) => `${Math.round(share * 100)}%`;
const failures = (load: LoadResult) => Object.values(load.otherStatuses).reduce((sum, count) => sum + count, 0) + load.networkErrors;

/** What PostgreSQL did in the background during a phase (the usual causes of a commit's stall). */
function backgroundWorkLine({ before, after }: FixedRatePhase['background']): string {
  const created = after.walSegments - before.walSegments;
  const segments = `WAL segment files ${before.walSegments} before, ${after.walSegments} after (${created > 0 ? `${created} created and zero-filled during the phase` : 'every segment recycled, none created'})`;
  return `${segments}; during it ${after.checkpoints - before.checkpoints} checkpoint(s), ${after.eventsAutovacuums - before.eventsAutovacuums} autovacuum(s) and ${after.eventsAutoanalyzes - before.eventsAutoanalyzes} autoanalyze(s) of events completed`;
}

/** Right-aligned columns under a header and a dashed rule. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padStart(widths[column]!)).join('  ');
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

export function formatReport(result: IngestBenchResult): string {
  const { machine, postgres, api, options, maxRate, fixedRate, rows, goals } = result;
  const settings = ['fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method', 'shared_buffers'].map((name) => `${name}=${postgres.settings[name] ?? '?'}`).join(' ');
  const fixedLoad = fixedRate.result;
  return [
    `Machine: ${machine.cpuModel} × ${machine.cpuCount} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}, load average at start ${machine.loadAverageAtStart.join(' ')}`,
    '  (shared with other work: absolute figures are noisy; the ratios compare against a ceiling measured in the same run)',
    `PostgreSQL ${postgres.settings.server_version ?? '?'} (embedded, temporary data dir), ${postgres.durability}: ${settings}`,
    `API in-process: Sequelize pool ${api.sequelizePoolMax}, request log at "${api.requestLogLevel}" through a pipe (as stdout to a log collector); load generator in a separate Node process`,
    '',
    `(a) + (c) Max rate, closed loop, ${options.phaseMs / 1000} s per side and concurrency in ${options.rounds} interleaved rounds (ceiling and ingest alternating which goes first);`,
    '    ceiling = single-row INSERT … ON CONFLICT DO NOTHING commits through a pg Pool of the same size',
    table(
      ['conns', 'ingest ev/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'failed', 'ceiling ev/s', 'ceil p50', 'ceil p99', 'ratio', 'rounds min–max', 'goal', 'API loop', 'API cores', 'machine CPU'],
      maxRate.map((phase) => [
        String(phase.concurrency),
        fixed(phase.ingest.acceptedPerSecond, 0),
        fixed(phase.ingest.latencyMs.p50),
        fixed(phase.ingest.latencyMs.p99),
        fixed(phase.ingest.latencyMs.p999),
        String(failures(phase.ingest)),
        fixed(phase.ceiling.insertsPerSecond, 0),
        fixed(phase.ceiling.latencyMs.p50),
        fixed(phase.ceiling.latencyMs.p99),
        fixed(phase.ratio, 2),
        `${fixed(Math.min(...phase.roundRatios), 2)}–${fixed(Math.max(...phase.roundRatios), 2)}`,
        phase.ratio >= GOALS.minRatio ? 'met' : 'MISSED',
        percent(phase.ingestResources.apiEventLoopUtilization),
        fixed(phase.ingestResources.apiProcessCores, 2),
        percent(phase.ingestResources.machineBusy),
      ]),
    ),
    '',
    `(b) Fixed arrival rate, open loop: ${fixedRate.targetRate}/s for ${options.fixedRateMs / 1000} s, latency from each request's scheduled time`,
    `    achieved ${fixed(fixedLoad.acceptedPerSecond, 0)} accepted/s (${fixedLoad.accepted} of ${fixedLoad.requests}), p50 ${fixed(fixedLoad.latencyMs.p50)} ms, p99 ${fixed(fixedLoad.latencyMs.p99)} ms, ` +
      `p99.9 ${fixed(fixedLoad.latencyMs.p999)} ms, max ${fixed(fixedLoad.latencyMs.max)} ms, failed ${failures(fixedLoad)}; API loop ${percent(fixedRate.resources.apiEventLoopUtilization)}, machine CPU ${percent(fixedRate.resources.machineBusy)}`,
    `    started after a CHECKPOINT; ${backgroundWorkLine(fixedRate.background)}`,
    '',
    `Goals: ratio ≥ ${goals.minRatio} at every concurrency: ${goals.ratioMet ? 'met' : 'MISSED'}; p99 ≤ ${goals.maxP99MsAtFixedRate} ms at ${fixedRate.targetRate}/s: ${goals.fixedRateP99Met ? 'met' : 'MISSED'}` +
      ` (rate ${goals.fixedRateAchieved ? 'sustained' : 'NOT sustained'})`,
    `Rows: ${rows.acceptedByApi} requests got 202, ${rows.apiRows} rows from the API; ${rows.ceilingInserted} ceiling inserts, ${rows.ceilingRows} ceiling rows: ${rows.ok ? 'every accepted request is a row' : 'MISMATCH'}`,
  ].join('\n');
}

/** Writes bench/results/<benchmark>-<timestamp>.json and returns its path. */
export function writeBenchResult(benchmark: string, startedAt: string, result: unknown): string {
  const directory = path.join(__dirname, '..', 'results');
  mkdirSync(directory, { recursive: true });
  const file = path.join(directory, `${benchmark}-${startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

/** Writes bench/results/ingest-<timestamp>.json and returns its path. */
export function writeResult(result: IngestBenchResult): string {
  return writeBenchResult('ingest', result.startedAt, result);
}
