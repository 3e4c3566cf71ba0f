// Combines the interleaved rounds of one max-rate phase: counts over the summed time, percentiles over every sample, CPU by time.
import type { CeilingResult } from './ceiling';
import type { LoadResult } from './http-load';
import type { GeneratedLoad } from './load-generator';
import type { ResourceUsage } from './resources';
import { summarizeLatencies, type Measured } from './stats';

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

export function combineLoadRounds(rounds: GeneratedLoad[]): { result: LoadResult; cpuSeconds: number } {
  const results = rounds.map(({ result }) => result);
  const elapsedSeconds = sum(results.map((result) => result.elapsedSeconds));
  const accepted = sum(results.map((result) => result.accepted));
  const otherStatuses: Record<string, number> = {};
  for (const result of results) for (const [status, count] of Object.entries(result.otherStatuses)) otherStatuses[status] = (otherStatuses[status] ?? 0) + count;
  const firstNetworkError = results.find((result) => result.firstNetworkError)?.firstNetworkError;
  return {
    result: {
      requests: sum(results.map((result) => result.requests)),
      accepted,
      otherStatuses,
      networkErrors: sum(results.map((result) => result.networkErrors)),
      ...(firstNetworkError ? { firstNetworkError } : {}),
      elapsedSeconds,
      acceptedPerSecond: accepted / elapsedSeconds,
      latencyMs: summarizeLatencies(rounds.flatMap(({ latencySamplesMs }) => latencySamplesMs)),
    },
    cpuSeconds: sum(rounds.map(({ cpuSeconds }) => cpuSeconds)),
  };
}

export function combineCeilingRounds(rounds: Measured<CeilingResult>[]): CeilingResult {
  const results = rounds.map(({ result }) => result);
  const elapsedSeconds = sum(results.map((result) => result.elapsedSeconds));
  const inserted = sum(results.map((result) => result.inserted));
  return {
    concurrency: results[0]!.concurrency,
    inserted,
    conflicts: sum(results.map((result) => result.conflicts)),
    elapsedSeconds,
    insertsPerSecond: inserted / elapsedSeconds,
    latencyMs: summarizeLatencies(rounds.flatMap(({ latencySamplesMs }) => latencySamplesMs)),
  };
}

/** Each round's usage weighted by the length of its measurement. */
export function combineResourceRounds(rounds: ResourceUsage[]): ResourceUsage {
  const wallSeconds = sum(rounds.map((usage) => usage.wallSeconds));
  const weighted = (pick: (usage: ResourceUsage) => number) => sum(rounds.map((usage) => pick(usage) * usage.wallSeconds)) / wallSeconds;
  return {
    apiEventLoopUtilization: weighted((usage) => usage.apiEventLoopUtilization),
    apiProcessCores: weighted((usage) => usage.apiProcessCores),
    machineBusy: weighted((usage) => usage.machineBusy),
    wallSeconds,
  };
}
