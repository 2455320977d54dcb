/**
 * A real Temporal cluster for tests, as ops teams run one: the server built from go.temporal.io/server
 * (tools/provision.sh cluster), all four services in one process, persisting to PostgreSQL (a
 * throwaway one from harness/postgres.ts unless given one). Its schemas are created or upgraded with
 * the server's own SQL tool, its config is the module's development-postgres12.yaml with the ports,
 * the addresses and the databases changed and archival removed, and its namespace and Rapport's
 * search attribute are registered before it is handed over. The server can be stopped and started
 * again on the same ports and data, as an outage would.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { parse, stringify } from 'yaml';
import { resolveTemporalCluster, type TemporalClusterBinaries } from '../local/temporal-binaries';
import { MANAGER_KEY_ATTRIBUTE, registerManagerKeyAttribute } from '../pairs/manager-search';
import { startPostgres, type TestPostgres } from './postgres';

export interface TemporalCluster {
  /** The frontend's host:port. */
  address: string;
  namespace: string;
  /** The PostgreSQL the cluster persists to. */
  postgres: TestPostgres;
  /** Everything the server logged (warnings and errors). */
  log(): string;
  /** Stops the server process (SIGTERM), keeping its data and ports. */
  stopServer(): Promise<void>;
  /** Kills the server process with SIGKILL, as a crash would, keeping its data and ports. */
  killServer(): Promise<void>;
  /** Starts a server stopped by stopServer() or killServer() again and waits until it serves the namespace. */
  startServer(): Promise<void>;
  /** The server's process id while it runs. */
  serverPid(): number | undefined;
  /** Stops the server and, when the cluster started it, PostgreSQL; removes every file. */
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** Persist to this PostgreSQL rather than a throwaway one (it is not stopped with the cluster). */
  postgres?: TestPostgres;
  namespace?: string;
}

const run = promisify(execFile);
const DATABASES = [
  { name: 'temporal', schema: 'postgresql/v12/temporal' },
  { name: 'temporal_visibility', schema: 'postgresql/v12/visibility' },
];
const READY_TIMEOUT_MS = 120_000;

interface Ports {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

/** Whether a TCP port is free on 127.0.0.1 right now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Free ports below 32768: the cluster stores its members' ports in a PostgreSQL smallint, and the
 * OS hands out ephemeral ports (harness/free-port.ts) above it.
 */
async function freePortsBelow32768(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!ports.includes(port) && (await isFree(port))) ports.push(port);
  }
  return ports;
}

async function freePorts(): Promise<Ports> {
  const [frontend, frontendHttp, frontendMembership, history, historyMembership, matching, matchingMembership, worker, workerMembership] =
    await freePortsBelow32768(9);
  return { frontend, frontendHttp, frontendMembership, history, historyMembership, matching, matchingMembership, worker, workerMembership };
}

/** The SQL tool's connection flags for one database of the PostgreSQL at url. */
function sqlFlags(url: URL, database: string): string[] {
  return [
    '--plugin',
    'postgres12',
    '--ep',
    url.hostname,
    '-p',
    url.port,
    '-u',
    decodeURIComponent(url.username),
    '--pw',
    decodeURIComponent(url.password),
    '--db',
    database,
  ];
}

async function sqlTool(binaries: TemporalClusterBinaries, url: URL, database: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(binaries.sql, [...sqlFlags(url, database), ...args]);
    return stdout + stderr;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`temporal sql tool ${args[0]} on ${database} failed: ${failed.stderr || failed.stdout || failed.message}`, { cause: error });
  }
}

/**
 * Creates the databases and their schemas, or upgrades schemas an earlier run left: setup-schema
 * -v 0.0 lays down the version table, update-schema applies every versioned step the tool embeds.
 */
export async function prepareClusterSchemas(binaries: TemporalClusterBinaries, postgresUrl: string): Promise<void> {
  const url = new URL(postgresUrl);
  for (const { name, schema } of DATABASES) {
    const created = await sqlTool(binaries, url, name, ['create-database']).then(
      () => true,
      (error: Error) => {
        if (/already exists/i.test(error.message)) return false;
        throw error;
      },
    );
    if (created) await sqlTool(binaries, url, name, ['setup-schema', '-v', '0.0']);
    await sqlTool(binaries, url, name, ['update-schema', '--schema-name', schema]);
  }
}

type Yaml = Record<string, unknown>;
const section = (parent: Yaml, key: string): Yaml => parent[key] as Yaml;

