// Restarting a pair whose workflow stopped without the pair ending in Rapport (terminated, failed,
// timed out or cancelled from Temporal's tools). The new run starts under the same workflow id
// and carries on from what the database knows: settings, open action items, topics waiting, where
// the cycles stand, the meeting under way with the stages it had done and the forms still open.
// Should a stage run again all the same, the outbox (one email per pair, meeting, stage and
// recipient) sends none of its emails a second time.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Pair } from '../generated/sqlite/client';
import type { RapportPrisma } from '../prisma/database';
import { FORM_RECIPIENT, PAIR_STATE_VERSION, STAGES, type CycleState, type FormKind, type PairState, type Stage } from '../workflows/pair-types';
import { storedStatusOf } from './pair-state-record';
import { roleOf } from './pair-history';
import { livenessOf, type Liveness, type StoppedRun } from './pair-liveness';
import { pairSettingsFromRow } from './pair-rows';
import { managerKeyOf } from './manager-search';
import { startPairWorkflow } from './registration';
import { lastAgendaCycle } from './topics';

export interface PairRestartDeps {
  db: RapportPrisma;
  temporal: Client;
  taskQueue: string;
}

export interface RestartedPair {
  pairId: string;
  /** The meeting the new run plans: the one that was under way, or the next. */
  cycle: number;
  openActionItems: number;
  pendingTopics: number;
  /** A pair paused before it stopped stays paused. */
  paused: boolean;
  /** What stopped the run before. */
  stopped: StoppedRun;
}

/** A restart refused, with what the admin sees: 404 no such pair, 409 not stopped, 503 Temporal unreachable. */
export class PairRestartRefused extends Error {
  constructor(
    readonly status: 404 | 409 | 503,
    message: string,
  ) {
    super(message);
    this.name = 'PairRestartRefused';
  }
}

export const ALREADY_RUNNING = 'This pair is already running: there is nothing to restart.';
export const HAS_ENDED = 'This pair has ended: an ended pair is not restarted (its record is kept).';

interface ClosedCycle {
  number: number;
  status: string;
  meetingAt: Date;
}

/**
 * Skips in a row at the end, counted as the workflow counts them: a held meeting (or one a
 * follow-up said did not take place) ends the run, a meeting closed by a pause neither counts nor ends it.
 */
function trailingSkips(closedNewestFirst: readonly ClosedCycle[]): number {
  let skips = 0;
  for (const cycle of closedNewestFirst) {
    if (cycle.status === 'skipped') skips += 1;
    else if (cycle.status !== 'paused') break;
  }
  return skips;
}

/** Meetings that took place after the last one whose follow-up asked for feedback (as the workflow counts them). */
function meetingsSince(closed: readonly ClosedCycle[], lastFeedbackCycle: number): number {
  return closed.filter((cycle) => cycle.number > lastFeedbackCycle && (cycle.status === 'held' || cycle.status === 'not-held')).length;
}

/** The topics no agenda has taken yet: for a later meeting than the last agenda sent, or not yet given one. */
async function waitingTopics(db: RapportPrisma, pairId: string) {
  const lastAgenda = await lastAgendaCycle(db, pairId);
  return db.topic.findMany({
    where: { pairId, OR: [{ forCycle: null }, { forCycle: { gt: lastAgenda } }] },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { id: true, addedByRole: true },
  });
}

/** The stages whose emails the outbox holds for a meeting: the stopped run got that far. */
function stagesSent(outboxStages: readonly string[]): Stage[] {
  const sent = new Set<Stage>();
  for (const stage of outboxStages) {
    if (stage === 'reflection' || stage === 'managerPrep') sent.add('reflection');
    else if (stage.startsWith('reminder-')) sent.add('reminder');
    else if (stage === 'agenda') sent.add('agenda');
    else if (stage === 'followUpReport' || stage === 'followUpManager' || stage === 'feedback') sent.add('followUp');
  }
  return [...sent];
}

