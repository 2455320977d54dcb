// Which pairs' workflows are stopped, on the Temporal CLI dev server, whose visibility can list (the
// time-skipping server's cannot; test/pair-restart.test.ts covers its fallback): one query for
// every stopped run, then only the pairs with such a run asked about their latest one, since a
// restarted pair keeps its stopped run in visibility.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { livenessOf, stoppedPairs } from '../pairs/pair-liveness';
import { restartPair } from '../pairs/pair-restart';
import { registerPair } from '../pairs/registration';
import { SAMPLE_PAIR, startRapportStack, type RapportStack } from '../harness/rapport-stack';
import { createDevServerEnv } from '../harness/temporal-env';
import { waitForStatus } from './support/pair-driver';

let env: TestWorkflowEnvironment;
let stack: RapportStack;

beforeAll(async () => {
  env = await createDevServerEnv();
  stack = await startRapportStack(env);
});

afterAll(async () => {
  await stack?.stop();
  await env?.teardown();
});

const person = (name: string) => ({ name, email: `${name.toLowerCase()}@example.com` });
const pairOf = (report: string) => stack.createPair({ ...SAMPLE_PAIR, report: person(report) });

it('finds stopped pairs with one visibility query, asking only the pairs with a stopped run about their latest one', async () => {
  const [running, stopped, restarted] = await Promise.all([pairOf('Rita'), pairOf('Sam'), pairOf('Tom')]);
  for (const pair of [running, stopped, restarted]) await waitForStatus(pair.handle, (s) => s.cycle === 1);
  await stopped.handle.terminate('ops mistake');
  await restarted.handle.terminate('ops mistake');
  await restartPair({ db: stack.db, temporal: env.client, taskQueue: stack.taskQueue }, restarted.pairId);
  const pairIds = [running.pairId, stopped.pairId, restarted.pairId];

  // Visibility follows the runs a moment later.
  const deadline = Date.now() + 10_000;
  while ((await stoppedPairs(env.client, pairIds)).size === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  const list = jest.spyOn(env.client.workflow, 'list');
  const asked = jest.spyOn(env.client.workflow, 'getHandle');
  const found = await stoppedPairs(env.client, pairIds);
  expect([...found]).toEqual([[stopped.pairId, { status: 'TERMINATED', reason: 'ops mistake', stoppedAt: expect.any(String) }]]);
  expect(list).toHaveBeenCalledTimes(1);
  expect(asked.mock.calls.map(([workflowId]) => workflowId).sort()).toEqual([`pair-${stopped.pairId}`, `pair-${restarted.pairId}`].sort());
  list.mockRestore();
  asked.mockRestore();

  expect(await livenessOf(env.client, restarted.pairId)).toEqual({ kind: 'running' });
  expect(await livenessOf(env.client, stopped.pairId)).toEqual({ kind: 'stopped', run: found.get(stopped.pairId) });
});

it('says a pair with no run at all in Temporal is stopped when asked about it, which no list query can find', async () => {
  const { pairId } = await registerPair(stack.db, { ...SAMPLE_PAIR, report: person('Uma') });
  expect(await livenessOf(env.client, pairId)).toEqual({
    kind: 'stopped',
    run: { status: 'NOT_FOUND', reason: 'Temporal has no run of this pair’s workflow', stoppedAt: null },
  });
  expect(await stoppedPairs(env.client, [pairId])).toEqual(new Map());
});
