// The harness retries a Temporal test server that was slow to boot, and nothing else.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { withStartRetries } from '../harness/temporal-env';

const slowStart = () => new Error('Failed to start ephemeral server: ephemeral server at 127.0.0.1:36837 did not start within 5s.');
const started = {} as TestWorkflowEnvironment;

it('starts again after a slow boot, up to three attempts', async () => {
  let calls = 0;
  const env = await withStartRetries(async () => {
    calls += 1;
    if (calls < 3) throw slowStart();
    return started;
  });
  expect(env).toBe(started);
  expect(calls).toBe(3);
});

it('gives up after the third slow boot with the server error', async () => {
  let calls = 0;
  const start = async (): Promise<TestWorkflowEnvironment> => {
    calls += 1;
    throw slowStart();
  };
  await expect(withStartRetries(start)).rejects.toThrow('did not start within 5s');
  expect(calls).toBe(3);
});

it('does not retry any other failure', async () => {
  let calls = 0;
  const start = async (): Promise<TestWorkflowEnvironment> => {
    calls += 1;
    throw new Error('executable not found');
  };
  await expect(withStartRetries(start)).rejects.toThrow('executable not found');
  expect(calls).toBe(1);
});