/**
 * The meeting the stopped run was in the middle of, from what that run last wrote of its state
 * (Pair.state) and the emails the outbox holds: the new run carries on with it rather than plan it
 * afresh, so stages already done are not run again (an agenda would take the topics meant for the
 * next meeting) and a meeting already held is not moved. Its stage times are planned again at once.
 */
async function meetingUnderWay(db: RapportPrisma, pair: Pair, lastClosed: number): Promise<CycleState | null> {
  const status = storedStatusOf(pair);
  if (!status || status.cycle === null || status.meetingAt === null || status.cycle <= lastClosed) return null;
  const number = status.cycle;
  const meetingAt = Date.parse(status.meetingAt);
  const [sent, answers] = await Promise.all([
    db.outboxEmail.findMany({ where: { pairId: pair.id, cycleNumber: number }, select: { stage: true } }),
    db.answer.findMany({ where: { pairId: pair.id, cycleNumber: number, deliveredAt: { not: null } }, select: { kind: true } }),
  ]);
  const pending = new Map(status.nextEvents.map((event) => [event.stage, Date.parse(event.at)]));
  const sentStages = stagesSent(sent.map((row) => row.stage));
  const done = STAGES.filter((stage) => !pending.has(stage) || sentStages.includes(stage));
  const stageAt = Object.fromEntries(STAGES.map((stage) => [stage, pending.get(stage) ?? meetingAt])) as Record<Stage, number>;
  const answered = answers.map((answer) => answer.kind).filter((kind): kind is FormKind => kind in FORM_RECIPIENT);
  // followingSlotAt is a stand-in until the replan, which the new run does before anything else.
  return { number, plan: { slotAt: meetingAt, meetingAt, stageAt, followingSlotAt: meetingAt + 7 * 24 * 3_600_000 }, done, answered, replan: 'stages' };
}

/** The forms still open, so that answers to them are taken after the restart. */
async function formsStillOpen(db: RapportPrisma, pairId: string): Promise<PairState['openForms']> {
  const forms = await db.form.findMany({
    where: { pairId, closedAt: null },
    orderBy: [{ cycleNumber: 'asc' }, { kind: 'asc' }],
    select: { cycleNumber: true, kind: true },
  });
  return forms.filter((form) => form.kind in FORM_RECIPIENT).map((form) => ({ cycle: form.cycleNumber, kind: form.kind as FormKind }));
}

/**
 * The state a restarted run carries on from, made from the database: the meeting under way when
 * the stopped run wrote it (see meetingUnderWay), else the one after the last closed cycle.
 * lastSlotAt is the last closed cycle's meeting time, which is its cadence slot unless the meeting
 * was rescheduled.
 */
export async function restartStateOf(db: RapportPrisma, pair: Pair): Promise<PairState> {
  const pairId = pair.id;
  const [closed, openItems, lastFeedback, topics, openForms] = await Promise.all([
    db.cycle.findMany({ where: { pairId, closedAt: { not: null } }, orderBy: { number: 'desc' }, select: { number: true, status: true, meetingAt: true } }),
    db.actionItem.findMany({ where: { pairId, done: false }, orderBy: [{ cycleNumber: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }] }),
    db.form.findFirst({ where: { pairId, kind: 'feedback' }, orderBy: { cycleNumber: 'desc' }, select: { cycleNumber: true } }),
    waitingTopics(db, pairId),
    formsStillOpen(db, pairId),
  ]);
  const lastClosed = closed.at(0);
  const cycle = await meetingUnderWay(db, pair, lastClosed?.number ?? 0);
  return {
    version: PAIR_STATE_VERSION,
    pairId,
    settings: pairSettingsFromRow(pair),
    cycle,
    lastSlotAt: lastClosed ? lastClosed.meetingAt.getTime() : null,
    nextCycleNumber: cycle?.number ?? (lastClosed?.number ?? 0) + 1,
    consecutiveSkips: trailingSkips(closed),
    meetingsSinceFeedback: meetingsSince(closed, lastFeedback?.cycleNumber ?? 0),
    paused: pair.status === 'paused',
    ended: false,
    // The new run's writes of Pair.state must come after the stopped run's: they carry higher revisions.
    stateRevision: pair.stateRevision,
    openForms,
    openActionItems: openItems.map((item) => ({ id: item.id, cycle: item.cycleNumber, owner: roleOf(item.owner) })),
    pendingTopics: topics.map((topic) => ({ id: topic.id, by: roleOf(topic.addedByRole) })),
    questionSetVersion: null,
    topicSeq: 0,
  };
}

