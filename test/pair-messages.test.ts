// The messages a pair's workflow takes, each with its clear rejection, on the time-skipping server.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { PairExistsError, registerPair, startPairWorkflow, withDefaults } from '../pairs/registration';
import { savePairQuestionSet } from '../question-sets/question-set-repository';
import { DEFAULT_QUESTION_SET } from '../question-sets/default-question-set';
import {
  addTopicUpdate,
  answerFormUpdate,
  changeScheduleUpdate,
  endPairUpdate,
  pauseUpdate,
  questionSetChangedUpdate,
  rescheduleMeetingUpdate,
  resumeUpdate,
  skipMeetingUpdate,
} from '../workflows/pair-messages';
import { advanceTo, messageIdOf, sameMessageId, waitForStatus, type PairHandle } from './support/pair-driver';
import { SAMPLE_PAIR, startRapportStack, type RapportStack } from '../harness/rapport-stack';
import { createTimeSkippingEnv } from '../harness/temporal-env';

let env: TestWorkflowEnvironment;
let stack: RapportStack;
let people = 0;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  stack = await startRapportStack(env);
});

afterAll(async () => {
  await stack?.stop();
  await env?.teardown();
});

/** A pair with people of its own, so that tests sharing the stack never collide. */
async function newPair(settings: Record<string, unknown> = {}) {
  people += 1;
  return stack.createPair({
    manager: { name: 'Maya Manager', email: `maya${people}@example.com` },
    report: { name: 'Ravi Report', email: `ravi${people}@example.com` },
    settings: { ...SAMPLE_PAIR.settings, ...settings },
  });
}

async function rejectionOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    return String((error as WorkflowUpdateFailedError).cause?.message);
  }
  throw new Error('the update was accepted, but a rejection was expected');
}

const emailsTo = (address: string) => stack.smtp.messages.filter((m) => m.to.includes(address));

async function reachStage(handle: PairHandle, cycle: number, stage: string) {
  const status = await waitForStatus(handle, (s) => s.cycle === cycle && s.nextEvents.some((e) => e.stage === stage));
  const event = status.nextEvents.find((e) => e.stage === stage);
  await advanceTo(env, Date.parse(event!.at) + 1_000);
  return waitForStatus(handle, (s) => s.cycle !== cycle || !s.nextEvents.some((e) => e.stage === stage));
}

it('starts a pair once: a second start attaches, a second registration is refused', async () => {
  const { pairId, handle } = await newPair();
  const first = await handle.describe();
  const again = await startPairWorkflow(env.client, stack.taskQueue, pairId, withDefaults(SAMPLE_PAIR.settings));
  expect(again.firstExecutionRunId).toBe(first.runId);
  await expect(
    registerPair(stack.db, {
      ...SAMPLE_PAIR,
      manager: { name: 'Maya', email: `MAYA${people}@example.com` },
      report: { name: 'Ravi', email: `ravi${people}@example.com` },
    }),
  ).rejects.toBeInstanceOf(PairExistsError);
  await handle.executeUpdate(endPairUpdate, { args: [{}] });
});

it('skips meetings, nudges the manager after K skips in a row, and carries on', async () => {
  const { pairId, handle } = await newPair({ skipNudgeAfter: 2 });
  const manager = `maya${people}@example.com`;
  const report = `ravi${people}@example.com`;

  await reachStage(handle, 1, 'reflection');
  await handle.executeUpdate(skipMeetingUpdate, { args: [{ by: 'report', reason: 'Sick day' }] });

  const second = await waitForStatus(handle, (s) => s.cycle === 2);
  expect(second.consecutiveSkips).toBe(1);
  await handle.executeUpdate(skipMeetingUpdate, { args: [{ by: 'manager', reason: 'Offsite' }] });
  await waitForStatus(handle, (s) => s.cycle === 3);
  const [nudge] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, 2, 'skip-nudge', 'manager')));
  expect(nudge.to).toEqual([manager]);
  expect(nudge.subject).toBe('Your 1:1s with Ravi Report have been skipped 2 times in a row');

  // Cycle 1 sent only its forms; cycle 2 no form at all. Each skip was told to the other person.
  expect(emailsTo(report).map((m) => m.subject)).toEqual([
    expect.stringContaining('a few minutes to reflect'),
    expect.stringMatching(/^Maya Manager skipped your 1:1 on /),
  ]);
  expect(
    emailsTo(manager)
      .filter((m) => m !== nudge)
      .map((m) => m.subject),
  ).toEqual([expect.any(String), expect.stringMatching(/^Ravi Report skipped your 1:1 on /)]);

  const cycles = await stack.db.cycle.findMany({ where: { pairId }, orderBy: { number: 'asc' } });
  expect(cycles.map((c) => [c.number, c.status, c.skipReason])).toEqual([
    [1, 'skipped', 'Sick day'],
    [2, 'skipped', 'Offsite'],
  ]);
  const forms = await stack.db.form.findMany({ where: { pairId } });
  expect(forms.every((form) => form.closedAt !== null)).toBe(true);

  await reachStage(handle, 3, 'meeting');
  expect((await waitForStatus(handle, (s) => s.cycle === 3)).consecutiveSkips).toBe(0);
  // After a meeting took place, "skip" means the next one; twice is refused.
  await handle.executeUpdate(skipMeetingUpdate, { args: [{ by: 'report', reason: 'Holiday' }] });
  expect(await rejectionOf(handle.executeUpdate(skipMeetingUpdate, { args: [{ by: 'manager' }] }))).toBe('The next meeting is already skipped.');
  await reachStage(handle, 3, 'followUp');
  const fourth = await waitForStatus(handle, (s) => s.cycle === 5);
  expect(fourth.consecutiveSkips).toBe(1);
  expect((await stack.db.cycle.findFirstOrThrow({ where: { pairId, number: 4 } })).skipReason).toBe('Holiday');
  await handle.executeUpdate(endPairUpdate, { args: [{}] });
});

