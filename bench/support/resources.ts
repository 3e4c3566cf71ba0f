// Where the CPU went during a phase: the API's event-loop utilisation, this process's CPU time and the whole machine's busy share.
import os from 'node:os';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

export interface ResourceUsage {
  /** Share of wall time the API's event loop (this process's main thread) was busy, 0–1; near 1 means Node is the bottleneck. */
  apiEventLoopUtilization: number;
  /** CPU time of this process (API, pg driver, ceiling client) per wall second, in cores. */
  apiProcessCores: number;
  /** Busy share of all the machine's cores (PostgreSQL, load generator and other tenants included), 0–1. */
  machineBusy: number;
  /** Length of the measurement. */
  wallSeconds: number;
}

const machineTimes = () =>
  os.cpus().reduce(
    (sum, cpu) => {
      const busy = cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq;
      return { busy: sum.busy + busy, total: sum.total + busy + cpu.times.idle };
    },
    { busy: 0, total: 0 },
  );

/** Starts measuring; the returned function ends the measurement. */
export function measureResources(): () => ResourceUsage {
  const loop: EventLoopUtilization = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const machine = machineTimes();
  const started = performance.now();
  return () => {
    const wallSeconds = (performance.now() - started) / 1000;
    const cpuUsed = process.cpuUsage(cpu);
    const machineNow = machineTimes();
    return {
      apiEventLoopUtilization: performance.eventLoopUtilization(loop).utilization,
      apiProcessCores: (cpuUsed.user + cpuUsed.system) / 1e6 / wallSeconds,
      machineBusy: (machineNow.busy - machine.busy) / Math.max(1, machineNow.total - machine.total),
      wallSeconds,
    };
  };
}
