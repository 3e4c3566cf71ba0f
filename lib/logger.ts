// The pino root logger; request-scoped children carry the request id.
import pino, { type Logger } from 'pino';

export type { Logger };

/** Logs to stdout (pino's default: asynchronous writes, flushed on exit) unless given another destination (the benchmarks'). */
export function createLogger(level: string, name = 'platform', destination?: pino.DestinationStream): Logger {
  const options = {
    name,
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.refreshToken', '*.accessToken'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