it('reschedules a meeting within the week and refuses the past and the next slot', async () => {
  const { pairId, handle } = await newPair();
  const status = await waitForStatus(handle, (s) => s.cycle === 1);
  const meetingAt = Date.parse(status.meetingAt!);
  const following = Date.parse(status.meetingAt!) + 7 * 24 * 3_600_000;

  expect(await rejectionOf(handle.executeUpdate(rescheduleMeetingUpdate, { args: [{ meetingAt: '2020-01-01T10:00:00Z' }] }))).toBe(
    'A meeting cannot be rescheduled into the past',
  );
  expect(await rejectionOf(handle.executeUpdate(rescheduleMeetingUpdate, { args: [{ meetingAt: new Date(following).toISOString() }] }))).toMatch(
    /cannot be rescheduled to or past the next regular meeting/,
  );
  expect(await rejectionOf(handle.executeUpdate(rescheduleMeetingUpdate, { args: [{ meetingAt: 'next friday' }] }))).toMatch(/like 2026-03-05T10:00:00\+01:00/);

  const moved = meetingAt + 26 * 3_600_000; // Friday 12:00 instead of Thursday 10:00
  const after = await handle.executeUpdate(rescheduleMeetingUpdate, { args: [{ meetingAt: new Date(moved).toISOString() }] });
  expect(Date.parse(after.meetingAt!)).toBe(moved);
  await waitForStatus(handle, (s) => s.nextEvents.find((e) => e.stage === 'agenda')?.at === new Date(moved - 3_600_000).toISOString());

  await advanceTo(env, meetingAt);
  expect(stack.smtp.messages.some((m) => sameMessageId(m, messageIdOf(pairId, 1, 'agenda', 'report')))).toBe(false);
  await advanceTo(env, moved - 3_600_000 + 1_000);
  await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, 1, 'agenda', 'report')));
  const events = await stack.db.pairEvent.findMany({ where: { pairId, kind: 'rescheduled' } });
  expect(events).toHaveLength(1);
  await handle.executeUpdate(endPairUpdate, { args: [{}] });
});

it('pauses without sending anything and resumes with the next meeting', async () => {
  const { pairId, handle } = await newPair();
  const report = `ravi${people}@example.com`;
  const status = await waitForStatus(handle, (s) => s.cycle === 1);
  await handle.executeUpdate(pauseUpdate, { args: [{}] });
  expect(await rejectionOf(handle.executeUpdate(pauseUpdate, { args: [{}] }))).toBe('The pair is already paused.');
  expect((await stack.db.pair.findUniqueOrThrow({ where: { id: pairId } })).status).toBe('paused');

  await advanceTo(env, Date.parse(status.meetingAt!) + 2 * 24 * 3_600_000);
  expect(emailsTo(report)).toHaveLength(0);

  await handle.executeUpdate(resumeUpdate);
  const resumed = await waitForStatus(handle, (s) => s.cycle === 2);
  expect(Date.parse(resumed.meetingAt!)).toBeGreaterThan(await env.currentTimeMs());
  const cycle1 = await stack.db.cycle.findFirstOrThrow({ where: { pairId, number: 1 } });
  expect(cycle1.status).toBe('paused');
  await reachStage(handle, 2, 'reflection');
  await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, 2, 'reflection', 'report')));
  await handle.executeUpdate(endPairUpdate, { args: [{}] });
});

