// End to end on the Temporal CLI dev server (a real Temporal service) with PostgreSQL as the
// database: idempotent creation, the status query, Updates and their rejections, ending a pair.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { managerKeyOf, managerSearchQuery, MANAGER_KEY_ATTRIBUTE } from '../pairs/manager-search';
import { startPairWorkflow, withDefaults } from '../pairs/registration';
import { answerFormUpdate, endPairUpdate, pairStatusQuery, pauseUpdate, resumeUpdate, addTopicUpdate } from '../workflows/pair-messages';
import { waitForStatus } from './support/pair-driver';
import { startPostgres, type TestPostgres } from '../harness/postgres';
import { SAMPLE_PAIR, startRapportStack, type RapportStack } from '../harness/rapport-stack';
import { createDevServerEnv } from '../harness/temporal-env';

let env: TestWorkflowEnvironment;
let postgres: TestPostgres;
let stack: RapportStack;

beforeAll(async () => {
  [env, postgres] = await Promise.all([createDevServerEnv(), startPostgres()]);
  stack = await startRapportStack(env, { databaseUrl: postgres.url });
});

afterAll(async () => {
  await stack?.stop();
  await Promise.all([env?.teardown(), postgres?.stop()]);
});

it('runs a pair on the dev server with PostgreSQL, once, until it is ended', async () => {
  expect(stack.database.provider).toBe('postgresql');
  const { pairId, handle } = await stack.createPair();
  const first = await handle.describe();
  expect(first.workflowId).toBe(`pair-${pairId}`);
  expect(first.workflowId).not.toContain('@');

  // Starting the same pair again attaches to the running workflow.
  const again = await startPairWorkflow(env.client, stack.taskQueue, pairId, withDefaults(SAMPLE_PAIR.settings));
  expect(again.firstExecutionRunId).toBe(first.runId);

  const status = await waitForStatus(handle, (s) => s.cycle === 1);
  expect(status.stage).toBe('reflection');
  expect(status.nextEvents.map((e) => e.stage)).toEqual(['reflection', 'reminder', 'agenda', 'meeting', 'followUp']);

  const topic = await handle.executeUpdate(addTopicUpdate, { args: [{ text: 'Team offsite', by: 'manager' }] });
  expect(topic).toEqual({ topicId: `${pairId}:topic:1`, forCycle: 1 });
  expect(await stack.db.topic.findMany({ where: { pairId } })).toEqual([
    expect.objectContaining({ id: `${pairId}:topic:1`, text: 'Team offsite', addedByRole: 'manager', forCycle: 1 }),
  ]);

  const refused = await handle.executeUpdate(answerFormUpdate, { args: [{ cycle: 1, kind: 'reflection', answers: {} }] }).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((refused as WorkflowUpdateFailedError).cause?.message).toMatch(/is closed/);

  expect((await handle.executeUpdate(pauseUpdate, { args: [{}] })).state).toBe('paused');
  expect((await handle.executeUpdate(resumeUpdate)).state).toBe('active');
  const events = await stack.db.pairEvent.findMany({ where: { pairId }, orderBy: { at: 'asc' } });
  expect(events.map((e) => e.kind)).toEqual(['paused', 'resumed']);

  await handle.executeUpdate(endPairUpdate, { args: [{ reason: 'left the company' }] });
  expect(await handle.result()).toEqual({ pairId, endedAfterCycle: 0 });
  expect((await stack.db.pair.findUniqueOrThrow({ where: { id: pairId } })).status).toBe('ended');
  const ended = await stack.db.pairEvent.findFirstOrThrow({ where: { pairId, kind: 'ended' } });
  expect(JSON.parse(ended.detail)).toEqual({ reason: 'left the company' });

  // An ended pair is never started a second time under the same id.
  await expect(startPairWorkflow(env.client, stack.taskQueue, pairId, withDefaults(SAMPLE_PAIR.settings))).rejects.toThrow();
  expect((await handle.query(pairStatusQuery)).state).toBe('ended');
});

it('makes pairs searchable by manager in Temporal without putting an email in the search attributes', async () => {
  const manager = { name: 'Mira Search', email: 'mira.search@example.com' };
  const first = await stack.createPair({ manager, report: { name: 'One', email: 'one.search@example.com' } });
  const second = await stack.createPair({ manager, report: { name: 'Two', email: 'two.search@example.com' } });
  const other = await stack.createPair({
    manager: { name: 'Other', email: 'other.search@example.com' },
    report: { name: 'Three', email: 'three.search@example.com' },
  });

  const key = await managerKeyOf(stack.db, manager.email);
  expect(key).toBe(first.pairId);
  const described = await Promise.all([first, second, other].map(({ handle }) => handle.describe()));
  expect(described.map((d) => d.typedSearchAttributes.get(MANAGER_KEY_ATTRIBUTE))).toEqual([key, key, other.pairId]);
  for (const d of described) expect(JSON.stringify(d.raw.workflowExecutionInfo?.searchAttributes ?? {})).not.toMatch(/@|search@example|Mira/);

  // Visibility is eventually consistent: poll until the dev server has indexed both.
  const listed = async () => {
    const ids: string[] = [];
    for await (const execution of env.client.workflow.list({ query: managerSearchQuery(key!) })) ids.push(execution.workflowId);
    return ids.sort();
  };
  let ids: string[] = [];
  for (let attempt = 0; attempt < 50 && ids.length < 2; attempt += 1) {
    ids = await listed();
    if (ids.length < 2) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(ids).toEqual([`pair-${first.pairId}`, `pair-${second.pairId}`].sort());
});
