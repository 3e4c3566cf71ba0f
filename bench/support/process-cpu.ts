// CPU time of whole process trees (a server and its children) from /proc, so each part of the stack gets its own figure.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

interface ProcessTimes {
  ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks (children that exited and were reaped count through their parent). */
  ticks: number;
}

/** Clock ticks per second of /proc's times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function readProcesses(): Map<number, ProcessTimes> | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined; // not Linux
  }
  const processes = new Map<number, ProcessTimes>();
  for (const entry of entries) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: the fields proper start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((index) => Number(fields[index]));
      processes.set(Number(entry), { ppid: Number(fields[1]), ticks: utime! + stime! + cutime! + cstime! });
    } catch {
      /* exited meanwhile */
    }
  }
  return processes;
}

function treeOf(root: number, processes: Map<number, ProcessTimes>): Set<number> {
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, { ppid }] of processes) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return tree;
}

export type CpuCores<K extends string> = Record<K, number | null>;

/**
 * Starts measuring the CPU of each named process tree; the returned function gives each tree's CPU time per wall second
 * (in cores). Null where /proc is unavailable or the process is gone.
 */
export function measureProcessTrees<K extends string>(roots: Record<K, number | undefined>): () => CpuCores<K> {
  const snapshot = () => {
    const processes = readProcesses();
    const perTree = new Map<K, Map<number, number>>();
    for (const [name, root] of Object.entries(roots) as [K, number | undefined][]) {
      if (!processes || root === undefined || !processes.has(root)) continue;
      perTree.set(name, new Map([...treeOf(root, processes)].map((pid) => [pid, processes.get(pid)!.ticks])));
    }
    return perTree;
  };
  const before = snapshot();
  const started = performance.now();
  return () => {
    const after = snapshot();
    const wallSeconds = (performance.now() - started) / 1000;
    const result = {} as CpuCores<K>;
    for (const name of Object.keys(roots) as K[]) {
      const [start, end] = [before.get(name), after.get(name)];
      if (!start || !end) {
        result[name] = null;
        continue;
      }
      // A process that started during the phase counts from zero.
      let ticks = 0;
      for (const [pid, now] of end) ticks += now - (start.get(pid) ?? 0);
      result[name] = ticks / TICKS_PER_SECOND / wallSeconds;
    }
    return result;
  };
}
