// A real Rapport stack for tests: a migrated database, a real SMTP server and a worker running
// the real workflow and activities against the given Temporal test environment.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { createMailer } from '../activities/mailer';
import { pairHandle, registerPair, startPairWorkflow, type NewPair } from '../pairs/registration';
import { migrateDatabase } from '../prisma/migrate';
import { openDatabase, type Database } from '../prisma/database';
import { loadEmailTemplates } from '../templates/email-templates';
import { createRapportWorker } from '../worker/rapport-worker';
import { bundleWorkflowsQuietly } from '../worker/workflow-bundle';
import { startSmtpSink, type SmtpSink } from './smtp-sink';

export const PUBLIC_BASE_URL = 'http://rapport.test';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle, built once per test file. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowsQuietly();
  return bundle;
}

export interface RapportStack {
  env: TestWorkflowEnvironment;
  /** The client pairs are started with: env.client, or one with the stack's payload codec. */
  client: Client;
  database: Database;
  db: Database['prisma'];
  smtp: SmtpSink;
  deps: ActivityDeps;
  taskQueue: string;
  worker: Worker;
  createPair(input?: Partial<NewPair>): Promise<{ pairId: string; handle: ReturnType<typeof pairHandle> }>;
  stop(): Promise<void>;
}

export interface StackOptions {
  databaseUrl?: string;
  /** The sender of every email; defaults to "Rapport <rapport@rapport.test>". */
  mailFrom?: string;
  /** Base of the links in emails; defaults to PUBLIC_BASE_URL. */
  publicBaseUrl?: string;
  /** Replace or wrap activities, e.g. to inject a fault. */
  activities?: (real: ReturnType<typeof createActivities>) => object;
  /**
   * The organisation default for calendar invites (CALENDAR_INVITES). Off unless asked for: most
   * tests count the emails a pair gets, and invites are emails too.
   */
  calendarInvites?: boolean;
  /** Encrypt payloads as production does with TEMPORAL_CODEC_KEYS: the worker and the stack's client use it. */
  payloadCodec?: PayloadCodec;
}

export const SAMPLE_PAIR: NewPair = {
  manager: { name: 'Maya Manager', email: 'maya@example.com' },
  report: { name: 'Ravi Report', email: 'ravi@example.com' },
  settings: { cadence: { kind: 'weekly', everyWeeks: 1, weekday: 4 }, meetingTime: '10:00', timeZone: 'Europe/Berlin' },
};

let counter = 0;

export async function startRapportStack(env: TestWorkflowEnvironment, options: StackOptions = {}): Promise<RapportStack> {
  const tempDir = mkdtempSync(join(tmpdir(), 'rapport-test-'));
  const databaseUrl = options.databaseUrl ?? `file:${join(tempDir, 'rapport.db')}`;
  await migrateDatabase(databaseUrl);
  const database = openDatabase(databaseUrl);
  const smtp = await startSmtpSink();
  const mailer = createMailer({ smtpUrl: smtp.url, from: options.mailFrom ?? 'Rapport <rapport@rapport.test>' });
  const deps: ActivityDeps = {
    db: database.prisma,
    mailer,
    emails: loadEmailTemplates(),
    publicBaseUrl: options.publicBaseUrl ?? PUBLIC_BASE_URL,
    messageIdDomain: 'rapport.test',
    formLinkTtlDays: 30,
    calendarInvitesByDefault: options.calendarInvites ?? false,
  };
  counter += 1;
  const taskQueue = `rapport-test-${process.pid}-${counter}`;
  const dataConverter = options.payloadCodec ? { payloadCodecs: [options.payloadCodec] } : undefined;
  const client = dataConverter ? new Client({ connection: env.connection, namespace: env.namespace ?? 'default', dataConverter }) : env.client;
  const worker = await createRapportWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    deps,
    ...(dataConverter ? { dataConverter } : {}),
    tuning: {
      workflowBundle: await workflowBundle(),
      ...(options.activities ? { activities: options.activities(createActivities(deps)) } : {}),
    },
  });
  const running = worker.run();

  return {
    env,
    client,
    database,
    db: database.prisma,
    smtp,
    deps,
    taskQueue,
    worker,
    async createPair(input = {}) {
      const pair = { ...SAMPLE_PAIR, ...input, settings: { ...SAMPLE_PAIR.settings, ...(input.settings ?? {}) } };
      const { pairId, settings, managerKey } = await registerPair(database.prisma, pair);
      await startPairWorkflow(client, taskQueue, pairId, settings, managerKey);
      return { pairId, handle: pairHandle(client, pairId) };
    },
    async stop() {
      worker.shutdown();
      await running;
      mailer.close();
      await smtp.stop();
      await database.close();
      rmSync(tempDir, { recursive: true, force: true });
    },
  };
}
