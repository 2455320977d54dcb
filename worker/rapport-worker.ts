// Wires a Temporal worker: the pair workflow plus activities built from real dependencies.
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { createMailer } from '../activities/mailer';
import { openDatabase, type Database } from '../prisma/database';
import { loadEmailTemplates } from '../templates/email-templates';
import type { RapportConfig, WorkerTuning } from '../config/config';

export const WORKFLOWS_PATH = require.resolve('../workflows');

export interface ActivityRuntime {
  deps: ActivityDeps;
  database: Database;
  close(): Promise<void>;
}

/** Opens the database and the mailer the activities use. */
export function openActivityRuntime(config: RapportConfig, extra: Partial<ActivityDeps> = {}): ActivityRuntime {
  const database = openDatabase(config.databaseUrl);
  const mailer = createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, maxConnections: config.smtpMaxConnections });
  const deps: ActivityDeps = {
    db: database.prisma,
    mailer,
    emails: loadEmailTemplates(),
    publicBaseUrl: config.publicBaseUrl,
    messageIdDomain: config.messageIdDomain,
    formLinkTtlDays: config.formLinkTtlDays,
    calendarInvitesByDefault: config.calendarInvites,
    ...extra,
  };
  return {
    deps,
    database,
    async close() {
      mailer.close();
      await database.close();
    },
  };
}

/** The worker options the configuration sets: cache, concurrency and the shutdown grace time. */
export function workerTuningOptions(tuning: WorkerTuning): Partial<WorkerOptions> {
  return {
    maxCachedWorkflows: tuning.maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: tuning.maxConcurrentWorkflowTaskExecutions,
    maxConcurrentWorkflowTaskPolls: tuning.maxConcurrentWorkflowTaskPolls,
    nonStickyToStickyPollRatio: tuning.nonStickyToStickyPollRatio,
    maxConcurrentActivityTaskExecutions: tuning.maxConcurrentActivityTaskExecutions,
    maxConcurrentLocalActivityExecutions: tuning.maxConcurrentLocalActivityExecutions,
    // In-flight activities get this long to finish on shutdown; then they are cancelled and
    // Temporal retries them on another worker. Sends are idempotent (see activities/outbox.ts).
    shutdownGraceTime: `${tuning.shutdownGraceSeconds}s`,
  };
}

export interface RapportWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** The payload codec when payload encryption is on (temporal/connection.ts's dataConverterOption). */
  dataConverter?: DataConverter;
  /** Overrides for tuning and tests (a prebuilt bundle, cache size, concurrency). */
  tuning?: Partial<WorkerOptions>;
}

export async function createRapportWorker({ connection, namespace, taskQueue, deps, dataConverter, tuning }: RapportWorkerOptions): Promise<Worker> {
  const workflowSource = tuning?.workflowBundle ? {} : { workflowsPath: WORKFLOWS_PATH };
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(dataConverter ? { dataConverter } : {}),
    ...workflowSource,
    activities: createActivities(deps),
    ...tuning,
  });
}
