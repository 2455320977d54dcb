// Production worker entry, configured only by environment variables (see README): connects to the
// Temporal cluster, serves metrics and health checks, and runs until SIGTERM/SIGINT, when it stops
// polling and gives in-flight activities WORKER_SHUTDOWN_GRACE_SECONDS to finish.
import type { Logger } from '@temporalio/common';
import { getHeapStatistics } from 'node:v8';
import { Runtime } from '@temporalio/worker';
import { migrateDatabase } from '../prisma/migrate';
import type { RapportPrisma } from '../prisma/database';
import { ConfigError, loadConfig } from '../config/config';
import { startHealthServer, type HealthServer } from './health-server';
import { createRapportWorker, openActivityRuntime, workerTuningOptions } from './rapport-worker';
import { connectWorker, dataConverterOption } from '../temporal/connection';
import { createRapportMetrics, installRuntime, type RapportMetrics } from './telemetry';
import { StaleWorkflowBundle, workflowCodeFor } from './workflow-bundle';

const ACTIVE_PAIRS_EVERY_MS = 30_000;

/** Keeps the pairs-active gauge current; returns a function that stops it. */
function trackActivePairs(db: RapportPrisma, metrics: RapportMetrics, logger: Logger): () => void {
  const update = () =>
    db.pair.count({ where: { status: { not: 'ended' } } }).then(metrics.setActivePairs, (error: Error) => {
      logger.warn('could not count active pairs', { error: error.message });
    });
  void update();
  const timer = setInterval(() => void update(), ACTIVE_PAIRS_EVERY_MS);
  return () => clearInterval(timer);
}

/** Warns when node was started without the heap limit (not through `npm run worker`). */
function checkHeapLimit(heapMb: number, logger: Logger): void {
  const limitMb = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
  // The limit V8 reports includes the young generation, a few dozen MiB above --max-old-space-size.
  if (limitMb <= heapMb * 1.5) return;
  logger.warn(
    `the worker's heap limit is ${limitMb} MiB, not WORKER_HEAP_MB=${heapMb}: start it with "npm run worker" or "node --max-old-space-size=${heapMb}" to keep its memory bounded`,
  );
}

async function main(): Promise<void> {
  const config = loadConfig(process.env, 'worker');
  const logger = installRuntime(config);
  checkHeapLimit(config.worker.heapMb, logger);
  if (config.migrateOnStart) {
    const { applied } = await migrateDatabase(config.databaseUrl, (line) => logger.info(line));
    if (applied.length > 0) logger.info('database migrated', { applied });
  }
  const source = await workflowCodeFor(config.worker.workflowBundlePath, (message) => logger.warn(message));
  const connection = await connectWorker(config.temporal);
  const metrics = config.ops.metricsPort === null ? undefined : createRapportMetrics();
  const runtime = openActivityRuntime(config, metrics ? { onEmail: metrics.onEmail, onAnswer: metrics.onAnswer } : {});
  let health: HealthServer | undefined;
  let stopTracking = () => {};
  try {
    const worker = await createRapportWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      deps: runtime.deps,
      ...dataConverterOption(config.temporal),
      tuning: { ...workerTuningOptions(config.worker), ...source },
    });
    if (metrics) stopTracking = trackActivePairs(runtime.database.prisma, metrics, logger);
    if (config.ops.healthPort !== null) {
      health = await startHealthServer(config.ops.host, config.ops.healthPort, [
        {
          name: 'worker',
          check: async () => {
            if (worker.getState() !== 'RUNNING') throw new Error(`worker is ${worker.getState()}`);
          },
        },
        {
          name: 'database',
          check: async () => {
            await runtime.database.prisma.$queryRawUnsafe('SELECT 1');
          },
        },
      ]);
    }
    logger.info('rapport worker started', {
      taskQueue: config.temporal.taskQueue,
      namespace: config.temporal.namespace,
      address: config.temporal.address,
      payloadEncryption: config.temporal.payloadCodec ? `on (key ${config.temporal.payloadCodec.encryptingKeyId} encrypts)` : 'off',
      metrics: config.ops.metricsPort === null ? 'off' : `http://${config.ops.host}:${config.ops.metricsPort}/metrics`,
      health: health ? `http://${config.ops.host}:${health.port}/readyz` : 'off',
      prebuiltBundle: source.workflowBundle !== undefined && 'codePath' in source.workflowBundle,
    });
    // The SDK's runtime shuts the worker down on SIGINT and SIGTERM; run() returns once it has.
    await worker.run();
    logger.info('rapport worker stopped');
  } finally {
    stopTracking();
    await health?.stop();
    await runtime.close();
    await connection.close();
  }
}

main().then(
  // The runtime keeps a metrics server and native threads; exit once everything is closed.
  () =>
    Runtime.instance()
      .shutdown()
      .finally(() => process.exit(0)),
  (error: unknown) => {
    const known = error instanceof ConfigError || error instanceof StaleWorkflowBundle;
    console.error(known ? error.message : error);
    process.exit(1);
  },
);
