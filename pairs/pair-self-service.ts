// A person of a pair changing their own 1:1 from the link in any email, with no account: skipping
// the next meeting (the 1:1 is the report's: either person may), moving it, or pausing the 1:1s for
// an absence until a day they name. What they type is checked here, with messages for them; the
// workflow then decides, and its refusal comes back in its own words. A skip's reason is stored
// first (PairNote) and the Update names it by id, so the text never enters Temporal's history.
// What the page shows is read from the database (Pair.state, PairEvent), never by asking the workflow.
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { DateTime } from 'luxon';
import type { RapportPrisma } from '../prisma/database';
import { pauseUpdate, rescheduleMeetingUpdate, skipMeetingUpdate } from '../workflows/pair-messages';
import { MAX_REASON_LENGTH, type PairStatus, type Role, type SkipRequest } from '../workflows/pair-types';
import type { pairWorkflow } from '../workflows/pair-workflow';
import type { PairRow } from './links';
import { instantOfLocal } from './local-time';
import { noteIdFor, storeReason } from './pair-notes';
import { storedStatusOf } from './pair-state-record';
import { sendToPair } from './registration';
import { updateIdFor } from './submission-ids';

export interface SelfServiceDeps {
  db: RapportPrisma;
  temporal: Client;
  updateTimeoutMs: number;
}

/** What became of a change: the workflow took it, refused it (with its message), or could not be told. */
export type ChangeOutcome =
  | { outcome: 'changed'; status: PairStatus }
  /** `type` is the refusal's (ApplicationFailure) type, e.g. NotTheNextMeeting. */
  | { outcome: 'refused'; message: string; type?: string }
  /** A skip that found its meeting skipped already (a second click after the run moved on, or the other person's skip). */
  | { outcome: 'alreadySkipped'; meeting: number | null }
  | { outcome: 'ended' }
  /** The pair did not end, but its workflow no longer runs: nothing can change until it is restarted. */
  | { outcome: 'stopped' }
  | { outcome: 'unreachable' };

/** What was typed is not what the form asks for: the message says what to do. Nothing was sent. */
export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const notOk = <T>(problem: string): Checked<T> => ({ ok: false, problem });

// ---- What a person types -----------------------------------------------------------------------

export const MAX_PAUSE_YEARS = 1;
const DATE_SHAPE = /^\d{4}-\d{2}-\d{2}$/;
const TIME_SHAPE = /^([01]\d|2[0-3]):[0-5]\d$/;

/** A reason of at most MAX_REASON_LENGTH characters; empty for none. */
export function skipReasonOf(typed: string): Checked<string | undefined> {
  // Browsers send each line break as CR LF: the reason is counted as the person sees it.
  const reason = typed.replace(/\r\n?/g, '\n').trim();
  if (reason.length > MAX_REASON_LENGTH) return notOk(`Please keep the reason to ${MAX_REASON_LENGTH} characters; it has ${reason.length}.`);
  return ok(reason === '' ? undefined : reason);
}

function dayOf(typed: string, timeZone: string, missing: string): Checked<DateTime> {
  const date = typed.trim();
  if (date === '') return notOk(missing);
  const day = DATE_SHAPE.test(date) ? DateTime.fromISO(date, { zone: timeZone }) : null;
  if (!day?.isValid) return notOk(`"${date.slice(0, 20)}" is not a day of the calendar: please choose the day again.`);
  return ok(day);
}

/** The meeting's new time: a day and a time on the wall clock of the pair's time zone, as an ISO instant. */
export function newMeetingTimeOf(typed: { date: string; time: string }, timeZone: string): Checked<string> {
  const day = dayOf(typed.date, timeZone, 'Please choose the day to move the meeting to.');
  if (!day.ok) return notOk(day.problem);
  const time = typed.time.trim();
  if (time === '') return notOk('Please choose the time to move the meeting to.');
  if (!TIME_SHAPE.test(time)) return notOk(`"${time.slice(0, 20)}" is not a time of day: please give hours and minutes, such as 14:30.`);
  const instant = instantOfLocal(`${typed.date.trim()}T${time}`, timeZone);
  return instant === null ? notOk('Please choose the day and time again.') : ok(instant);
}

/**
 * The end of an absence: the start (00:00) of the day the person is back, in the pair's time zone,
 * as an ISO instant. It must be a day after today there, and at most a year ahead.
 */
export function awayUntilOf(typed: string, timeZone: string, now: number): Checked<string> {
  const day = dayOf(typed, timeZone, 'Please choose the day you are back.');
  if (!day.ok) return notOk(day.problem);
  const today = DateTime.fromMillis(now, { zone: timeZone }).startOf('day');
  if (day.value <= today) return notOk('Please choose a day after today: your 1:1s start again on their own at the start of that day.');
  if (day.value > today.plus({ years: MAX_PAUSE_YEARS })) {
    return notOk('Please choose a day at most a year from today. For a longer absence, ask whoever set up your 1:1s.');
  }
  const instant = instantOfLocal(typed.trim(), timeZone);
  return instant === null ? notOk('Please choose the day you are back again.') : ok(instant);
}

