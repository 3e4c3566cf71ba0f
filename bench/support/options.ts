// Command-line flags (with environment fallbacks) of `npm run bench:ingest`.
import { parseArgs } from 'node:util';
import { flagValues } from './flag-values';

export interface IngestBenchOptions {
  concurrencies: number[];
  /** Length of each max-rate phase (ingest and ceiling alike), in ms. */
  phaseMs: number;
  /** Interleaved ceiling/ingest rounds each max-rate phase is split into. */
  rounds: number;
  warmupMs: number;
  fixedRate: number;
  fixedRateMs: number;
  /** Connections the open-loop phase may open (requests queue client-side beyond that, and their wait counts). */
  fixedRateMaxSockets: number;
  fastUnsafeDurability: boolean;
  apiPoolMax: number | undefined;
  apiLogLevel: string;
}

export const USAGE = `Usage: npm run bench:ingest -- [flags]
  --duration <s>              each max-rate phase, ingest and ceiling (default 10; env BENCH_DURATION_S)
  --rounds <n>                interleaved ceiling/ingest rounds per max-rate phase (default 5; 2 with --quick)
  --concurrency <list>        connections of the max-rate phases (default 1,8,32,64)
  --rate <n>                  arrival rate of the open-loop phase, requests/s (default 1000)
  --rate-duration <s>         length of the open-loop phase (default 30; env BENCH_RATE_DURATION_S)
  --quick                     2 s phases and a 5 s open loop, for a smoke run
  --fast-unsafe-durability    fsync=off, synchronous_commit=off, full_page_writes=off (the test suite's settings; not production's)
  --db-pool <n>               the API's Sequelize pool size (default: the platform's default; env BENCH_DB_POOL)
  --log-level <level>         the API's request log level (default info, as in production); the log goes through a pipe, as stdout to a log collector`;

const { positiveNumber, positiveInteger } = flagValues(USAGE);

export function parseIngestBenchOptions(argv: string[], env: NodeJS.ProcessEnv): IngestBenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      concurrency: { type: 'string' },
      rate: { type: 'string' },
      rounds: { type: 'string' },
      'rate-duration': { type: 'string' },
      quick: { type: 'boolean', default: false },
      'fast-unsafe-durability': { type: 'boolean', default: env.BENCH_FAST_DURABILITY === '1' },
      'db-pool': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const concurrencies = (values.concurrency ?? '1,8,32,64').split(',').map((value) => positiveInteger('concurrency', value.trim(), 1));
  const poolMax = values['db-pool'] ?? env.BENCH_DB_POOL;
  return {
    concurrencies,
    phaseMs: positiveNumber('duration', values.duration ?? env.BENCH_DURATION_S, values.quick ? 2 : 10) * 1000,
    rounds: positiveInteger('rounds', values.rounds, values.quick ? 2 : 5),
    warmupMs: values.quick ? 500 : 2000,
    fixedRate: positiveNumber('rate', values.rate, 1000),
    fixedRateMs: positiveNumber('rate-duration', values['rate-duration'] ?? env.BENCH_RATE_DURATION_S, values.quick ? 5 : 30) * 1000,
    fixedRateMaxSockets: 256,
    fastUnsafeDurability: values['fast-unsafe-durability'],
    apiPoolMax: poolMax === undefined ? undefined : positiveInteger('db-pool', poolMax, 10),
    apiLogLevel: values['log-level'],
  };
}
