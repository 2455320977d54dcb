// The main job on embedded defaults: migrates the SQLite database, starts a Temporal dev server
// persisting under the data folder, a local SMTP server keeping mail as .eml files, and the
// worker, then makes sure a sample pair exists (restarting its workflow if it was stopped in
// Temporal) and prints where everything is. Ctrl-C stops it; starting again continues the same
// pairs where they were. If any part fails to start, every part already started is stopped.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { managerKeyOf } from '../pairs/manager-search';
import { pairSettingsFromRow } from '../pairs/pair-rows';
import { livenessOf } from '../pairs/pair-liveness';
import { restartPair, type RestartedPair } from '../pairs/pair-restart';
import { pairStatusView, type PairStatusView } from '../pairs/pair-status-view';
import { registerPair, startPairWorkflow, type NewPair } from '../pairs/registration';
import type { RapportPrisma } from '../prisma/database';
import { migrateDatabase } from '../prisma/migrate';
import { loadConfig } from '../config/config';
import { localHostsOf } from './local-hosts';
import { startDevServer, startLocalMailServer } from './local-stack';
import { preparePrivateDataFolder } from './private-data-folder';
import { alreadyRunning, takeRunningLock } from './running-lock';
import { createRapportWorker, openActivityRuntime } from '../worker/rapport-worker';
import { dataConverterOption } from '../temporal/connection';
import { createRapportMetrics, installRuntime } from '../worker/telemetry';
import { workflowCodeFor } from '../worker/workflow-bundle';
import { startWebService } from '../server/web-service';
import { registerMailViewer } from './mail-viewer/mail-viewer';

const MANAGER = { name: 'Maya Manager', email: 'maya.manager@example.com' };

/** The weekly sample pair, as a real pair would run. */
const SAMPLE: NewPair = {
  manager: MANAGER,
  report: { name: 'Ravi Report', email: 'ravi.report@example.com' },
  settings: { cadence: { kind: 'weekly', everyWeeks: 1, weekday: 4 }, meetingTime: '10:00', timeZone: 'Europe/Berlin' },
  formatNote: 'a walk around the block',
};

/**
 * The demo pair: a meeting every five minutes, so the reflection, reminder, agenda, follow-up and
 * feedback emails all arrive within about ten minutes of starting.
 */
const DEMO: NewPair = {
  manager: MANAGER,
  report: { name: 'Dana Demo', email: 'dana.demo@example.com' },
  settings: {
    cadence: { kind: 'demo', everyMinutes: 5 },
    meetingTime: '00:00',
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
    durationMinutes: 1,
    offsets: { reflectionBefore: 3, reminderBefore: 2, agendaBefore: 1, followUpAfter: 1 },
    feedbackEveryCycles: 1,
  },
  formatNote: 'a demo: a meeting every five minutes',
};

