// The API's log as production writes it: synchronous writes into a pipe that another process drains (stdout and a log collector).
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, constants, openSync } from 'node:fs';
import pino from 'pino';

export interface LogPipe {
  destination: pino.DestinationStream;
  close(): Promise<void>;
}

/**
 * A FIFO at `fifoPath` drained by `cat` into `logFile`. The write end is opened read-write, which on Linux does not
 * wait for the reader; a full pipe (64 KiB) blocks the writer until `cat` catches up, as a slow log collector would.
 */
export function openLogPipe(fifoPath: string, logFile: string): LogPipe {
  execFileSync('mkfifo', [fifoPath]);
  const output = openSync(logFile, 'a');
  const reader = spawn('cat', [fifoPath], { stdio: ['ignore', output, 'inherit'] });
  closeSync(output);
  const destination = pino.destination({ fd: openSync(fifoPath, constants.O_RDWR), sync: true });
  return {
    destination,
    async close() {
      const exited = once(reader, 'exit');
      destination.flushSync();
      destination.end(); // the last writer gone, `cat` reads to the end and exits
      await exited;
    },
  };
}
