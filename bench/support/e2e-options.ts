// Command-line flags (with environment fallbacks) of `npm run bench:e2e`.
import { parseArgs } from 'node:util';
import { flagValues } from './flag-values';

export interface E2eBenchOptions {
  events: number;
  opportunities: number;
  /** Customers (Current RMS members) the opportunities share round-robin. */
  customers: number;
  /** Webhooks per second (open loop). */
  rate: number;
  maxSockets: number;
  /** No-op workflows of the ceiling phase. */
  ceilingWorkflows: number;
  /** Concurrent starts per batch of the ceiling (the relay's claim size). */
  ceilingStartBatch: number;
  timeoutMs: number;
  fastUnsafeDurability: boolean;
  /** PRAGMA=VALUE pairs for the Temporal dev server's SQLite; empty: its defaults, as `npm start` runs it. */
  temporalSqlitePragmas: string[];
  logLevel: string;
  /** WORKER_* variables handed to the worker process (flags over environment; unset ones take the platform defaults). */
  workerEnv: Record<string, string>;
  /** Names the worker setting in the report and the JSON file. */
  label: string;
}

export const E2E_USAGE = `Usage: npm run bench:e2e -- [flags]
  --events <n>                 webhooks to send (default 10000; env BENCH_EVENTS)
  --opportunities <n>          opportunities they are about (default 1000): the first event of each creates it, the rest update it
  --customers <n>              customers the opportunities share (default opportunities / 4)
  --rate <n>                   webhooks per second, open loop (default 250)
  --quick                      1,000 events over 100 opportunities, for a smoke run
  --ceiling-workflows <n>      no-op workflows of the ceiling (default: as many as events)
  --timeout <s>                give up when not everything is processed and synced by then (default 10800)
  --fast-unsafe-durability     fsync=off, synchronous_commit=off, full_page_writes=off (the test suite's settings; not production's)
  --temporal-sqlite <pragmas>  the Temporal dev server's SQLite pragmas, comma-separated, or "defaults" as \`npm start\` runs it
                               (default journal_mode=wal,synchronous=full: every commit still fsynced, fewer fsyncs per commit)
  --log-level <level>          API and worker log level (default info, as in production), logged into the temporary folder (the API's through a pipe)
  --max-activities <n>         WORKER_MAX_CONCURRENT_ACTIVITIES for the worker (default: that variable, else the platform default)
  --max-workflow-tasks <n>     WORKER_MAX_CONCURRENT_WORKFLOW_TASKS (likewise)
  --max-cached <n>             WORKER_MAX_CACHED_WORKFLOWS (likewise; 0 = no cache)
  --workflow-pollers <n>       WORKER_WORKFLOW_TASK_POLLERS (likewise)
  --activity-pollers <n>       WORKER_ACTIVITY_TASK_POLLERS (likewise)
  --label <text>               names this worker setting in the report (default "default" or the settings given)`;

const { positiveInteger } = flagValues(E2E_USAGE);

const WORKER_FLAGS = {
  'max-activities': 'WORKER_MAX_CONCURRENT_ACTIVITIES',
  'max-workflow-tasks': 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS',
  'max-cached': 'WORKER_MAX_CACHED_WORKFLOWS',
  'workflow-pollers': 'WORKER_WORKFLOW_TASK_POLLERS',
  'activity-pollers': 'WORKER_ACTIVITY_TASK_POLLERS',
} as const;

export function parseE2eBenchOptions(argv: string[], env: NodeJS.ProcessEnv): E2eBenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: 'string' },
      opportunities: { type: 'string' },
      customers: { type: 'string' },
      rate: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'ceiling-workflows': { type: 'string' },
      timeout: { type: 'string' },
      'fast-unsafe-durability': { type: 'boolean', default: env.BENCH_FAST_DURABILITY === '1' },
      'log-level': { type: 'string', default: 'info' },
      'temporal-sqlite': { type: 'string', default: 'journal_mode=wal,synchronous=full' },
      'max-activities': { type: 'string' },
      'max-workflow-tasks': { type: 'string' },
      'max-cached': { type: 'string' },
      'workflow-pollers': { type: 'string' },
      'activity-pollers': { type: 'string' },
      label: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const events = positiveInteger('events', values.events ?? env.BENCH_EVENTS, values.quick ? 1_000 : 10_000);
  const opportunities = positiveInteger('opportunities', values.opportunities, values.quick ? 100 : 1_000);
  if (events < opportunities) throw new Error(`--events (${events}) must be at least --opportunities (${opportunities}): each opportunity is created first\n${E2E_USAGE}`);
  const workerEnv: Record<string, string> = {};
  for (const [flag, variable] of Object.entries(WORKER_FLAGS) as [keyof typeof WORKER_FLAGS, string][]) {
    const value = values[flag] ?? env[variable];
    if (value !== undefined) workerEnv[variable] = String(positiveInteger(flag, value, 0, flag === 'max-cached' ? 0 : 1));
  }
  const given = Object.entries(workerEnv).map(([name, value]) => `${name.replace('WORKER_', '').toLowerCase()}=${value}`);
  return {
    events,
    opportunities,
    customers: positiveInteger('customers', values.customers, Math.max(1, Math.round(opportunities / 4))),
    rate: positiveInteger('rate', values.rate, 250),
    maxSockets: 64,
    ceilingWorkflows: positiveInteger('ceiling-workflows', values['ceiling-workflows'], events),
    ceilingStartBatch: 100, // the outbox relay's batch size
    timeoutMs: positiveInteger('timeout', values.timeout, 10_800) * 1000,
    fastUnsafeDurability: values['fast-unsafe-durability'],
    temporalSqlitePragmas: values['temporal-sqlite'] === 'defaults' ? [] : values['temporal-sqlite'].split(',').map((pragma) => pragma.trim()).filter(Boolean),
    logLevel: values['log-level'],
    workerEnv,
    label: values.label ?? (given.length > 0 ? given.join(' ') : 'default'),
  };
}
