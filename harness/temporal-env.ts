import { TestWorkflowEnvironment } from '@temporalio/testing';
import { resolveDevServer, resolveTestServer } from '../local/temporal-binaries';

/** The Java time-skipping test server, provisioned by tools/provision.sh. */
export function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: resolveTestServer() } });
}

/** The Temporal CLI dev server, provisioned by tools/provision.sh. */
export function createDevServerEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({ server: { executable: resolveDevServer() } });
}
