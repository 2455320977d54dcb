// Everything a fault scenario runs, each real and on this machine, and the handles to break each
// part and bring it back: Temporal (the dev server persisting to a file, or a real cluster on a
// PostgreSQL of its own), the database (SQLite or a throwaway PostgreSQL), the faulty SMTP server,
// the worker and the web service, the last three as separate processes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { migrateDatabase } from '../prisma/migrate';
import { openDatabase, type Database } from '../prisma/database';
import { startDevServer, type DevServer } from '../local/local-stack';
import { freePort } from '../harness/free-port';
import { startPostgres, type TestPostgres } from '../harness/postgres';
import { startTemporalCluster, type TemporalCluster } from '../harness/temporal-cluster';
import type { TemporalUnderTest } from '../harness/temporal-under-test';
import { PREBUILT_BUNDLE, startEntry, startWorkerEntry, waitForHttp, type RapportProcess } from '../harness/rapport-process';
import { startFaultySmtp, type FaultySmtp } from './faulty-smtp-process';
import { ACCEPT_ALL } from './faulty-smtp-protocol';

export type FaultDatabase = 'sqlite' | 'postgres';

/** MAIL_FROM's domain, which names every Message-ID the worker sends. */
export const MESSAGE_ID_DOMAIN = 'faults.example.com';
export const ADMIN = { user: 'admin', password: 'fault-suite-admin-password' };

export interface FaultStack {
  databaseKind: FaultDatabase;
  temporalKind: TemporalUnderTest;
  taskQueue: string;
  webUrl: string;
  client: Client;
  database: Database;
  smtp: FaultySmtp;
  /** The worker and web processes running now (a restart replaces them). */
  readonly worker: RapportProcess;
  readonly web: RapportProcess;
  killWorker(): Promise<void>;
  startWorker(): Promise<void>;
  killWeb(): Promise<void>;
  startWeb(): Promise<void>;
  /** Stops Temporal (the dev server, or the cluster's server with SIGTERM), keeping its data. */
  stopTemporal(): Promise<void>;
  startTemporal(): Promise<void>;
  /** Cluster only: kills the cluster's server with SIGKILL; startTemporal() brings it back. */
  killTemporal(): Promise<void>;
  /** Cluster only: stops the cluster's own PostgreSQL (its data and port kept) and starts it again. */
  stopTemporalDatabase(): Promise<void>;
  startTemporalDatabase(): Promise<void>;
  /** Cluster only: whether the cluster's server process is still running. */
  temporalRunning(): boolean;
  /** PostgreSQL only: stops the server (its data and port kept) and starts it again. */
  stopDatabase(): Promise<void>;
  startDatabase(): Promise<void>;
  /** Brings back whatever a scenario left broken: every part running, the SMTP server accepting all. */
  restore(): Promise<void>;
  /** Everything the worker and web service have printed, for a report when something went wrong. */
  output(): string;
  stop(): Promise<void>;
}

export interface FaultStackOptions {
  db: FaultDatabase;
  /** The dev server (the default) or a real cluster, whose PostgreSQL is not the application's. */
  temporal?: TemporalUnderTest;
}

const READY_TIMEOUT_MS = 180_000;

const hasExited = (entry: RapportProcess) => entry.child.exitCode !== null || entry.child.signalCode !== null;

async function startDatabase(db: FaultDatabase, dir: string): Promise<{ url: string; postgres?: TestPostgres }> {
  if (db === 'sqlite') return { url: `file:${join(dir, 'rapport.db')}` };
  const postgres = await startPostgres();
  return { url: postgres.url, postgres };
}

/** The Temporal a stack runs on, either kind, behind one set of handles. */
interface Temporal {
  address: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops for good, removing the data. */
  close(): Promise<void>;
  cluster?: TemporalCluster;
}

function devTemporal(dir: string, port: number, uiPort: number, first: DevServer): Temporal {
  let devServer: DevServer | null = first;
  return {
    address: first.address,
    async stop() {
      await devServer?.stop();
      devServer = null;
    },
    async start() {
      devServer ??= await startDevServer(dir, port, uiPort);
    },
    async close() {
      await devServer?.stop();
      devServer = null;
    },
  };
}

function clusterTemporal(cluster: TemporalCluster): Temporal {
  return {
    address: cluster.address,
    cluster,
    stop: () => cluster.stopServer(),
    async start() {
      // Each is a no-op when already running; a server whose PostgreSQL went away may have exited.
      await cluster.postgres.startServer();
      await cluster.startServer();
    },
    close: () => cluster.stop(),
  };
}

async function startTemporal(kind: TemporalUnderTest, dir: string, port: number, uiPort: number): Promise<Temporal> {
  if (kind === 'cluster') return clusterTemporal(await startTemporalCluster());
  return devTemporal(dir, port, uiPort, await startDevServer(dir, port, uiPort));
}

interface Servers {
  temporal: Temporal;
  databaseUrl: string;
  postgres?: TestPostgres;
  smtp: FaultySmtp;
}

