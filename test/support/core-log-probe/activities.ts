// The core-log probe's activity: finishes after its start-to-close timeout has passed.
import { setTimeout as sleep } from 'node:timers/promises';

export const LATE_BY_MS = 2_000;

export const createProbeActivities = () => ({
  async outliveTimeout(): Promise<void> {
    await sleep(1_000 + LATE_BY_MS);
  },
});

export type ProbeActivities = ReturnType<typeof createProbeActivities>;
