// Latency samples and their percentiles (nearest-rank), in milliseconds.

/** A result with its raw latency samples, so that several rounds of one phase can be combined (bench/support/rounds.ts). */
export interface Measured<T> {
  result: T;
  latencySamplesMs: number[];
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** The nearest-rank percentile of ascending `sorted` samples (0 when there are none). */
export function percentile(sorted: ArrayLike<number>, fraction: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

export function summarizeLatencies(samplesMs: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(samplesMs).sort();
  return { count: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), p999: percentile(sorted, 0.999), max: sorted.at(-1) ?? 0 };
}
