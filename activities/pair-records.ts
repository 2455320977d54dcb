// The activities that keep the pair's written record: answers, action items, topics, cycles and
// an audit log of every change. Each is idempotent, so a retry never writes twice.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ActionItemState, CycleOutcome, FormAnswer, FormKind, OpenForm, PairSettings, Role } from '../workflows/pair-types';
import { FORM_RECIPIENT } from '../workflows/pair-types';
import type { ActivityDeps } from './activity-deps';
import { writePairState, type RecordPairStateRequest } from './pair-state-writes';
import { answerPayload, parseAnswerPayload } from '../pairs/answer-format';
import { settingsColumns } from '../pairs/pair-rows';
import { formIdFor } from './pair-emails';

/** An answer the workflow accepted: the web service stored what was typed (Answer.payload) before it was sent. */
export interface RecordAnswerRequest {
  pairId: string;
  cycle: number;
  kind: FormKind;
  meetingHeld?: boolean;
  /** The items the answer agreed, by id, in the order of the stored answer's action items. */
  newActionItems: ActionItemState[];
  completedActionItemIds: string[];
  /** The whole answer, from web services before ids-only messages (and replayed histories). */
  legacyAnswer?: FormAnswer;
}

/** A topic the workflow accepted for the agenda of meeting forCycle. */
export interface RecordTopicRequest {
  pairId: string;
  topicId: string;
  by: Role;
  forCycle: number;
  /** The topic's text, from senders before topics were stored first (and replayed histories). */
  legacyText?: string;
}

export interface CloseCycleRequest {
  pairId: string;
  cycle: number;
  meetingAt: number;
  outcome: CycleOutcome;
  /** The PairNote holding the skip's reason. */
  reasonId?: string;
  /** The reason's text, in state carried from before PairNote. */
  reason?: string;
  /** Who skipped it. */
  by?: Role | 'admin';
  closeForms: OpenForm[];
}

export interface RecordPairChangeRequest {
  pairId: string;
  cycle: number | null;
  kind: string;
  detail: object;
  settings?: PairSettings;
  status?: 'active' | 'paused';
}

export interface EndPairRequest {
  pairId: string;
  unfinishedCycle: { cycle: number; meetingAt: number } | null;
  closeForms: OpenForm[];
  /** The PairNote holding the end's reason. */
  reasonId?: string;
  /** The reason's text, in state carried from before PairNote. */
  reason?: string;
}

/** Stable across retries of one activity, different for every scheduled activity. */
function eventIdOfThisActivity(): string {
  const info = Context.current().info;
  const run = info.workflowExecution;
  return `${run?.workflowId ?? 'standalone'}:${run?.runId ?? ''}:${info.activityId}`;
}

