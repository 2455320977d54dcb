// Messages that meet the pair's workflow half-way through something else, driven deterministically:
// an activity is held at a gate until the test has sent the message it wants to race with it.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { addTopic } from '../pairs/topics';
import { addTopicUpdate, changeScheduleUpdate, pauseUpdate, rescheduleMeetingUpdate, resumeUpdate, skipMeetingUpdate } from '../workflows/pair-messages';
import { advanceTo, messageIdOf, sameMessageId, waitForStatus, type PairHandle } from './support/pair-driver';
import { startRapportStack, type RapportStack } from '../harness/rapport-stack';
import { createTimeSkippingEnv } from '../harness/temporal-env';
import type { createActivities } from '../activities';
import { storedStatusOf } from '../pairs/pair-state-record';
import { DEFAULT_OFFSETS, type SkipRequest } from '../workflows/pair-types';

type Activities = ReturnType<typeof createActivities>;
const { EventType } = temporal.api.enums.v1;
type GatedName = 'recordPairChange' | 'sendForms' | 'recordTopic';

/** An activity call held until the test opens the gate; `reached` resolves when the call arrives. */
interface Gate {
  reached: Promise<void>;
  open(): void;
}

/** Gates by activity and pair: the other pairs of the file go on through their own stages meanwhile. */
const gates = new Map<string, { arrive: () => void; opened: Promise<void> }>();

function closeGate(name: GatedName, pairId: string): Gate {
  let arrive!: () => void;
  let open!: () => void;
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  const opened = new Promise<void>((resolve) => (open = resolve));
  gates.set(`${name}:${pairId}`, { arrive, opened });
  return { reached, open };
}

/** The real activities, each gated one call at a time when the test has closed its gate. */
function gated(real: Activities): Activities {
  const hold = async (name: GatedName, pairId: string) => {
    const gate = gates.get(`${name}:${pairId}`);
    if (!gate) return;
    gates.delete(`${name}:${pairId}`);
    gate.arrive();
    await gate.opened;
  };
  return {
    ...real,
    recordPairChange: async (request) => (await hold('recordPairChange', request.pairId), real.recordPairChange(request)),
    sendForms: async (request) => (await hold('sendForms', request.pairId), real.sendForms(request)),
    recordTopic: async (request) => (await hold('recordTopic', request.pairId), real.recordTopic(request)),
  };
}

let env: TestWorkflowEnvironment;
let stack: RapportStack;
let people = 0;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  stack = await startRapportStack(env, { activities: (real) => gated(real) });
});

afterAll(async () => {
  await stack?.stop();
  await env?.teardown();
});

async function newPair(): Promise<{ pairId: string; handle: PairHandle; at: (stage: string) => number; meetingAt: number }> {
  people += 1;
  const { pairId, handle } = await stack.createPair({
    manager: { name: 'Mona Manager', email: `mona${people}@example.com` },
    report: { name: 'Remy Report', email: `remy${people}@example.com` },
  });
  const status = await waitForStatus(handle, (s) => s.cycle === 1);
  return { pairId, handle, at: (stage) => Date.parse(status.nextEvents.find((e) => e.stage === stage)!.at), meetingAt: Date.parse(status.meetingAt!) };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

it('handles a resume that arrives while the pause is still being recorded after the pause, in the record too', async () => {
  const { pairId, handle } = await newPair();
  const gate = closeGate('recordPairChange', pairId);
  const pausing = handle.executeUpdate(pauseUpdate, { args: [{}] });
  await gate.reached;
  const resuming = handle.executeUpdate(resumeUpdate);
  await settle();
  gate.open();
  await Promise.all([pausing, resuming]);

  const events = await stack.db.pairEvent.findMany({ where: { pairId }, orderBy: { at: 'asc' } });
  expect(events.map((event) => event.kind)).toEqual(['paused', 'resumed']);
  const pair = await stack.db.pair.findUniqueOrThrow({ where: { id: pairId } });
  expect(pair.status).toBe('active');
  await waitForStatus(handle, (s) => s.state === 'active');
  expect(storedStatusOf(await stack.db.pair.findUniqueOrThrow({ where: { id: pairId } }))?.state).toBe('active');
});

it('applies a reschedule that arrives while the reflection is being sent, and sends the forms once', async () => {
  const { pairId, handle, at, meetingAt } = await newPair();
  const gate = closeGate('sendForms', pairId);
  const reaching = advanceTo(env, at('reflection') + 1_000);
  await gate.reached;
  const moved = meetingAt + 3 * 3_600_000;
  const rescheduling = handle.executeUpdate(rescheduleMeetingUpdate, { args: [{ meetingAt: new Date(moved).toISOString() }] });
  await settle();
  gate.open();
  await reaching;
  const status = await rescheduling;
  expect(Date.parse(status.meetingAt!)).toBe(moved);
  const settled = await waitForStatus(handle, (s) => s.stage === 'reminder');
  expect(Date.parse(settled.nextEvents.find((e) => e.stage === 'agenda')!.at)).toBe(moved - 3_600_000);
  await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, 1, 'reflection', 'report')));
  expect(stack.smtp.messages.filter((m) => sameMessageId(m, messageIdOf(pairId, 1, 'reflection', 'report')))).toHaveLength(1);
});

