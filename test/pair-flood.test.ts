// A pair's history stays bounded however many messages it gets: a flood within one cycle (thousands
// of answer edits and topic adds) and a pair paused for a year of messages. No run's history passes
// the threshold the workflow continues as new at, the pair goes on to its next meeting, and nothing
// that was accepted is lost.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { temporal } from '@temporalio/proto';
import { saveAndDeliver } from '../web/answer-delivery';
import { addTopic } from '../pairs/topics';
import { changeScheduleUpdate, pauseUpdate, questionSetChangedUpdate, resumeUpdate } from '../workflows/pair-messages';
import { CONTINUE_AS_NEW_AFTER_EVENTS } from '../workflows/pair-workflow';
import { MAX_PENDING_TOPICS } from '../workflows/pair-types';
import { advanceTo, messageIdOf, sameMessageId, waitForStatus, type PairHandle } from './support/pair-driver';
import { pairAtReflection } from './support/pair-at-reflection';
import { startRapportStack, type RapportStack } from '../harness/rapport-stack';
import { createTimeSkippingEnv } from '../harness/temporal-env';

/** A run may end a few events past the threshold: it lets the handlers in flight finish first. */
const RUN_LIMIT = CONTINUE_AS_NEW_AFTER_EVENTS + 50;

let env: TestWorkflowEnvironment;
let stack: RapportStack;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  stack = await startRapportStack(env);
});

afterAll(async () => {
  await stack?.stop();
  await env?.teardown();
});

/** The number of events of every run of the workflow, from its first run along the continue-as-new chain. */
async function runSizes(handle: PairHandle, firstRunId: string): Promise<number[]> {
  const sizes: number[] = [];
  let runId: string | null | undefined = firstRunId;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    sizes.push(events.length);
    runId = events[events.length - 1]?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return sizes;
}

const deps = () => ({ db: stack.db, temporal: env.client, updateTimeoutMs: 10_000 });

it('floods one cycle with thousands of answer edits and topic adds, and stays bounded with nothing accepted lost', async () => {
  const pair = await pairAtReflection(env, stack, {
    manager: { name: 'Fay Flood', email: 'fay.flood@example.com' },
    report: { name: 'Finn Flood', email: 'finn.flood@example.com' },
  });
  const firstRunId = (await pair.handle.describe()).runId;
  const form = await stack.db.form.findUniqueOrThrow({ where: { id: `${pair.pairId}:1:reflection` } });

  const EDITS = 2_000;
  for (let edit = 1; edit <= EDITS; edit += 1) {
    const answer = { cycle: 1, kind: 'reflection' as const, answers: { topics: `Edit number ${edit}`, energy: 4 } };
    expect(await saveAndDeliver(deps(), form, answer, `edit-${edit}-of-the-flood`)).toEqual({ outcome: 'delivered' });
  }
  const topics = [];
  for (let added = 1; added <= 1_000; added += 1) {
    topics.push((await addTopic(deps(), pair.pairId, added % 2 ? 'report' : 'manager', `Flood topic ${added}`, `topic-${added}-of-the-flood`)).outcome);
  }
  // The agenda takes a limited number of topics; the rest are refused, with a clear page on the web.
  expect(topics.filter((outcome) => outcome === 'added')).toHaveLength(MAX_PENDING_TOPICS);
  expect(new Set(topics)).toEqual(new Set(['added', 'full']));

  const during = await runSizes(pair.handle, firstRunId);
  expect(during.length).toBeGreaterThan(5);
  expect(Math.max(...during)).toBeLessThanOrEqual(RUN_LIMIT);

  // The pair goes on to its meeting with the last edit and every accepted topic.
  const status = await waitForStatus(pair.handle, (s) => s.cycle === 1 && s.pendingTopics.length === MAX_PENDING_TOPICS);
  expect(status.stage).toBe('reminder');
  await advanceTo(env, pair.stageAt('followUp') + 1_000);
  const [agenda] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pair.pairId, 1, 'agenda', 'report')));
  expect(agenda.text).toContain(`Edit number ${EDITS}`);
  for (let added = 1; added <= MAX_PENDING_TOPICS; added += 1) expect(agenda.text).toContain(`Flood topic ${added}\n`);
  expect(agenda.text).not.toContain(`Flood topic ${MAX_PENDING_TOPICS + 1}\n`);
  const stored = await stack.db.answer.findUniqueOrThrow({ where: { formId: form.id } });
  expect(stored.deliveredAt).not.toBeNull();
  await waitForStatus(pair.handle, (s) => s.cycle === 2);
  expect(Math.max(...(await runSizes(pair.handle, firstRunId)))).toBeLessThanOrEqual(RUN_LIMIT);
});

it('stays bounded through a year paused with messages every week, then meets again once resumed', async () => {
  const { pairId, handle } = await stack.createPair({
    manager: { name: 'Pam Paused', email: 'pam.paused@example.com' },
    report: { name: 'Pat Paused', email: 'pat.paused@example.com' },
  });
  const firstRunId = (await handle.describe()).runId;
  await waitForStatus(handle, (s) => s.cycle === 1);
  await handle.executeUpdate(pauseUpdate, { args: [{}] });
  const week = 7 * 24 * 3_600_000;
  let version = 1;
  for (let weekNumber = 1; weekNumber <= 52; weekNumber += 1) {
    await advanceTo(env, (await env.currentTimeMs()) + week);
    for (let message = 0; message < 10; message += 1) {
      version += 1;
      await handle.executeUpdate(questionSetChangedUpdate, { args: [{ version }] });
      await handle.executeUpdate(changeScheduleUpdate, { args: [{ meetingTime: message % 2 ? '10:00' : '10:30' }] });
    }
  }
  const paused = await waitForStatus(handle, (s) => s.state === 'paused');
  expect(paused.questionSetVersion).toBe(version);
  expect(paused.settings.meetingTime).toBe('10:00');
  const during = await runSizes(handle, firstRunId);
  expect(during.length).toBeGreaterThan(3);
  expect(Math.max(...during)).toBeLessThanOrEqual(RUN_LIMIT);

  await handle.executeUpdate(resumeUpdate);
  const resumed = await waitForStatus(handle, (s) => s.state === 'active' && s.nextEvents.length > 0);
  await advanceTo(env, Date.parse(resumed.nextEvents[0].at) + 1_000);
  await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, resumed.cycle!, 'reflection', 'report')));
  expect(Math.max(...(await runSizes(handle, firstRunId)))).toBeLessThanOrEqual(RUN_LIMIT);
});