export function createPairRecordActivities(deps: ActivityDeps) {
  const { db } = deps;

  async function closeFormsNow(pairId: string, forms: OpenForm[]) {
    if (forms.length === 0) return;
    const ids = forms.map((form) => formIdFor(pairId, form.cycle, form.kind));
    await db.form.updateMany({ where: { id: { in: ids }, closedAt: null }, data: { closedAt: new Date() } });
  }

  /** The text a PairNote holds, or the text carried from before notes; null when none was given. */
  async function noteText(reasonId: string | undefined, legacy: string | undefined): Promise<string | null> {
    if (reasonId === undefined) return legacy ?? null;
    const note = await db.pairNote.findUnique({ where: { id: reasonId } });
    return note?.text ?? null;
  }

  async function recordAnswer(request: RecordAnswerRequest): Promise<void> {
    const { pairId, cycle, kind, newActionItems, completedActionItemIds, legacyAnswer } = request;
    const formId = formIdFor(pairId, cycle, kind);
    const now = new Date();
    await db.$transaction(async (tx) => {
      if (legacyAnswer) {
        const payload = answerPayload(legacyAnswer);
        await tx.answer.upsert({
          where: { formId },
          create: { id: formId, formId, pairId, cycleNumber: cycle, kind, respondentRole: FORM_RECIPIENT[kind], payload, deliveredAt: now },
          update: { payload, deliveredAt: now },
        });
      }
      // A write first: on SQLite, a transaction that reads and then writes fails at once (SQLITE_BUSY,
      // no waiting) when another process wrote in between, as the web service does all the time;
      // the local activity's retry then cost the person a second. Writing first takes the lock, waiting for it.
      const marked = legacyAnswer ? 1 : (await tx.answer.updateMany({ where: { formId }, data: { deliveredAt: now } })).count;
      const stored = marked > 0 ? await tx.answer.findUnique({ where: { formId } }) : null;
      if (!stored) throw ApplicationFailure.nonRetryable(`the answer to form ${formId} was not stored before it was sent`, 'AnswerNotStored');
      const typed = parseAnswerPayload(stored.payload).actionItems;
      await tx.actionItem.deleteMany({
        where: { sourceFormId: formId, id: { notIn: newActionItems.map((item) => item.id) } },
      });
      for (const [index, item] of newActionItems.entries()) {
        const text = (typed[index]?.text ?? '').trim();
        await tx.actionItem.upsert({
          where: { id: item.id },
          create: { id: item.id, pairId, cycleNumber: item.cycle, sourceFormId: formId, text, owner: item.owner },
          update: { text, owner: item.owner },
        });
      }
      if (completedActionItemIds.length > 0) {
        await tx.actionItem.updateMany({
          where: { id: { in: completedActionItemIds }, pairId },
          data: { done: true, doneInCycle: cycle },
        });
      }
      // Either person saying it did not take place marks the meeting not held; an edit back to
      // "yes" restores it.
      const meetingHeld = legacyAnswer ? legacyAnswer.meetingHeld : request.meetingHeld;
      if (meetingHeld === false) {
        await tx.cycle.updateMany({ where: { pairId, number: cycle, status: { in: ['planned', 'held'] } }, data: { status: 'not-held' } });
      } else if (meetingHeld === true) {
        await tx.cycle.updateMany({ where: { pairId, number: cycle, status: 'not-held' }, data: { status: 'held' } });
      }
    });
    deps.onAnswer?.(kind);
  }

  /** Puts a topic on the agenda of meeting forCycle: the caller stored it first, or (older senders) it comes with its text. */
  async function recordTopic({ pairId, topicId, by, forCycle, legacyText }: RecordTopicRequest): Promise<void> {
    if (legacyText !== undefined) {
      await db.topic.upsert({ where: { id: topicId }, create: { id: topicId, pairId, addedByRole: by, text: legacyText, forCycle }, update: {} });
      return;
    }
    const { count } = await db.topic.updateMany({ where: { id: topicId, pairId }, data: { forCycle } });
    if (count === 0) throw ApplicationFailure.nonRetryable(`topic ${topicId} was not stored before it was sent`, 'TopicNotStored');
  }

  const recordPairState = (request: RecordPairStateRequest) => writePairState(db, request);

  async function closeCycle({ pairId, cycle, meetingAt, outcome, reasonId, reason: carriedReason, by, closeForms }: CloseCycleRequest): Promise<void> {
    await closeFormsNow(pairId, closeForms);
    const reason = outcome === 'skipped' ? ((await noteText(reasonId, carriedReason)) ?? 'no reason given') : (carriedReason ?? undefined);
    const existing = await db.cycle.findUnique({ where: { pairId_number: { pairId, number: cycle } } });
    // A follow-up answer that arrived first and said the meeting did not take place wins over "held".
    const status = outcome === 'held' && existing?.status === 'not-held' ? 'not-held' : outcome;
    await db.cycle.upsert({
      where: { pairId_number: { pairId, number: cycle } },
      create: { id: `${pairId}:${cycle}`, pairId, number: cycle, meetingAt: new Date(meetingAt), status, skipReason: reason, closedAt: new Date() },
      update: { status, skipReason: reason, closedAt: new Date() },
    });
    if (outcome !== 'held') {
      await db.pairEvent.upsert({
        where: { id: eventIdOfThisActivity() },
        create: {
          id: eventIdOfThisActivity(),
          pairId,
          cycleNumber: cycle,
          kind: outcome,
          detail: JSON.stringify({ reason: reason ?? null, ...(by ? { by } : {}) }),
        },
        update: {},
      });
    }
  }

  async function recordPairChange({ pairId, cycle, kind, detail, settings, status }: RecordPairChangeRequest): Promise<void> {
    const id = eventIdOfThisActivity();
    await db.$transaction(async (tx) => {
      await tx.pairEvent.upsert({
        where: { id },
        create: { id, pairId, cycleNumber: cycle, kind, detail: JSON.stringify(detail) },
        update: {},
      });
      if (settings || status) {
        await tx.pair.update({ where: { id: pairId }, data: { ...(settings ? settingsColumns(settings) : {}), ...(status ? { status } : {}) } });
      }
    });
  }

  async function endPair({ pairId, unfinishedCycle, closeForms, reasonId, reason: carriedReason }: EndPairRequest): Promise<void> {
    await closeFormsNow(pairId, closeForms);
    const reason = await noteText(reasonId, carriedReason);
    const id = eventIdOfThisActivity();
    await db.$transaction(async (tx) => {
      if (unfinishedCycle) {
        await tx.cycle.upsert({
          where: { pairId_number: { pairId, number: unfinishedCycle.cycle } },
          create: {
            id: `${pairId}:${unfinishedCycle.cycle}`,
            pairId,
            number: unfinishedCycle.cycle,
            meetingAt: new Date(unfinishedCycle.meetingAt),
            status: 'cancelled',
            closedAt: new Date(),
          },
          update: { status: 'cancelled', closedAt: new Date() },
        });
      }
      await tx.pair.update({ where: { id: pairId }, data: { status: 'ended', endedAt: new Date() } });
      await tx.pairEvent.upsert({ where: { id }, create: { id, pairId, kind: 'ended', detail: JSON.stringify({ reason: reason ?? null }) }, update: {} });
    });
  }

  return { recordAnswer, recordTopic, recordPairState, closeCycle, recordPairChange, endPair };
}