/** The module's development-postgres12.yaml, pointed at this PostgreSQL and these ports, without archival. */
export function clusterConfig(template: string, postgresUrl: string, ports: Ports, dir: string): string {
  const config = parse(template) as Yaml;
  const url = new URL(postgresUrl);
  const datastores = section(section(config, 'persistence'), 'datastores');
  for (const store of Object.values(datastores) as Yaml[]) {
    const sql = section(store, 'sql');
    Object.assign(sql, { connectAddr: `${url.hostname}:${url.port}`, user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) });
  }
  const global = section(config, 'global');
  // No pprof or Prometheus listener: fixed ports that two clusters on one machine would fight over.
  delete global.pprof;
  delete global.metrics;
  Object.assign(section(global, 'membership'), { broadcastAddress: '127.0.0.1' });
  const services = section(config, 'services');
  const rpc = (name: string) => section(section(services, name), 'rpc');
  Object.assign(rpc('frontend'), { grpcPort: ports.frontend, httpPort: ports.frontendHttp, membershipPort: ports.frontendMembership });
  Object.assign(rpc('history'), { grpcPort: ports.history, membershipPort: ports.historyMembership });
  Object.assign(rpc('matching'), { grpcPort: ports.matching, membershipPort: ports.matchingMembership });
  Object.assign(rpc('worker'), { grpcPort: ports.worker, membershipPort: ports.workerMembership });
  const clusterInformation = section(section(config, 'clusterMetadata'), 'clusterInformation');
  for (const cluster of Object.values(clusterInformation) as Yaml[]) cluster.rpcAddress = `127.0.0.1:${ports.frontend}`;
  delete config.archival;
  delete config.namespaceDefaults;
  config.log = { stdout: true, level: 'warn' };
  config.dynamicConfigClient = { filepath: join(dir, 'dynamic-config.yaml'), pollInterval: '10s' };
  return stringify(config);
}

/** As the dev server does: a search attribute registered a moment ago is usable at once. */
const DYNAMIC_CONFIG = `system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
`;

async function untilReady<T>(what: string, attempt: () => Promise<T>, exited: () => string | undefined): Promise<T> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      const exit = exited();
      if (exit !== undefined) throw new Error(`the Temporal server exited (${exit}) before ${what}`, { cause: error });
      if (Date.now() > deadline)
        throw new Error(`the Temporal server did not get to ${what} in ${READY_TIMEOUT_MS / 1000} s: ${(error as Error).message}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** Registers the namespace (an existing one is fine) and Rapport's search attribute, once the frontend serves it. */
async function registerNamespace(address: string, namespace: string, exited: () => string | undefined): Promise<void> {
  const connection = await untilReady('accepting connections', () => Connection.connect({ address, connectTimeout: 2_000 }), exited);
  try {
    await untilReady('answering', () => connection.workflowService.getSystemInfo({}), exited);
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('3 days') }).catch((error: Error) => {
      if (!/already exists|already registered/i.test(error.message)) throw error;
    });
    const client = new Client({ connection, namespace });
    // The frontend learns of a new namespace from its cache, refreshed every few seconds.
    await untilReady('serving the namespace', () => registerManagerKeyAttribute(client, namespace), exited);
    await untilReady(
      `listing the ${MANAGER_KEY_ATTRIBUTE.name} search attribute`,
      async () => {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
        if (!(MANAGER_KEY_ATTRIBUTE.name in (customAttributes ?? {}))) throw new Error(`${MANAGER_KEY_ATTRIBUTE.name} not listed yet`);
      },
      exited,
    );
    await untilReady('listing workflows', () => connection.workflowService.countWorkflowExecutions({ namespace }), exited);
  } finally {
    await connection.close();
  }
}

export async function startTemporalCluster(options: ClusterOptions = {}): Promise<TemporalCluster> {
  const binaries = resolveTemporalCluster();
  const namespace = options.namespace ?? 'default';
  const dir = mkdtempSync(join(tmpdir(), 'rapport-cluster-'));
  const ownPostgres = options.postgres === undefined;
  let postgres: TestPostgres | undefined = options.postgres;
  let child: ChildProcess | undefined;
  let output = '';
  let exitedWith: string | undefined;
  let exited: Promise<void> = Promise.resolve();
  const ports = await freePorts();
  const address = `127.0.0.1:${ports.frontend}`;
  const configFile = join(dir, 'temporal.yaml');

  const startServer = async (): Promise<void> => {
    if (child) return;
    exitedWith = undefined;
    const started = spawn(binaries.server, ['--config-file', configFile, '--allow-no-auth', 'start'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    exited = new Promise<void>((resolve) =>
      started.once('exit', (code, signal) => {
        exitedWith = signal ?? `exit code ${code}`;
        if (child === started) child = undefined;
        resolve();
      }),
    );
    try {
      await registerNamespace(address, namespace, () => exitedWith);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nServer log:\n${output.slice(-4_000)}`, { cause: error });
    }
  };
  const stopServer = async (): Promise<void> => {
    if (!child) return;
    child.kill('SIGTERM');
    const killLater = setTimeout(() => child?.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(killLater);
  };
  const killServer = async (): Promise<void> => {
    if (!child) return;
    child.kill('SIGKILL');
    await exited;
  };
  const onExit = (): void => {
    child?.kill('SIGKILL');
  };
  process.once('exit', onExit);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', onExit);
    await stopServer();
    if (ownPostgres) await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    postgres ??= await startPostgres();
    await prepareClusterSchemas(binaries, postgres.url);
    writeFileSync(join(dir, 'dynamic-config.yaml'), DYNAMIC_CONFIG);
    writeFileSync(configFile, clusterConfig(readFileSync(binaries.postgresConfig, 'utf8'), postgres.url, ports, dir));
    await startServer();
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
  return { address, namespace, postgres, log: () => output, stopServer, killServer, startServer, serverPid: () => child?.pid, stop };
}
