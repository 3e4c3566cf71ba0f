// The pino root logger; request-scoped children carry the request id.
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'platform'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.refreshToken', '*.accessToken'],
      censor: '[redacted]',
    },
  });
}
