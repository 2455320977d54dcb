// The pairs a scenario runs, and the emails it therefore expects. Pairs meet weekly a few days
// from now; a scenario then brings each meeting forward, as an admin's reschedule would, so that
// the reflection stage (a day before the meeting) is already due and its two emails, the
// reflection form to the report and the prep form to the manager, go out at once.
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { messageIdFor, outboxKey } from '../activities/outbox';
import { pairHandle, registerPair, startPairWorkflow, type NewPair } from '../pairs/registration';
import { pairStatusQuery, rescheduleMeetingUpdate } from '../workflows/pair-messages';
import type { Role, Weekday } from '../workflows/pair-types';
import { inLanes } from '../harness/in-lanes';
import { MESSAGE_ID_DOMAIN, type FaultStack } from './fault-stack';

const REPORTS_PER_MANAGER = 6;
const CONCURRENCY = 16;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Offsets in minutes: reflection a day before, so that a meeting moved to 23 hours ahead has it due. */
const OFFSETS = { reflectionBefore: 24 * 60, reminderBefore: 120, agendaBefore: 60, followUpAfter: 60 };

export interface FaultPair {
  pairId: string;
  managerEmail: string;
  reportEmail: string;
}

/** One email a scenario expects, by its deterministic Message-ID. */
export interface ExpectedEmail {
  messageId: string;
  /** The outbox row's id. */
  outboxId: string;
  pairId: string;
  stage: string;
  role: Role;
  to: string;
}

function newPair(index: number, run: string): NewPair {
  const meetingDay = new Date(Date.now() + 3 * DAY);
  const manager = Math.floor(index / REPORTS_PER_MANAGER);
  return {
    manager: { name: `Manager ${manager}`, email: `manager-${manager}.${run}@${MESSAGE_ID_DOMAIN}` },
    report: { name: `Report ${index}`, email: `report-${index}.${run}@${MESSAGE_ID_DOMAIN}` },
    settings: {
      cadence: { kind: 'weekly', everyWeeks: 1, weekday: (meetingDay.getUTCDay() === 0 ? 7 : meetingDay.getUTCDay()) as Weekday },
      meetingTime: '12:00',
      timeZone: 'UTC',
      durationMinutes: 30,
      offsets: OFFSETS,
      // Every day a working day: the stages stay where the offsets put them, whatever today is.
      workingDays: [1, 2, 3, 4, 5, 6, 7],
    },
  };
}

/** Registers `count` pairs and starts their workflows; resolves once each has planned its first meeting. */
export async function createFaultPairs(stack: FaultStack, count: number): Promise<FaultPair[]> {
  const run = randomUUID().slice(0, 8);
  const pairs = new Array<FaultPair>(count);
  await inLanes(
    Array.from({ length: count }, (_, index) => index),
    CONCURRENCY,
    async (index) => {
      const input = newPair(index, run);
      const registered = await registerPair(stack.database.prisma, input);
      await startPairWorkflow(stack.client, stack.taskQueue, registered.pairId, registered.settings, registered.managerKey);
      pairs[index] = { pairId: registered.pairId, managerEmail: input.manager.email, reportEmail: input.report.email };
    },
  );
  await inLanes(pairs, CONCURRENCY, (pair) => waitForFirstCycle(stack, pair.pairId));
  return pairs;
}

async function waitForFirstCycle(stack: FaultStack, pairId: string): Promise<void> {
  const deadline = Date.now() + 2 * MINUTE;
  for (;;) {
    const status = await pairHandle(stack.client, pairId)
      .query(pairStatusQuery)
      .catch(() => null);
    if (status?.cycle === 1) return;
    if (Date.now() > deadline) throw new Error(`pair ${pairId} did not plan its first meeting in time`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A pair whose meeting could not be moved, and why (its workflow refused or had ended). */
export interface Unmoved {
  pairId: string;
  reason: string;
}

/**
 * Moves each pair's meeting to `minutesAhead` from now. With the default, the reflection stage (a
 * day before) is past due and its emails go out at once; with 59, the agenda is too. A refusal
 * for one pair does not stop the others; the pairs refused are returned.
 */
export async function bringMeetingsForward(stack: FaultStack, pairs: FaultPair[], minutesAhead = 23 * 60): Promise<Unmoved[]> {
  const meetingAt = new Date(Date.now() + minutesAhead * MINUTE).toISOString();
  const unmoved: Unmoved[] = [];
  await inLanes(pairs, CONCURRENCY * 2, async (pair) => {
    const reason = await moveMeeting(stack, pair.pairId, meetingAt);
    if (reason) unmoved.push({ pairId: pair.pairId, reason });
  });
  return unmoved;
}

/** Null once the meeting is moved; the reason when the workflow refused or never answered. */
async function moveMeeting(stack: FaultStack, pairId: string, meetingAt: string): Promise<string | null> {
  const deadline = Date.now() + 10 * MINUTE;
  for (;;) {
    try {
      // A call caught by a worker or server outage is abandoned and made again: moving a meeting
      // to the same time twice changes nothing more.
      await stack.client.connection.withDeadline(Date.now() + 15_000, () =>
        pairHandle(stack.client, pairId).executeUpdate(rescheduleMeetingUpdate, { args: [{ meetingAt }] }),
      );
      return null;
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) return error.cause?.message ?? error.message;
      const ended = await endedWorkflowStatus(stack, pairId);
      if (ended) return `its workflow is ${ended}`;
      if (Date.now() > deadline) return `no answer in time: ${(error as Error).message}`;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

/** The status of the pair's workflow when it is no longer running; null while it runs or cannot be told. */
async function endedWorkflowStatus(stack: FaultStack, pairId: string): Promise<string | null> {
  const description = await pairHandle(stack.client, pairId)
    .describe()
    .catch(() => null);
  return description && description.status.name !== 'RUNNING' ? description.status.name : null;
}

export function expectedEmail(pair: FaultPair, stage: string, role: Role, cycle = 1): ExpectedEmail {
  const outboxId = outboxKey({ pairId: pair.pairId, cycle, stage, role });
  return {
    messageId: messageIdFor(outboxId, MESSAGE_ID_DOMAIN),
    outboxId,
    pairId: pair.pairId,
    stage,
    role,
    to: role === 'report' ? pair.reportEmail : pair.managerEmail,
  };
}

/** The reflection stage's two emails of every pair. */
export function reflectionEmails(pairs: FaultPair[]): ExpectedEmail[] {
  return pairs.flatMap((pair) => [expectedEmail(pair, 'reflection', 'report'), expectedEmail(pair, 'managerPrep', 'manager')]);
}
