// Production worker entry: configured only by environment variables (see README), connects to
// the Temporal cluster and runs until SIGTERM/SIGINT, when it finishes in-flight work and exits.
import { NativeConnection } from '@temporalio/worker';
import { ConfigError, loadConfig } from './config';
import { createRapportWorker, installRuntime, openActivityRuntime } from './rapport-worker';

async function main(): Promise<void> {
  const config = loadConfig();
  installRuntime(config);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const runtime = openActivityRuntime(config);
  try {
    const worker = await createRapportWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      deps: runtime.deps,
    });
    console.log(`rapport worker polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address}`);
    // The SDK's runtime shuts the worker down on SIGINT and SIGTERM; run() returns once it has.
    await worker.run();
  } finally {
    await runtime.close();
    await connection.close();
  }
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
