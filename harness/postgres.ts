/**
 * A throwaway PostgreSQL server for tests: initdb into a fresh temp dir, start it on a free
 * loopback port (unix socket in the temp dir too), create a database. stop() removes everything.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

export interface TestPostgres {
  url: string;
  stop: () => Promise<void>;
  /** Stops the server as an outage would (open connections are cut), keeping its data and port. */
  stopServer(): Promise<void>;
  /** Starts a server stopped by stopServer() again, on the same port with the same data. */
  startServer(): Promise<void>;
}

const run = promisify(execFile);
const SUPERUSER = 'postgres';
const DATABASE = 'rapport';
const PG_ROOT = '/usr/lib/postgresql';

function hasServerBinaries(dir: string): boolean {
  return ['initdb', 'pg_ctl', 'postgres'].every((name) => existsSync(join(dir, name)));
}

/** RAPPORT_PG_BIN, else the newest /usr/lib/postgresql/<version>/bin. */
export function findPostgresBin(): string {
  const candidates = process.env.RAPPORT_PG_BIN
    ? [process.env.RAPPORT_PG_BIN]
    : (existsSync(PG_ROOT) ? readdirSync(PG_ROOT) : []).sort((a, b) => Number(b) - Number(a)).map((version) => join(PG_ROOT, version, 'bin'));
  const found = candidates.find(hasServerBinaries);
  if (found) return found;
  throw new Error(
    `PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in ${process.env.RAPPORT_PG_BIN ?? `${PG_ROOT}/*/bin`}. ` +
      'Run the provisioning script tools/provision.sh (it installs postgresql), or set RAPPORT_PG_BIN to their folder.',
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function osUserIds(user: string): Promise<{ uid: number; gid: number }> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    throw new Error(`Running as root, but there is no "${user}" OS user to run PostgreSQL as (initdb refuses root). Run tools/provision.sh.`);
  }
}

/** initdb and postgres refuse to run as root, so as root everything runs as the postgres OS user. */
function asServerUser(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', SUPERUSER, '--', command, ...args]] : [command, args];
}

async function runServerTool(bin: string, tool: string, args: string[], logFile?: string): Promise<void> {
  const [command, finalArgs] = asServerUser(join(bin, tool), args);
  try {
    await run(command, finalArgs);
  } catch (error) {
    const log = logFile && existsSync(logFile) ? `\nServer log:\n${readFileSync(logFile, 'utf8')}` : '';
    throw new Error(`${tool} failed: ${(error as Error).message}${log}`, { cause: error });
  }
}

async function createDatabase(port: number): Promise<void> {
  const client = new Client({ host: '127.0.0.1', port, user: SUPERUSER, database: 'postgres' });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = findPostgresBin();
  const root = mkdtempSync(join(tmpdir(), 'rapport-pg-'));
  const dataDir = join(root, 'data');
  const logFile = join(root, 'server.log');
  let started = false;
  // If the test process dies without calling stop(), don't leave a server and its files behind.
  const onExit = (): void => {
    if (started) spawnSync(...asServerUser(join(bin, 'pg_ctl'), ['stop', '-D', dataDir, '-m', 'immediate']));
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', onExit);
    if (started) await runServerTool(bin, 'pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w']);
    started = false;
    rmSync(root, { recursive: true, force: true });
  };
  try {
    if (process.getuid?.() === 0) {
      const { uid, gid } = await osUserIds(SUPERUSER);
      chownSync(root, uid, gid);
    }
    await runServerTool(bin, 'initdb', ['-D', dataDir, '-U', SUPERUSER, '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
    const port = await freePort();
    const options = `-c listen_addresses=127.0.0.1 -p ${port} -k '${root}' -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    const startServer = async (): Promise<void> => {
      if (started) return;
      await runServerTool(bin, 'pg_ctl', ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', options], logFile);
      started = true;
    };
    const stopServer = async (): Promise<void> => {
      if (!started) return;
      await runServerTool(bin, 'pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w'], logFile);
      started = false;
    };
    await startServer();
    await createDatabase(port);
    return { url: `postgresql://${SUPERUSER}@127.0.0.1:${port}/${DATABASE}`, stop, stopServer, startServer };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}
