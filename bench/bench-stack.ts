// Everything the benchmark runs, each real and on this machine: Temporal (the dev server, or a real
// cluster whose PostgreSQL also holds the application's database), the database (SQLite or
// PostgreSQL), the SMTP counter, the worker and the web service, the last three as separate processes.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client, Connection } from '@temporalio/client';
import { migrateDatabase } from '../prisma/migrate';
import { openDatabase, type Database } from '../prisma/database';
import { startDevServer, type DevServer } from '../local/local-stack';
import { freePort } from '../harness/free-port';
import { startPostgres, type TestPostgres } from '../harness/postgres';
import { startTemporalCluster, type TemporalCluster } from '../harness/temporal-cluster';
import type { TemporalUnderTest } from '../harness/temporal-under-test';
import { PREBUILT_BUNDLE, REPO, startEntry, startWorkerEntry, waitForHttp, watch, type RapportProcess } from '../harness/rapport-process';
import { canAccountCpu, findProcess, type AccountedProcess } from './process-cpu';
import type { AcceptedMessage } from './smtp-counter';

export type BenchDatabase = 'sqlite' | 'postgres';

export interface SmtpCounter {
  url: string;
  accepted: AcceptedMessage[];
  /** Resolves once `count` accepted messages match; rejects after timeoutMs. */
  waitFor(predicate: (message: AcceptedMessage) => boolean, count: number, timeoutMs: number): Promise<AcceptedMessage[]>;
  process: RapportProcess;
}

export interface BenchStack {
  dir: string;
  env: Record<string, string>;
  client: Client;
  database: Database;
  smtp: SmtpCounter;
  worker: RapportProcess;
  web: RapportProcess;
  webUrl: string;
  /** The worker's Prometheus endpoint (always on in the benchmark; BENCH_METRICS_PORT picks its port). */
  metricsUrl: string;
  /** The processes whose CPU the benchmark accounts for, by name; none where there is no /proc. */
  processes: AccountedProcess[];
  stop(): Promise<void>;
}

async function startCounter(): Promise<SmtpCounter> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/smtp-counter.ts', String(port)], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  const accepted: AcceptedMessage[] = [];
  const started = new Promise<void>((resolve) => child.stderr.once('data', () => resolve()));
  createInterface({ input: child.stdout }).on('line', (line) => accepted.push(JSON.parse(line) as AcceptedMessage));
  const counter = watch(child);
  await started;
  return {
    url: `smtp://127.0.0.1:${port}`,
    accepted,
    process: counter,
    async waitFor(predicate, count, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = accepted.filter(predicate);
        if (found.length >= count) return found;
        if (Date.now() > deadline) throw new Error(`only ${found.length} of ${count} messages arrived in time`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}

/** Peak resident memory of a process so far (VmHWM), in MiB; null where /proc is not there. */
export function peakRssMiB(pid: number | undefined): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
    return Number.isFinite(kib) ? Math.round(kib / 1024) : null;
  } catch {
    return null;
  }
}

/**
 * The stack's processes, each with its descendants: the three the benchmark spawned by their
 * pid, the dev server by its database file (the cluster's server by its pid) and PostgreSQL (which
 * pg_ctl starts detached) by its port; and the benchmark itself alone, whose descendants are the others.
 */
function accountedProcesses(
  dir: string,
  spawned: Record<'worker' | 'web' | 'smtp', RapportProcess>,
  postgres: TestPostgres | undefined,
  cluster: TemporalCluster | undefined,
): AccountedProcess[] {
  const processes: AccountedProcess[] = Object.entries(spawned).flatMap(([name, { child }]) => (child.pid ? [{ name, pid: child.pid, tree: true }] : []));
  const temporalDb = join(dir, 'temporal.db');
  const temporal = cluster ? cluster.serverPid() : findProcess((argv) => argv.includes(temporalDb));
  if (temporal) processes.push({ name: cluster ? 'temporal-cluster' : 'temporal', pid: temporal, tree: true });
  if (postgres) {
    const port = new URL(postgres.url).port;
    const postmaster = findProcess((argv) => basename(argv[0]) === 'postgres' && argv.some((arg, i) => arg === '-p' && argv[i + 1] === port));
    if (postmaster) processes.push({ name: 'postgres', pid: postmaster, tree: true });
  }
  processes.push({ name: 'benchmark', pid: process.pid, tree: false });
  return processes;
}