it('applies a question-set change from the next form sent, without restarting', async () => {
  const { pairId, handle } = await newPair({ feedbackEveryCycles: 1 });
  const runBefore = (await handle.describe()).runId;
  await reachStage(handle, 1, 'reflection');
  const stages = {
    ...DEFAULT_QUESTION_SET,
    followUp: [...DEFAULT_QUESTION_SET.followUp, { id: 'energy', text: 'What gave you energy this week?', type: 'text' as const, required: false }],
  };
  const saved = await savePairQuestionSet(stack.db, pairId, stages, 'admin@example.com', 'add energy question');
  const afterChange = await handle.executeUpdate(questionSetChangedUpdate, { args: [{ version: saved.version }] });
  expect(afterChange.questionSetVersion).toBe(saved.version);
  // Same run: the change reached the running workflow, nothing was restarted.
  expect((await handle.describe()).runId).toBe(runBefore);

  await reachStage(handle, 1, 'followUp');
  const [followUp] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, 1, 'followUpReport', 'report')));
  expect(followUp.text).toContain('What gave you energy this week?');
  const forms = await stack.db.form.findMany({ where: { pairId }, orderBy: { sentAt: 'asc' } });
  expect(forms.find((f) => f.kind === 'reflection')?.questionSetVersion).toBe(1);
  expect(forms.find((f) => f.kind === 'followUpReport')?.questionSetVersion).toBe(saved.version);
  await handle.executeUpdate(endPairUpdate, { args: [{}] });
});

it('moves a meeting that has not started its cycle to a changed cadence', async () => {
  const { handle } = await newPair();
  await waitForStatus(handle, (s) => s.cycle === 1);
  const changed = await handle.executeUpdate(changeScheduleUpdate, {
    args: [{ cadence: { kind: 'weekly', everyWeeks: 1, weekday: 1 }, meetingTime: '15:30' }],
  });
  expect(changed.settings.meetingTime).toBe('15:30');
  const status = await waitForStatus(handle, (s) => new Date(s.meetingAt!).getUTCDay() === 1);
  expect(new Date(status.meetingAt!).toLocaleString('en-GB', { timeZone: 'Europe/Berlin', weekday: 'short', hour: '2-digit', minute: '2-digit' })).toBe(
    'Mon 15:30',
  );
  expect(await rejectionOf(handle.executeUpdate(changeScheduleUpdate, { args: [{ timeZone: 'Mars/Olympus' }] }))).toBe(
    'Time zone not recognised: Mars/Olympus — use a name like Europe/Lisbon',
  );
  expect(await rejectionOf(handle.executeUpdate(changeScheduleUpdate, { args: [{ offsets: { reminderBefore: 30 } } as never] }))).toMatch(
    /reminder must go out before the agenda/,
  );
  expect(await rejectionOf(handle.executeUpdate(changeScheduleUpdate, { args: [{ colour: 'blue' } as never] }))).toBe('Unknown setting(s): colour');
  await handle.executeUpdate(endPairUpdate, { args: [{}] });
});

it('rejects answers to forms that are not open, and bad topics and action items', async () => {
  const { handle } = await newPair();
  await waitForStatus(handle, (s) => s.cycle === 1);
  expect(await rejectionOf(handle.executeUpdate(answerFormUpdate, { args: [{ cycle: 1, kind: 'reflection', answers: {} }] }))).toBe(
    'This form (reflection, meeting 1) is closed: its stage has passed or it was never sent.',
  );
  expect(await rejectionOf(handle.executeUpdate(answerFormUpdate, { args: [{ cycle: 1, kind: 'nonsense' as never, answers: {} }] }))).toMatch(
    /There is no form called "nonsense"/,
  );
  expect(await rejectionOf(handle.executeUpdate(addTopicUpdate, { args: [{ text: '   ', by: 'report' }] }))).toBe('The topic needs text');
  expect(await rejectionOf(handle.executeUpdate(addTopicUpdate, { args: [{ text: 'x'.repeat(501), by: 'report' }] }))).toMatch(
    /too long: at most 500 characters/,
  );

  await reachStage(handle, 1, 'followUp');
  expect(
    await rejectionOf(
      handle.executeUpdate(answerFormUpdate, {
        args: [{ cycle: 1, kind: 'followUpManager', answers: {}, actionItems: [{ text: '', owner: 'boss' as never }], completedActionItemIds: ['nope'] }],
      }),
    ),
  ).toBe('Action item 1 needs text; Action item 1 needs an owner: the report or the manager; Action item "nope" is unknown or already done');
  expect(await rejectionOf(handle.executeUpdate(answerFormUpdate, { args: [{ cycle: 1, kind: 'reflection', answers: { topics: 'late' } }] }))).toMatch(
    /is closed/,
  );
  await handle.executeUpdate(endPairUpdate, { args: [{}] });
});

it('ends a pair: the workflow completes, records stay, later messages are refused', async () => {
  const { pairId, handle } = await newPair();
  await reachStage(handle, 1, 'reflection');
  await handle.executeUpdate(endPairUpdate, { args: [{ reason: 'Moved teams' }] });
  expect(await handle.result()).toEqual({ pairId, endedAfterCycle: 0 });
  const pair = await stack.db.pair.findUniqueOrThrow({ where: { id: pairId } });
  expect(pair.status).toBe('ended');
  expect((await stack.db.cycle.findFirstOrThrow({ where: { pairId, number: 1 } })).status).toBe('cancelled');
  expect(await stack.db.form.count({ where: { pairId, closedAt: null } })).toBe(0);
  expect(await stack.db.form.count({ where: { pairId } })).toBe(2);
  await expect(handle.executeUpdate(pauseUpdate, { args: [{}] })).rejects.toThrow();
});
