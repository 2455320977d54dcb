// The main job on embedded defaults: migrates the SQLite database, starts a Temporal dev server
// persisting under the data folder, a local SMTP server keeping mail as .eml files, and the
// worker, then makes sure a sample pair exists and prints where everything is. Ctrl-C stops it;
// starting again continues the same pairs where they were.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { managerKeyOf } from '../client/manager-search';
import { pairHandle, pairSettingsFromRow, registerPair, startPairWorkflow } from '../client/pairs';
import { migrateDatabase } from '../prisma/migrate';
import { pairStatusQuery } from '../workflows/pair-messages';
import type { PairStatus } from '../workflows/pair-types';
import { loadConfig } from './config';
import { startDevServer, startLocalMailServer } from './local-stack';
import { createRapportWorker, installRuntime, openActivityRuntime } from './rapport-worker';
import { startWebService } from '../web/web-service';

const SAMPLE = {
  manager: { name: 'Maya Manager', email: 'maya.manager@example.com' },
  report: { name: 'Ravi Report', email: 'ravi.report@example.com' },
  settings: { cadence: { kind: 'weekly' as const, everyWeeks: 1, weekday: 4 as const }, meetingTime: '10:00', timeZone: 'Europe/Berlin' },
  formatNote: 'a walk around the block',
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

async function main(): Promise<void> {
  const config = loadConfig();
  installRuntime(config);
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const migrated = await migrateDatabase(config.databaseUrl);
  if (migrated.applied.length > 0) console.log(`database migrated: ${migrated.applied.join(', ')}`);

  const mailDir = join(dataDir, 'mail');
  const mail = await startLocalMailServer(mailDir, Number(new URL(config.smtpUrl).port || 2525), (file) => console.log(`mail received: ${file}`));
  const devServer = await startDevServer(dataDir);
  const runtime = openActivityRuntime({ ...config, smtpUrl: mail.url, temporal: { ...config.temporal, address: devServer.address } });
  const connection = await NativeConnection.connect({ address: devServer.address });
  const worker = await createRapportWorker({ connection, namespace: 'default', taskQueue: config.temporal.taskQueue, deps: runtime.deps });
  const running = worker.run();

  const client = new Client({ connection: await Connection.connect({ address: devServer.address }) });
  const db = runtime.database.prisma;
  const existing = await db.pair.findFirst({ where: { managerEmail: SAMPLE.manager.email, reportEmail: SAMPLE.report.email } });
  const pairId = existing?.id ?? (await registerPair(db, SAMPLE)).pairId;
  // Starting an already running pair attaches to it, so a restart never makes a second workflow.
  const row = await db.pair.findUniqueOrThrow({ where: { id: pairId } });
  if (row.status !== 'ended') await startPairWorkflow(client, config.temporal.taskQueue, pairId, pairSettingsFromRow(row), await managerKeyOf(db, row.managerEmail));
  const status = await sampleStatus(pairHandle(client, pairId));
  // The local stack always has an admin: a generated password, kept under the data folder.
  const admin = { ...config.admin, password: config.admin.password ?? localAdminPassword(dataDir) };
  const web = await startWebService({ ...config, admin }, db, client, { mailDir });

  console.log(`
Rapport is running.
  Forms (web)     ${web.url} (links in emails use PUBLIC_BASE_URL=${config.publicBaseUrl})
  Admin           ${web.url}/admin (user ${admin.user}, password ${admin.password})
  Temporal UI     ${devServer.uiUrl}
  Mail received   ${web.url}/mail
  Database        ${config.databaseUrl}
  Sample pair     ${pairId}: ${SAMPLE.manager.name} and ${SAMPLE.report.name}, cycle ${status.cycle ?? '-'}
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
