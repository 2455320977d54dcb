import { TestWorkflowEnvironment } from '@temporalio/testing';
import { resolveDevServer, resolveTestServer } from '../local/temporal-binaries';

/**
 * The SDK gives a freshly spawned server a fixed five seconds to answer. On a two-core CI machine
 * running several test files at once, the Java test server sometimes needs longer to boot, so a
 * start that timed out is tried again (on a new port) rather than failing the test file.
 */
const startAttempts = 3;

function isSlowStart(error: unknown): boolean {
  return error instanceof Error && /did not start within/.test(error.message);
}

export async function withStartRetries(start: () => Promise<TestWorkflowEnvironment>, attempts = startAttempts): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= attempts || !isSlowStart(error)) throw error;
      process.stderr.write(`[harness] Temporal test server was slow to start (attempt ${attempt}); trying again\n`);
    }
  }
}

/** The Java time-skipping test server, provisioned by tools/provision.sh. */
export function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return withStartRetries(() => TestWorkflowEnvironment.createTimeSkipping({ server: { executable: resolveTestServer() } }));
}

/** The Temporal CLI dev server, provisioned by tools/provision.sh. */
export function createDevServerEnv(): Promise<TestWorkflowEnvironment> {
  return withStartRetries(() => TestWorkflowEnvironment.createLocal({ server: { executable: resolveDevServer() } }));
}
