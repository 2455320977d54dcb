// Everything a fault scenario runs, each real and on this machine, and the handles to break each
// part and bring it back: the Temporal dev server (persisting to a file), the database (SQLite or a
// throwaway PostgreSQL), the faulty SMTP server, the worker and the web service, the last three as
// separate processes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { migrateDatabase } from '../prisma/migrate';
import { openDatabase, type Database } from '../prisma/database';
import { startDevServer, type DevServer } from '../local/local-stack';
import { freePort } from '../harness/free-port';
import { startPostgres, type TestPostgres } from '../harness/postgres';
import { PREBUILT_BUNDLE, startEntry, startWorkerEntry, waitForHttp, type RapportProcess } from '../harness/rapport-process';
import { startFaultySmtp, type FaultySmtp } from './faulty-smtp-process';
import { ACCEPT_ALL } from './faulty-smtp-protocol';

export type FaultDatabase = 'sqlite' | 'postgres';

/** MAIL_FROM's domain, which names every Message-ID the worker sends. */
export const MESSAGE_ID_DOMAIN = 'faults.example.com';
export const ADMIN = { user: 'admin', password: 'fault-suite-admin-password' };

export interface FaultStack {
  databaseKind: FaultDatabase;
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
  stopTemporal(): Promise<void>;
  startTemporal(): Promise<void>;
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
}

const READY_TIMEOUT_MS = 180_000;

const hasExited = (entry: RapportProcess) => entry.child.exitCode !== null || entry.child.signalCode !== null;

async function startDatabase(db: FaultDatabase, dir: string): Promise<{ url: string; postgres?: TestPostgres }> {
  if (db === 'sqlite') return { url: `file:${join(dir, 'rapport.db')}` };
  const postgres = await startPostgres();
  return { url: postgres.url, postgres };
}

interface Servers {
  devServer: DevServer;
  databaseUrl: string;
  postgres?: TestPostgres;
  smtp: FaultySmtp;
}

/** The servers Rapport's processes use, started in order; those started are stopped again if one fails. */
async function startServers(db: FaultDatabase, dir: string, temporalPort: number, uiPort: number): Promise<Servers> {
  const started: (() => Promise<unknown>)[] = [];
  try {
    const devServer = await startDevServer(dir, temporalPort, uiPort);
    started.push(() => devServer.stop());
    const { url: databaseUrl, postgres } = await startDatabase(db, dir);
    if (postgres) started.push(() => postgres.stop());
    await migrateDatabase(databaseUrl);
    const smtp = await startFaultySmtp();
    return { devServer, databaseUrl, postgres, smtp };
  } catch (error) {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

export async function startFaultStack({ db }: FaultStackOptions): Promise<FaultStack> {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-faults-'));
  const [temporalPort, uiPort, webPort, healthPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const servers = await startServers(db, dir, temporalPort, uiPort);
  const { databaseUrl, postgres, smtp } = servers;
  let devServer: DevServer | null = servers.devServer;
  const webUrl = `http://127.0.0.1:${webPort}`;
  const taskQueue = 'rapport-faults';
  const env = {
    TEMPORAL_ADDRESS: servers.devServer.address,
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
  const output = () => `${earlierOutput}\n--- worker ---\n${worker.output()}\n--- web ---\n${web.output()}`;
  const stopEverything = async () => {
    await Promise.all([worker.stop('SIGKILL'), web.stop('SIGKILL'), smtp.stop()]);
    await devServer?.stop();
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
  const connection = await Connection.connect({ address: servers.devServer.address });
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
  const needPostgres = (): TestPostgres => {
    if (!postgres) throw new Error('this stack runs on SQLite; stopping the database needs PostgreSQL');
    return postgres;
  };
  return {
    databaseKind: db,
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
    async stopTemporal() {
      await devServer?.stop();
      devServer = null;
    },
    async startTemporal() {
      devServer = await startDevServer(dir, temporalPort, uiPort);
    },
    stopDatabase: () => needPostgres().stopServer(),
    startDatabase: () => needPostgres().startServer(),
    async restore() {
      await smtp.acceptConnections();
      await smtp.setPolicy(ACCEPT_ALL);
      await postgres?.startServer();
      if (!devServer) devServer = await startDevServer(dir, temporalPort, uiPort);
      if (hasExited(worker)) await startWorker();
      if (hasExited(web)) await startWeb();
    },
    output,
    async stop() {
      await Promise.all([worker.stop('SIGTERM'), web.stop('SIGTERM'), smtp.stop()]);
      await connection.close();
      await database.close();
      await devServer?.stop();
      await postgres?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