it('carries a topic whose Update arrived as the run was about to continue as new', async () => {
  const { pairId, handle } = await newPair();
  const gate = closeGate('recordTopic', pairId);
  const adding = addTopic({ db: stack.db, temporal: env.client, updateTimeoutMs: 10_000 }, pairId, 'report', 'Raced topic', 'raced-topic-submission');
  await gate.reached;
  // The skip closes the cycle, after which the run continues as new: not before the topic is in.
  const skipping = handle.executeUpdate(skipMeetingUpdate, { args: [{ by: 'manager', cycle: 1 }] });
  await settle();
  gate.open();
  expect(await adding).toEqual({ outcome: 'added', forCycle: 1 });
  await skipping;
  const next = await waitForStatus(handle, (s) => s.cycle === 2);
  expect(next.pendingTopics).toEqual([{ id: 'topic-raced-topic-submission', by: 'report' }]);
  expect((await stack.db.topic.findUniqueOrThrow({ where: { id: 'topic-raced-topic-submission' } })).text).toBe('Raced topic');
});

it('skips one meeting for a skip sent twice, and refuses a skip that names a meeting no longer next', async () => {
  const { handle } = await newPair();
  const request = { args: [{ by: 'report' as const, cycle: 1 }] as [SkipRequest], updateId: 'skip-double-click' };
  const [first, second] = await Promise.all([handle.executeUpdate(skipMeetingUpdate, request), handle.executeUpdate(skipMeetingUpdate, request)]);
  expect(second).toEqual(first);
  const next = await waitForStatus(handle, (s) => s.cycle === 2);
  expect(next.consecutiveSkips).toBe(1);
  await expect(handle.executeUpdate(skipMeetingUpdate, { args: [{ by: 'report', cycle: 1 }] })).rejects.toMatchObject({
    cause: { message: 'Meeting 1 is no longer the next one (that is meeting 2), so nothing was skipped.', type: 'NotTheNextMeeting' },
  });
  await expect(handle.executeUpdate(addTopicUpdate, { args: [{ topicId: 'never-stored', by: 'report' }] })).rejects.toMatchObject({
    cause: { type: 'TopicNotStored' },
  });
});

it('moves only the remaining stages when the schedule changes after the reflection went out', async () => {
  const { pairId, handle, at, meetingAt } = await newPair();
  await advanceTo(env, at('reflection') + 1_000);
  await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, 1, 'reflection', 'report')));
  const changed = await handle.executeUpdate(changeScheduleUpdate, {
    args: [{ cadence: { kind: 'monthly', ordinal: 1, weekday: 2 }, offsets: { ...DEFAULT_OFFSETS, agendaBefore: 120 } }],
  });
  expect(Date.parse(changed.meetingAt!)).toBe(meetingAt);
  expect(Date.parse(changed.nextEvents.find((e) => e.stage === 'agenda')!.at)).toBe(meetingAt - 2 * 3_600_000);
});

