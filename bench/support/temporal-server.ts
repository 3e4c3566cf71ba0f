// The e2e benchmark's Temporal server: the platform's own dev server (startLocalTemporal), optionally with SQLite pragmas.
//
// `npm start` runs the dev server with SQLite's defaults (rollback journal, synchronous=FULL): several fsyncs per commit.
// The pragmas reach the CLI through TEMPORAL_CLI_PATH, as a wrapper script that adds `--sqlite-pragma` flags.
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../lib/local-stack/ports';
import { resolveTemporalCli, startLocalTemporal, type LocalTemporal } from '../../lib/local-stack/temporal-server';
import type { Logger } from '../../lib/logger';

/** PRAGMA=VALUE pairs the CLI accepts (journal_mode, synchronous). */
export type SqlitePragmas = string[];

const shellQuote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/** A few attempts on fresh ports: on a shared machine another process may take a free port before the server binds it. */
export async function startBenchTemporal(workDir: string, pragmas: SqlitePragmas, logger: Logger, attempts = 3): Promise<LocalTemporal & { pidFile: string }> {
  let cliPath = process.env.TEMPORAL_CLI_PATH;
  if (pragmas.length > 0) {
    const cli = await resolveTemporalCli(cliPath);
    cliPath = path.join(workDir, 'temporal-with-pragmas.sh');
    // exec: the server keeps the wrapper's pid, which startLocalTemporal records and stops.
    const flags = pragmas.map((pragma) => `--sqlite-pragma ${shellQuote(pragma)}`).join(' ');
    writeFileSync(cliPath, `#!/bin/sh\nexec ${shellQuote(cli)} "$@" ${flags}\n`);
    chmodSync(cliPath, 0o755);
  }
  for (let attempt = 1; ; attempt++) {
    const dataDir = path.join(workDir, `temporal-${attempt}`);
    try {
      const temporal = await startLocalTemporal({ dataDir, namespace: 'default', port: await freePort(), uiPort: await freePort(), cliPath, logger });
      return { ...temporal, pidFile: path.join(dataDir, 'server.pid') };
    } catch (error) {
      if (attempt >= attempts) throw error;
      logger.warn({ err: error, attempt }, 'the Temporal dev server did not start; trying again on other ports');
    }
  }
}
