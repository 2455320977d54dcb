// The main job on embedded defaults: migrates the SQLite database, starts a Temporal dev server
// persisting under the data folder, a local SMTP server keeping mail as .eml files, and the
// worker, then makes sure a sample pair exists and prints where everything is. Ctrl-C stops it;
// starting again continues the same pairs where they were.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { managerKeyOf } from '../pairs/manager-search';
import { pairSettingsFromRow } from '../pairs/pair-rows';
import { pairHandle, registerPair, startPairWorkflow, type NewPair } from '../pairs/registration';
import type { RapportPrisma } from '../prisma/database';
import { migrateDatabase } from '../prisma/migrate';
import { pairStatusQuery } from '../workflows/pair-messages';
import type { PairStatus } from '../workflows/pair-types';
import { loadConfig } from '../config/config';
import { localHostsOf } from './local-hosts';
import { startDevServer, startLocalMailServer } from './local-stack';
import { preparePrivateDataFolder } from './private-data-folder';
import { createRapportWorker, openActivityRuntime } from '../worker/rapport-worker';
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

/** The sample pair's status once its first cycle is planned (a moment after start). */
async function sampleStatus(handle: ReturnType<typeof pairHandle>): Promise<PairStatus> {
  for (let attempt = 0; ; attempt += 1) {
    const status = await handle.query(pairStatusQuery);
    if (status.stage !== 'planning' || attempt >= 40) return status;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Makes sure the pair exists and its workflow runs; a restart attaches to the running one. */
async function ensurePair(client: Client, db: RapportPrisma, taskQueue: string, pair: NewPair): Promise<{ pairId: string; pair: NewPair }> {
  const existing = await db.pair.findFirst({ where: { managerEmail: pair.manager.email, reportEmail: pair.report.email } });
  const pairId = existing?.id ?? (await registerPair(db, pair)).pairId;
  const row = await db.pair.findUniqueOrThrow({ where: { id: pairId } });
  if (row.status !== 'ended') await startPairWorkflow(client, taskQueue, pairId, pairSettingsFromRow(row), await managerKeyOf(db, row.managerEmail));
  return { pairId, pair };
}

async function main(): Promise<void> {
  // Everything this job and the dev server create is its owner's only, the databases included:
  // with the emails they hold every live form link.
  process.umask(0o077);
  const config = loadConfig();
  installRuntime(config);
  const dataDir = resolve(config.dataDir);
  const tightened = preparePrivateDataFolder(dataDir);
  if (tightened) console.log(tightened);
  const migrated = await migrateDatabase(config.databaseUrl);
  if (migrated.applied.length > 0) console.log(`database migrated: ${migrated.applied.join(', ')}`);

  const mailDir = join(dataDir, 'mail');
  const mail = await startLocalMailServer(mailDir, Number(new URL(config.smtpUrl).port || 2525), (file) => console.log(`mail received: ${file}`));
  // The dev server listens where TEMPORAL_ADDRESS points (localhost:7233 unless set).
  const devServer = await startDevServer(dataDir, Number(config.temporal.address.split(':')[1]), config.temporalUiPort);
  const metrics = config.ops.metricsPort === null ? undefined : createRapportMetrics();
  const runtime = openActivityRuntime({ ...config, smtpUrl: mail.url }, metrics ? { onEmail: metrics.onEmail, onAnswer: metrics.onAnswer } : {});
  const connection = await NativeConnection.connect({ address: devServer.address });
  const worker = await createRapportWorker({
    connection,
    namespace: 'default',
    taskQueue: config.temporal.taskQueue,
    deps: runtime.deps,
    tuning: await workflowCodeFor(config.worker.workflowBundlePath, () => {}),
  });
  const running = worker.run();

  const client = new Client({ connection: await Connection.connect({ address: devServer.address }) });
  const db = runtime.database.prisma;
  const sample = await ensurePair(client, db, config.temporal.taskQueue, config.demoMode ? DEMO : SAMPLE);
  const status = await sampleStatus(pairHandle(client, sample.pairId));
  // The local stack always has an admin: a generated password, kept under the data folder.
  const admin = { ...config.admin, password: config.admin.password ?? localAdminPassword(dataDir) };
  const web = await startWebService({ ...config, admin }, db, client, {
    localRoutes: (app) => registerMailViewer(app, { mailDir }),
    allowedHosts: localHostsOf(config.web, config.publicBaseUrl),
  });
  const metricsUrl = config.ops.metricsPort === null ? 'off' : `http://${config.ops.host}:${config.ops.metricsPort}/metrics`;

  console.log(`
Rapport is running.
  Admin           ${web.url}/admin (user ${admin.user}, password ${admin.password})
  Mail received   ${web.url}/mail (every email; open one to answer its form)
  Forms (web)     ${web.url} (links in emails use PUBLIC_BASE_URL=${config.publicBaseUrl})
  Temporal UI     ${devServer.uiUrl}
  Metrics         ${metricsUrl}
  Database        ${config.databaseUrl}
  ${config.demoMode ? 'Demo pair ' : 'Sample pair'}     ${sample.pairId}: ${sample.pair.manager.name} and ${sample.pair.report.name}, cycle ${status.cycle ?? '-'}${config.demoMode ? ' (a meeting every 5 minutes; DEMO_MODE=false for a weekly pair)' : ''}
  Next events     ${status.nextEvents.map((e) => `${e.stage} ${e.at}`).join(', ') || 'planning'}
Press Ctrl-C to stop; starting again continues where it left off.`);

  await running;
  await web.stop();
  await client.connection.close();
  await connection.close();
  await runtime.close();
  await devServer.stop();
  await mail.stop();
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