it('sends no form that would be closed on arrival after a reschedule to just before the meeting', async () => {
  const { pairId, handle, at } = await newPair();
  // Before the reflection goes out, the meeting moves to 30 minutes from now: its agenda (an hour
  // before) has passed, so the forms would arrive closed.
  await advanceTo(env, at('reflection') - 3_600_000);
  const soon = (await env.currentTimeMs()) + 30 * 60_000;
  await handle.executeUpdate(rescheduleMeetingUpdate, { args: [{ meetingAt: new Date(soon).toISOString() }] });
  const status = await waitForStatus(handle, (s) => s.stage === 'meeting');
  await advanceTo(env, Date.parse(status.nextEvents.find((e) => e.stage === 'followUp')!.at) + 1_000);
  await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, 1, 'followUpReport', 'report')));
  expect(stack.smtp.messages.filter((m) => sameMessageId(m, messageIdOf(pairId, 1, 'reflection', 'report')))).toHaveLength(0);
  expect(await stack.db.form.count({ where: { pairId, kind: 'reflection' } })).toBe(0);
});

it('resumes a pause for an absence on its own at its date, and tells the other person of the pause', async () => {
  const { pairId, handle } = await newPair();
  const until = (await env.currentTimeMs()) + 3 * 24 * 3_600_000;
  const paused = await handle.executeUpdate(pauseUpdate, { args: [{ by: 'report', until: new Date(until).toISOString() }] });
  expect(paused.state).toBe('paused');
  const [notice] = await stack.smtp.waitFor((m) => m.to.includes(`mona${people}@example.com`) && /paused/i.test(m.subject));
  expect(notice.text).toContain('Remy Report');
  await expect(handle.executeUpdate(pauseUpdate, { args: [{ by: 'report' }] })).rejects.toMatchObject({ cause: { type: 'AlreadyPaused' } });
  await advanceTo(env, until + 1_000);
  await waitForStatus(handle, (s) => s.state === 'active');
  const events = await stack.db.pairEvent.findMany({ where: { pairId }, orderBy: { at: 'asc' } });
  expect(events.map((event) => [event.kind, JSON.parse(event.detail).by])).toEqual([
    ['paused', 'report'],
    ['resumed', 'absence over'],
  ]);
});

it('refuses a pause for an absence in the past or more than a year ahead', async () => {
  const { handle } = await newPair();
  const now = await env.currentTimeMs();
  await expect(handle.executeUpdate(pauseUpdate, { args: [{ by: 'report', until: new Date(now - 60_000).toISOString() }] })).rejects.toMatchObject({
    cause: { message: 'The pause must end in the future' },
  });
  await expect(
    handle.executeUpdate(pauseUpdate, { args: [{ by: 'report', until: new Date(now + 400 * 24 * 3_600_000).toISOString() }] }),
  ).rejects.toMatchObject({
    cause: { message: 'A pause for an absence may last at most a year' },
  });
});

it("writes a pair's state once when its first forms go out, with the question set version they used", async () => {
  const { pairId, handle, at } = await newPair();
  await advanceTo(env, at('reflection') + 1_000);
  const status = await waitForStatus(handle, (s) => s.stage === 'reminder');
  await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, 1, 'managerPrep', 'manager')));
  const row = await stack.db.pair.findUniqueOrThrow({ where: { id: pairId } });
  expect(status.questionSetVersion).toBe(1);
  expect(storedStatusOf(row)).toEqual(status);

  // Between the reflection's timer and the reminder's, one local activity: the send, which wrote the state.
  const { events } = await handle.fetchHistory();
  const types = (events ?? []).map((event) => ({ type: event.eventType, marker: event.markerRecordedEventAttributes?.markerName }));
  const fired = types.findIndex((event) => event.type === EventType.EVENT_TYPE_TIMER_FIRED);
  const next = types.findIndex((event, index) => index > fired && event.type === EventType.EVENT_TYPE_TIMER_STARTED);
  const localActivities = types.slice(fired, next).filter((event) => event.marker === 'core_local_activity');
  expect(fired).toBeGreaterThan(0);
  expect(localActivities).toHaveLength(1);
});