// ---- Telling the workflow ----------------------------------------------------------------------

type PairHandle = WorkflowHandle<typeof pairWorkflow>;

function refusalOf(error: WorkflowUpdateFailedError): ChangeOutcome {
  const cause = error.cause;
  if (cause instanceof ApplicationFailure && cause.type === 'PairEnded') return { outcome: 'ended' };
  const type = cause instanceof ApplicationFailure ? cause.type : undefined;
  return { outcome: 'refused', message: cause?.message ?? 'The change was refused.', ...(type ? { type } : {}) };
}

/** Sends one Update within the deadline and says what became of it. */
async function tell(deps: SelfServiceDeps, pair: PairRow, send: (handle: PairHandle) => Promise<PairStatus>): Promise<ChangeOutcome> {
  try {
    const status = await deps.temporal.connection.withDeadline(Date.now() + deps.updateTimeoutMs, () => sendToPair(deps.temporal, pair.id, send));
    return { outcome: 'changed', status };
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) return refusalOf(error);
    if (error instanceof WorkflowNotFoundError) return { outcome: pair.status === 'ended' ? 'ended' : 'stopped' };
    return { outcome: 'unreachable' };
  }
}

export interface SkipByPerson {
  by: Role;
  /** The meeting the page showed as the next one: a skip names it, so that it never skips a later one. */
  meeting?: number;
  reason?: string;
  submission: string;
}

/**
 * Whether a refused skip found its meeting skipped already. The update id dedupes a submission
 * sent twice only within one run, and a skip ends its run at once: the second of two clicks can
 * meet the next run, which says the meeting named is no longer the next one.
 */
async function foundSkipped(db: RapportPrisma, pairId: string, meeting: number | undefined, outcome: ChangeOutcome): Promise<boolean> {
  if (outcome.outcome !== 'refused') return false;
  if (outcome.type === 'AlreadySkipped') return true;
  if (outcome.type !== 'NotTheNextMeeting' || meeting === undefined) return false;
  const cycle = await db.cycle.findUnique({ where: { pairId_number: { pairId, number: meeting } }, select: { status: true } });
  return cycle?.status === 'skipped';
}

/** Skips the next meeting. The reason is stored first; a refused skip keeps nothing it stored. */
export async function skipNextMeeting(deps: SelfServiceDeps, pair: PairRow, skip: SkipByPerson): Promise<ChangeOutcome> {
  const storedBefore = (await deps.db.pairNote.count({ where: { id: noteIdFor('skipReason', skip.submission) } })) > 0;
  const reasonId = await storeReason(deps.db, pair.id, 'skipReason', skip.reason, skip.submission);
  const request: SkipRequest = { by: skip.by, ...(reasonId ? { reasonId } : {}), ...(skip.meeting ? { cycle: skip.meeting } : {}) };
  const told = await tell(deps, pair, (handle) => handle.executeUpdate(skipMeetingUpdate, { args: [request], updateId: updateIdFor('skip', skip.submission) }));
  const outcome: ChangeOutcome = (await foundSkipped(deps.db, pair.id, skip.meeting, told))
    ? { outcome: 'alreadySkipped', meeting: skip.meeting ?? null }
    : told;
  // A note this submission stored before may be the reason of a skip already made; one that could
  // not be delivered is kept, since the same submission sent again names the same note.
  const kept = storedBefore || outcome.outcome === 'changed' || outcome.outcome === 'unreachable';
  if (reasonId && !kept) await deps.db.pairNote.deleteMany({ where: { id: reasonId, pairId: pair.id } });
  return outcome;
}

/** Moves the next meeting to an ISO instant; the workflow's rules decide (not in the past, not at or past the next regular one). */
export function moveNextMeeting(deps: SelfServiceDeps, pair: PairRow, by: Role, meetingAt: string, submission: string): Promise<ChangeOutcome> {
  return tell(deps, pair, (handle) =>
    handle.executeUpdate(rescheduleMeetingUpdate, { args: [{ meetingAt, by }], updateId: updateIdFor('reschedule', submission) }),
  );
}

/** Pauses the 1:1s for an absence; the workflow resumes them on its own at `until` (an ISO instant). */
export function pauseUntil(deps: SelfServiceDeps, pair: PairRow, by: Role, until: string, submission: string): Promise<ChangeOutcome> {
  return tell(deps, pair, (handle) => handle.executeUpdate(pauseUpdate, { args: [{ by, until }], updateId: updateIdFor('pause', submission) }));
}

// ---- What the page shows -----------------------------------------------------------------------