function localAdminPassword(dataDir: string): string {
  const file = join(dataDir, 'admin-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(12).toString('base64url');
  writeFileSync(file, password, { mode: 0o600 });
  return password;
}

/** The sample pair's status as the database holds it, once its first cycle is planned (a moment after start). */
async function sampleStatus(db: RapportPrisma, pairId: string): Promise<PairStatusView> {
  for (let attempt = 0; ; attempt += 1) {
    const status = pairStatusView(await db.pair.findUniqueOrThrow({ where: { id: pairId } }), null);
    if ((status.stage !== null && status.stage !== 'planning') || attempt >= 40) return status;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

interface EnsuredPair {
  pairId: string;
  pair: NewPair;
  /** Set when its workflow had stopped in Temporal and was restarted. */
  restarted?: RestartedPair;
}

/**
 * Makes sure the pair exists and its workflow runs: starting again attaches to the running one,
 * and one stopped in Temporal (terminated, failed…) is restarted, carrying on from the database.
 */
async function ensurePair(client: Client, db: RapportPrisma, taskQueue: string, pair: NewPair): Promise<EnsuredPair> {
  const existing = await db.pair.findFirst({ where: { managerEmail: pair.manager.email, reportEmail: pair.report.email } });
  const pairId = existing?.id ?? (await registerPair(db, pair)).pairId;
  const row = await db.pair.findUniqueOrThrow({ where: { id: pairId } });
  if (row.status === 'ended') return { pairId, pair };
  const liveness = await livenessOf(client, pairId);
  if (liveness.kind === 'stopped' && liveness.run.status !== 'NOT_FOUND') {
    return { pairId, pair, restarted: await restartPair({ db, temporal: client, taskQueue }, pairId) };
  }
  if (liveness.kind !== 'completed') await startPairWorkflow(client, taskQueue, pairId, pairSettingsFromRow(row), await managerKeyOf(db, row.managerEmail));
  return { pairId, pair };
}

/** Stops one thing the main job started. */
type Stop = () => Promise<unknown>;

/** Stops what was started, the last first; one that fails to stop does not keep the others running. */
async function stopAll(stops: Stop[]): Promise<void> {
  for (let stop = stops.pop(); stop; stop = stops.pop()) await stop().catch(() => undefined);
}

/** An error's message on one line. */
const oneLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join('; ');

/** Runs one step of starting, naming it in the error if it fails. */
async function starting<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new Error(`${what}: ${oneLine(error)}`, { cause: error });
  }
}

/** The banner's rows, every value starting in the same column. */
function bannerRows(rows: [label: string, value: string][]): string {
  const width = Math.max(...rows.map(([label]) => label.length)) + 3;
  return rows.map(([label, value]) => `  ${label.padEnd(width)}${value}`).join('\n');
}

/** A second main job on the same data folder: said as it is, without "did not start: …". */
class AlreadyRunning extends Error {}

function restartNotice(sample: EnsuredPair, label: string): string {
  const restarted = sample.restarted;
  if (!restarted) return '';
  const { status, reason } = restarted.stopped;
  return `\nThe ${label}'s workflow had stopped in Temporal (${reason ? `${status}: ${reason}` : status}): restarted it, carrying on with meeting ${restarted.cycle}.`;
}

/**
 * Starts everything, pushing how to stop each part onto `stops` as it comes up, and prints where
 * everything is. Gives the worker's run, which ends when Ctrl-C stops the worker.
 */
async function startEverything(stops: Stop[]): Promise<{ running: Promise<void> }> {
  const config = loadConfig();
  const dataDir = resolve(config.dataDir);
  const tightened = preparePrivateDataFolder(dataDir);
  if (tightened) console.log(tightened);
  // Before anything binds a port: a second main job on this folder is told where the first runs.
  const lock = takeRunningLock(dataDir, `http://${config.web.host}:${config.web.port}`);
  if (!lock.taken) throw new AlreadyRunning(alreadyRunning(lock.holder, dataDir));
  stops.push(async () => lock.release());
  installRuntime(config);
  const migrated = await starting('migrating the database', () => migrateDatabase(config.databaseUrl));
  if (migrated.applied.length > 0) console.log(`database migrated: ${migrated.applied.join(', ')}`);

  const mailDir = join(dataDir, 'mail');
  const smtpPort = Number(new URL(config.smtpUrl).port || 2525);
  const mail = await starting(`the local SMTP server on port ${smtpPort}`, () =>
    startLocalMailServer(mailDir, smtpPort, (file) => console.log(`mail received: ${file}`)),
  );
  stops.push(() => mail.stop());
  // The dev server listens where TEMPORAL_ADDRESS points (localhost:7233 unless set).
  const devServer = await starting('the Temporal dev server', () =>
    startDevServer(dataDir, Number(config.temporal.address.split(':')[1]), config.temporalUiPort),
  );
  stops.push(() => devServer.stop());
  const metrics = config.ops.metricsPort === null ? undefined : createRapportMetrics();
  const runtime = openActivityRuntime({ ...config, smtpUrl: mail.url }, metrics ? { onEmail: metrics.onEmail, onAnswer: metrics.onAnswer } : {});
  stops.push(() => runtime.close());
  const connection = await starting('connecting the worker to Temporal', () => NativeConnection.connect({ address: devServer.address }));
  stops.push(() => connection.close());
  const worker = await starting('the worker', async () =>
    createRapportWorker({
      connection,
      namespace: 'default',
      taskQueue: config.temporal.taskQueue,
      deps: runtime.deps,
      ...dataConverterOption(config.temporal),
      tuning: await workflowCodeFor(config.worker.workflowBundlePath, () => {}),
    }),
  );
  const running = worker.run();
  // Awaited when it stops; until then a failure of the worker must not go unhandled.
  running.catch(() => undefined);
  stops.push(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  });

  const client = await starting(
    'connecting to Temporal',
    async () => new Client({ connection: await Connection.connect({ address: devServer.address }), ...dataConverterOption(config.temporal) }),
  );
  stops.push(() => client.connection.close());
  const db = runtime.database.prisma;
  const label = config.demoMode ? 'demo pair' : 'sample pair';
  const sample = await starting(`the ${label}`, () => ensurePair(client, db, config.temporal.taskQueue, config.demoMode ? DEMO : SAMPLE));
  const status = await sampleStatus(db, sample.pairId);
  // The local stack always has an admin: a generated password, kept under the data folder.
  const admin = { ...config.admin, password: config.admin.password ?? localAdminPassword(dataDir) };
  const web = await starting(`the web service on ${config.web.host}:${config.web.port}`, () =>
    startWebService({ ...config, admin }, db, client, {
      localRoutes: (app) => registerMailViewer(app, { mailDir }),
      allowedHosts: localHostsOf(config.web, config.publicBaseUrl),
    }),
  );
  stops.push(() => web.stop());
  const metricsUrl = config.ops.metricsPort === null ? 'off' : `http://${config.ops.host}:${config.ops.metricsPort}/metrics`;

  const pairLine = `${sample.pairId}: ${sample.pair.manager.name} and ${sample.pair.report.name}, cycle ${status.cycle ?? '-'}`;
  console.log(`${restartNotice(sample, label)}
Rapport is running.
${bannerRows([
  ['Admin', `${web.url}/admin (user ${admin.user}, password ${admin.password})`],
  ['Mail received', `${web.url}/mail (every email; open one to answer its form)`],
  ['Forms (web)', `${web.url} (links in emails use PUBLIC_BASE_URL=${config.publicBaseUrl})`],
  ['Temporal UI', devServer.uiUrl],
  ['Metrics', metricsUrl],
  ['Database', config.databaseUrl],
  config.demoMode ? ['Demo pair', `${pairLine} (a meeting every 5 minutes; DEMO_MODE=false for a weekly pair)`] : ['Sample pair', pairLine],
  ['Next events', status.nextEvents.map((e) => `${e.stage} ${e.at}`).join(', ') || 'planning'],
])}
Press Ctrl-C to stop; starting again continues where it left off.`);
  return { running };
}

async function main(): Promise<void> {
  // Everything this job and the dev server create is its owner's only, the databases included:
  // with the emails they hold every live form link.
  process.umask(0o077);
  const stops: Stop[] = [];
  let running: Promise<void>;
  try {
    ({ running } = await startEverything(stops));
  } catch (error) {
    // Nothing it started may outlive it: a dev server left running would hold its port and database.
    await stopAll(stops);
    console.error(error instanceof AlreadyRunning ? error.message : `Rapport did not start: ${oneLine(error)}`);
    process.exit(1);
  }
  try {
    await running;
  } finally {
    await stopAll(stops);
  }
}

main().catch((error: unknown) => {
  console.error(`Rapport stopped: ${oneLine(error)}`);
  process.exit(1);
});
