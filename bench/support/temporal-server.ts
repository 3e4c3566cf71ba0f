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

/** Listens on `port` (chosen beforehand, so the API can be given the address while the server starts). */
export async function startBenchTemporal(workDir: string, port: number, pragmas: SqlitePragmas, logger: Logger): Promise<LocalTemporal & { pidFile: string }> {
  let cliPath = process.env.TEMPORAL_CLI_PATH;
  if (pragmas.length > 0) {
    const cli = await resolveTemporalCli(cliPath);
    cliPath = path.join(workDir, 'temporal-with-pragmas.sh');
    // exec: the server keeps the wrapper's pid, which startLocalTemporal records and stops.
    const flags = pragmas.map((pragma) => `--sqlite-pragma ${shellQuote(pragma)}`).join(' ');
    writeFileSync(cliPath, `#!/bin/sh\nexec ${shellQuote(cli)} "$@" ${flags}\n`);
    chmodSync(cliPath, 0o755);
  }
  const dataDir = path.join(workDir, 'temporal');
  const temporal = await startLocalTemporal({ dataDir, namespace: 'default', port, uiPort: await freePort(), cliPath, logger });
  return { ...temporal, pidFile: path.join(dataDir, 'server.pid') };
}
