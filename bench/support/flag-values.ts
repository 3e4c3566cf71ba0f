// Numeric values of the benchmarks' command-line flags: out of range, the flag is refused with the benchmark's usage text.

export function flagValues(usage: string) {
  return {
    positiveNumber(name: string, value: string | undefined, fallback: number): number {
      if (value === undefined) return fallback;
      const parsed = Number(value);
      if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive number, got "${value}"\n${usage}`);
      return parsed;
    },
    positiveInteger(name: string, value: string | undefined, fallback: number, minimum = 1): number {
      if (value === undefined) return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < minimum) throw new Error(`--${name} must be an integer ≥ ${minimum}, got "${value}"\n${usage}`);
      return parsed;
    },
  };
}