/** The Temporal and the PostgreSQL (if any) a stack runs on; on the cluster the two share one PostgreSQL. */
async function startServers(
  db: BenchDatabase,
  temporal: TemporalUnderTest,
  dir: string,
): Promise<{ address: string; devServer?: DevServer; cluster?: TemporalCluster; postgres?: TestPostgres }> {
  if (temporal === 'cluster') {
    if (db !== 'postgres') throw new Error("--temporal cluster keeps the application's database on the cluster's PostgreSQL: use --db postgres");
    const cluster = await startTemporalCluster();
    return { address: cluster.address, cluster, postgres: cluster.postgres };
  }
  const [temporalPort, uiPort] = await Promise.all([freePort(), freePort()]);
  const [devServer, postgres] = await Promise.all([
    startDevServer(dir, temporalPort, uiPort),
    db === 'postgres' ? startPostgres() : Promise.resolve(undefined),
  ]);
  return { address: devServer.address, devServer, postgres };
}

export async function startBenchStack(db: BenchDatabase, temporal: TemporalUnderTest = 'dev'): Promise<BenchStack> {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-'));
  const [webPort, healthPort, freeMetricsPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const metricsPort = process.env.BENCH_METRICS_PORT ?? String(freeMetricsPort);
  const { address: temporalAddress, devServer, cluster, postgres } = await startServers(db, temporal, dir);
  // The cluster stops its own PostgreSQL.
  const stopServers = async () => {
    await devServer?.stop();
    await (cluster ? cluster.stop() : postgres?.stop());
  };
  const databaseUrl = postgres?.url ?? `file:${join(dir, 'rapport.db')}`;
  await migrateDatabase(databaseUrl);
  const smtp = await startCounter();
  const webUrl = `http://127.0.0.1:${webPort}`;
  const env = {
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: 'rapport-bench',
    DATABASE_URL: databaseUrl,
    SMTP_URL: smtp.url,
    MAIL_FROM: 'Rapport <rapport@example.com>',
    // Calendar invites are emails too; this run counts the cycle's own (calendar-invites.test.ts covers them).
    CALENDAR_INVITES: 'off',
    PUBLIC_BASE_URL: webUrl,
    WORKFLOW_BUNDLE_PATH: PREBUILT_BUNDLE,
    LOG_LEVEL: 'warn',
  };
  // WORKER_* tuning variables set for the benchmark reach its worker, to compare settings.
  const tuning = Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[0].startsWith('WORKER_') && entry[1] !== undefined),
  );
  // BENCH_WORKER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the worker.
  const nodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const worker = startWorkerEntry({ ...env, ...tuning, METRICS_PORT: metricsPort, HEALTH_PORT: String(healthPort), METRICS_HOST: '127.0.0.1' }, nodeArgs);
  const web = startEntry('server/main.ts', { ...env, WEB_PORT: String(webPort), RATE_LIMIT_PER_MINUTE: '100000' });
  try {
    await Promise.all([waitForHttp(`http://127.0.0.1:${healthPort}/readyz`, worker), waitForHttp(`${webUrl}/readyz`, web)]);
  } catch (error) {
    // Nothing is left running when the stack cannot start.
    await Promise.all([worker.stop('SIGKILL'), web.stop('SIGKILL'), smtp.process.stop('SIGKILL'), stopServers()]);
    throw error;
  }
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection });
  const database = openDatabase(databaseUrl);
  return {
    dir,
    env,
    client,
    database,
    smtp,
    worker,
    web,
    webUrl,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    processes: canAccountCpu() ? accountedProcesses(dir, { worker, web, smtp: smtp.process }, postgres, cluster) : [],
    async stop() {
      await Promise.all([worker.stop('SIGTERM'), web.stop('SIGTERM'), smtp.process.stop('SIGTERM')]);
      await connection.close();
      await database.close();
      await stopServers();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