export const RECENT_CHANGES = 10;
const CHANGE_KINDS = ['skipped', 'rescheduled', 'paused', 'resumed'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];
/** What the record says of a skip without a reason (activities/pair-records.ts closeCycle). */
const NO_REASON = 'no reason given';

/** A change either person or an admin made, from the pair's log (PairEvent). */
export interface PairChange {
  kind: ChangeKind;
  cycle: number | null;
  /** When it was made. */
  at: number;
  /** A skip: when the skipped meeting was planned, from its record. */
  meetingAt: number | null;
  /** Null when the log does not say (changes recorded before it named who made them). */
  by: Role | 'admin' | null;
  /** A skip's reason, in the words of whoever skipped: for the two people of the pair only. */
  reason: string | null;
  /** A move: the meeting's time before and after. */
  from: number | null;
  to: number | null;
  /** A pause for an absence: when it ends. */
  until: number | null;
}

export interface MeetingOverview {
  /** Null before the workflow first wrote its state. */
  status: PairStatus | null;
  ended: boolean;
  paused: boolean;
  /** The meeting still to come, when one is planned. */
  next: { cycle: number; at: number } | null;
  /** The meeting a skip sent now would skip; null before the workflow first wrote its state. */
  upcomingMeeting: number | null;
  /** The end of the current pause, when it has one. */
  pausedUntil: number | null;
  /** Newest first. */
  changes: PairChange[];
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function instantIn(value: unknown): number | null {
  const instant = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(instant) ? instant : null;
}

function byIn(value: unknown): PairChange['by'] {
  return value === 'report' || value === 'manager' || value === 'admin' ? value : null;
}

function detailOf(json: string): Record<string, unknown> {
  try {
    const detail: unknown = JSON.parse(json);
    return isRecord(detail) ? detail : {};
  } catch {
    return {};
  }
}

function reasonIn(detail: Record<string, unknown>, cycleReason: string | null | undefined): string | null {
  const reason = typeof detail.reason === 'string' ? detail.reason : (cycleReason ?? null);
  return reason === null || reason.trim() === '' || reason === NO_REASON ? null : reason;
}

async function recentChanges(db: RapportPrisma, pairId: string): Promise<PairChange[]> {
  const events = await db.pairEvent.findMany({
    where: { pairId, kind: { in: [...CHANGE_KINDS] } },
    orderBy: [{ at: 'desc' }, { id: 'desc' }],
    take: RECENT_CHANGES,
  });
  const skippedCycles = events.flatMap((event) => (event.kind === 'skipped' && event.cycleNumber !== null ? [event.cycleNumber] : []));
  const cycles = skippedCycles.length > 0 ? await db.cycle.findMany({ where: { pairId, number: { in: skippedCycles } } }) : [];
  const cycleOf = new Map(cycles.map((cycle) => [cycle.number, cycle]));
  return events.map((event) => {
    const detail = detailOf(event.detail);
    const kind = event.kind as ChangeKind;
    const skipped = kind === 'skipped' && event.cycleNumber !== null ? cycleOf.get(event.cycleNumber) : undefined;
    return {
      kind,
      cycle: event.cycleNumber,
      at: event.at.getTime(),
      meetingAt: skipped?.meetingAt.getTime() ?? null,
      by: byIn(detail.by),
      reason: kind === 'skipped' ? reasonIn(detail, skipped?.skipReason) : null,
      from: instantIn(detail.from),
      to: instantIn(detail.to),
      until: instantIn(detail.until),
    };
  });
}

/** The meeting still to come: the current one, until it has taken place. */
function nextMeetingOf(status: PairStatus | null, now: number): MeetingOverview['next'] {
  if (!status || status.cycle === null || status.meetingAt === null) return null;
  if (!status.nextEvents.some((event) => event.stage === 'meeting')) return null;
  const at = Date.parse(status.meetingAt);
  return at > now ? { cycle: status.cycle, at } : null;
}

/** Everything the "this 1:1" page shows, from the database alone. */
export async function meetingOverview(db: RapportPrisma, pair: PairRow, now = Date.now()): Promise<MeetingOverview> {
  const status = storedStatusOf(pair);
  const changes = await recentChanges(db, pair.id);
  const ended = pair.status === 'ended' || status?.state === 'ended';
  const paused = !ended && (status?.state ?? pair.status) === 'paused';
  const lastPause = changes.find((change) => change.kind === 'paused' || change.kind === 'resumed');
  const pausedUntil = paused && lastPause?.kind === 'paused' ? lastPause.until : null;
  const next = ended ? null : nextMeetingOf(status, now);
  // A meeting that falls within an absence does not take place: the pause closes it.
  const held = next && !(pausedUntil !== null && next.at < pausedUntil) ? next : null;
  return { status, ended, paused, next: held, upcomingMeeting: status?.upcomingMeeting ?? null, pausedUntil, changes };
}