/** Runs a call to Temporal, turning a failure into a 503 that says so. */
async function askingTemporal<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof PairRestartRefused) throw error;
    throw new PairRestartRefused(503, `The pair's workflow could not be restarted: Temporal answered "${(error as Error).message}". Try again in a moment.`);
  }
}

/** The stopped run, or the refusal that says why this pair cannot be restarted. */
function stoppedRunOf(liveness: Liveness): StoppedRun {
  if (liveness.kind === 'running') throw new PairRestartRefused(409, ALREADY_RUNNING);
  if (liveness.kind === 'completed') throw new PairRestartRefused(409, HAS_ENDED);
  return liveness.run;
}

/**
 * Records the restart in the pair's log. Topics the new run carries that no workflow had accepted
 * (saved while Temporal could not be reached) are the new run's now: they get the meeting whose
 * agenda takes them, as accepted topics have, so that a later restart does not carry them again.
 */
async function recordRestart(db: RapportPrisma, runId: string, carried: PairState, stopped: StoppedRun): Promise<void> {
  const { pairId, nextCycleNumber } = carried;
  const detail = { stopped, cycle: nextCycleNumber, openActionItems: carried.openActionItems.length, pendingTopics: carried.pendingTopics.length };
  const id = `restarted:${pairId}:${runId}`;
  const agendaCycle = Math.max(nextCycleNumber, (await lastAgendaCycle(db, pairId)) + 1);
  await db.$transaction([
    db.pairEvent.upsert({
      where: { id },
      create: { id, pairId, cycleNumber: nextCycleNumber, kind: 'restarted', detail: JSON.stringify(detail) },
      update: {},
    }),
    db.topic.updateMany({ where: { id: { in: carried.pendingTopics.map((topic) => topic.id) }, forCycle: null }, data: { forCycle: agendaCycle } }),
  ]);
}

/** Starts the new run and gives its id; a start refused because another got there first says whether the pair runs or ended. */
async function startNewRun({ db, temporal, taskQueue }: PairRestartDeps, pair: Pair, carried: PairState): Promise<string> {
  const managerKey = await managerKeyOf(db, pair.managerEmail);
  const start = { carried, workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY', workflowIdConflictPolicy: 'FAIL' } as const;
  try {
    return (await startPairWorkflow(temporal, taskQueue, pair.id, carried.settings, managerKey, start)).firstExecutionRunId;
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    stoppedRunOf(await livenessOf(temporal, pair.id));
    throw new PairRestartRefused(409, 'This pair was restarted or ended a moment ago: look at it again.');
  }
}

/**
 * Starts a new run of a stopped pair's workflow under the same id and records it in the pair's log.
 * Refused unless the pair is stopped: a running pair is left alone, and an ended one stays ended
 * (its completed run refuses ALLOW_DUPLICATE_FAILED_ONLY too).
 */
export async function restartPair({ db, temporal, taskQueue }: PairRestartDeps, pairId: string): Promise<RestartedPair> {
  const pair = await db.pair.findUnique({ where: { id: pairId } });
  if (!pair) throw new PairRestartRefused(404, `There is no pair ${pairId}.`);
  if (pair.status === 'ended') throw new PairRestartRefused(409, HAS_ENDED);
  const stopped = stoppedRunOf(await askingTemporal(() => livenessOf(temporal, pairId)));
  const carried = await restartStateOf(db, pair);
  const runId = await askingTemporal(() => startNewRun({ db, temporal, taskQueue }, pair, carried));
  await recordRestart(db, runId, carried, stopped);
  return {
    pairId,
    cycle: carried.nextCycleNumber,
    openActionItems: carried.openActionItems.length,
    pendingTopics: carried.pendingTopics.length,
    paused: carried.paused,
    stopped,
  };
}
