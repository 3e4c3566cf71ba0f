// The API's log as production writes it: pino's default asynchronous writes into a pipe another process drains (stdout and a log collector).
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, constants, openSync } from 'node:fs';
import pino from 'pino';

export interface LogPipe {
  destination: pino.DestinationStream;
  close(): Promise<void>;
}

/**
 * A FIFO at `fifoPath` drained by `cat` into `logFile`. The write end is opened read-write first, which on Linux does
 * not wait for a reader; a full pipe (64 KiB) holds the writes back until `cat` catches up, as a slow collector would.
 */
export function openLogPipe(fifoPath: string, logFile: string): LogPipe {
  execFileSync('mkfifo', [fifoPath]);
  const destination = pino.destination({ fd: openSync(fifoPath, constants.O_RDWR), sync: false });
  const output = openSync(logFile, 'a');
  // Its own process group, like PostgreSQL's: Ctrl-C stops the benchmark, which then closes the pipe, and `cat` drains it.
  const reader = spawn('cat', [fifoPath], { stdio: ['ignore', output, 'inherit'], detached: true });
  closeSync(output);
  const exited = once(reader, 'exit').catch(() => undefined); // a `cat` that failed to start emits 'error' instead
  return {
    destination,
    async close() {
      if (reader.exitCode !== null || reader.signalCode !== null) return destination.destroy(); // nobody drains a full pipe
      destination.flushSync();
      destination.end(); // the last writer gone, `cat` reads to the end and exits
      await exited;
    },
  };
}