/** The servers Rapport's processes use, started in order; those started are stopped again if one fails. */
async function startServers(kind: TemporalUnderTest, db: FaultDatabase, dir: string, temporalPort: number, uiPort: number): Promise<Servers> {
  const started: (() => Promise<unknown>)[] = [];
  try {
    const temporal = await startTemporal(kind, dir, temporalPort, uiPort);
    started.push(() => temporal.close());
    const { url: databaseUrl, postgres } = await startDatabase(db, dir);
    if (postgres) started.push(() => postgres.stop());
    await migrateDatabase(databaseUrl);
    const smtp = await startFaultySmtp();
    return { temporal, databaseUrl, postgres, smtp };
  } catch (error) {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

export async function startFaultStack({ db, temporal: temporalKind = 'dev' }: FaultStackOptions): Promise<FaultStack> {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-faults-'));
  const [temporalPort, uiPort, webPort, healthPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const servers = await startServers(temporalKind, db, dir, temporalPort, uiPort);
  const { databaseUrl, postgres, smtp, temporal } = servers;
  const webUrl = `http://127.0.0.1:${webPort}`;
  const taskQueue = 'rapport-faults';
  const env = {
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATABASE_URL: databaseUrl,
    SMTP_URL: smtp.url,
    MAIL_FROM: `Rapport <rapport@${MESSAGE_ID_DOMAIN}>`,
    // Calendar invites are emails too; this run counts the cycle's own (calendar-invites.test.ts covers them).
    CALENDAR_INVITES: 'off',
    PUBLIC_BASE_URL: webUrl,
    WORKFLOW_BUNDLE_PATH: PREBUILT_BUNDLE,
    LOG_LEVEL: 'warn',
  };
  const workerEnv = { ...env, METRICS_PORT: 'off', HEALTH_PORT: String(healthPort), METRICS_HOST: '127.0.0.1', WORKER_SHUTDOWN_GRACE_SECONDS: '5' };
  const webEnv = {
    ...env,
    WEB_PORT: String(webPort),
    RATE_LIMIT_PER_MINUTE: '100000',
    ADMIN_USER: ADMIN.user,
    ADMIN_PASSWORD: ADMIN.password,
    SESSION_SECRET: 'fault-suite-session-secret-of-32-characters-or-more',
    ANSWER_REDELIVERY_SECONDS: '5',
  };
  let worker = startWorkerEntry(workerEnv);
  let web = startEntry('server/main.ts', webEnv);
  // Output of processes that were killed and replaced, kept for the report.
  let earlierOutput = '';
  const clusterLog = () => (temporal.cluster ? `\n--- Temporal cluster (warnings and errors) ---\n${temporal.cluster.log().slice(-20_000)}` : '');
  const output = () => `${earlierOutput}\n--- worker ---\n${worker.output()}\n--- web ---\n${web.output()}${clusterLog()}`;
  const stopEverything = async () => {
    await Promise.all([worker.stop('SIGKILL'), web.stop('SIGKILL'), smtp.stop()]);
    await temporal.close();
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all([
      waitForHttp(`http://127.0.0.1:${healthPort}/readyz`, worker, 200, READY_TIMEOUT_MS),
      waitForHttp(`${webUrl}/readyz`, web, 200, READY_TIMEOUT_MS),
    ]);
  } catch (error) {
    // Nothing is left running when the stack cannot start.
    await stopEverything();
    throw error;
  }
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const database = openDatabase(databaseUrl);
  const startWorker = async () => {
    worker = startWorkerEntry(workerEnv);
    await waitForHttp(`http://127.0.0.1:${healthPort}/readyz`, worker, 200, READY_TIMEOUT_MS);
  };
  const startWeb = async () => {
    web = startEntry('server/main.ts', webEnv);
    await waitForHttp(`${webUrl}/readyz`, web, 200, READY_TIMEOUT_MS);
  };
  const needCluster = (): TemporalCluster => {
    if (!temporal.cluster) throw new Error('this stack runs on the Temporal dev server; this fault needs the cluster (--temporal cluster)');
    return temporal.cluster;
  };
  const needPostgres = (): TestPostgres => {
    if (!postgres) throw new Error('this stack runs on SQLite; stopping the database needs PostgreSQL');
    return postgres;
  };
  return {
    databaseKind: db,
    temporalKind,
    taskQueue,
    webUrl,
    client,
    database,
    smtp,
    get worker() {
      return worker;
    },
    get web() {
      return web;
    },
    async killWorker() {
      await worker.stop('SIGKILL');
      earlierOutput += `\n--- worker (killed) ---\n${worker.output()}`;
    },
    startWorker,
    async killWeb() {
      await web.stop('SIGKILL');
      earlierOutput += `\n--- web (killed) ---\n${web.output()}`;
    },
    startWeb,
    stopTemporal: () => temporal.stop(),
    startTemporal: () => temporal.start(),
    killTemporal: () => needCluster().killServer(),
    stopTemporalDatabase: () => needCluster().postgres.stopServer(),
    startTemporalDatabase: () => needCluster().postgres.startServer(),
    temporalRunning: () => needCluster().serverPid() !== undefined,
    stopDatabase: () => needPostgres().stopServer(),
    startDatabase: () => needPostgres().startServer(),
    async restore() {
      await smtp.acceptConnections();
      await smtp.setPolicy(ACCEPT_ALL);
      await postgres?.startServer();
      await temporal.start();
      if (hasExited(worker)) await startWorker();
      if (hasExited(web)) await startWeb();
    },
    output,
    async stop() {
      await Promise.all([worker.stop('SIGTERM'), web.stop('SIGTERM'), smtp.stop()]);
      await connection.close();
      await database.close();
      await temporal.close();
      await postgres?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
