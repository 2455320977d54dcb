// The activities that keep the pair's written record: answers, action items, topics, cycles and
// an audit log of every change. Each is idempotent, so a retry never writes twice.
import { Context } from '@temporalio/activity';
import type { ActionItemState, CycleOutcome, FormAnswer, OpenForm, PairSettings, TopicState } from '../workflows/pair-types';
import { FORM_RECIPIENT } from '../workflows/pair-types';
import type { ActivityDeps } from './activity-deps';
import { answerPayload } from '../pairs/answer-format';
import { settingsColumns } from '../pairs/pair-rows';
import { formIdFor } from './pair-emails';

export interface RecordAnswerRequest {
  pairId: string;
  answer: FormAnswer;
  newActionItems: ActionItemState[];
  completedActionItemIds: string[];
}

export interface RecordTopicRequest {
  pairId: string;
  topic: TopicState;
  forCycle: number;
}

export interface CloseCycleRequest {
  pairId: string;
  cycle: number;
  meetingAt: number;
  outcome: CycleOutcome;
  reason?: string;
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

  async function recordAnswer({ pairId, answer, newActionItems, completedActionItemIds }: RecordAnswerRequest): Promise<void> {
    const formId = formIdFor(pairId, answer.cycle, answer.kind);
    const payload = answerPayload(answer);
    const now = new Date();
    await db.$transaction(async (tx) => {
      await tx.answer.upsert({
        where: { formId },
        create: {
          id: formId,
          formId,
          pairId,
          cycleNumber: answer.cycle,
          kind: answer.kind,
          respondentRole: FORM_RECIPIENT[answer.kind],
          payload,
          deliveredAt: now,
        },
        update: { payload, deliveredAt: now },
      });
      await tx.actionItem.deleteMany({
        where: { sourceFormId: formId, id: { notIn: newActionItems.map((item) => item.id) } },
      });
      for (const item of newActionItems) {
        await tx.actionItem.upsert({
          where: { id: item.id },
          create: { id: item.id, pairId, cycleNumber: item.cycle, sourceFormId: formId, text: item.text, owner: item.owner },
          update: { text: item.text, owner: item.owner },
        });
      }
      if (completedActionItemIds.length > 0) {
        await tx.actionItem.updateMany({
          where: { id: { in: completedActionItemIds }, pairId },
          data: { done: true, doneInCycle: answer.cycle },
        });
      }
      // Either person saying it did not take place marks the meeting not held; an edit back to
      // "yes" restores it.
      if (answer.meetingHeld === false) {
        await tx.cycle.updateMany({ where: { pairId, number: answer.cycle, status: { in: ['planned', 'held'] } }, data: { status: 'not-held' } });
      } else if (answer.meetingHeld === true) {
        await tx.cycle.updateMany({ where: { pairId, number: answer.cycle, status: 'not-held' }, data: { status: 'held' } });
      }
    });
    deps.onAnswer?.(answer.kind);
  }

  async function recordTopic({ pairId, topic, forCycle }: RecordTopicRequest): Promise<void> {
    await db.topic.upsert({
      where: { id: topic.id },
      create: { id: topic.id, pairId, addedByRole: topic.by, text: topic.text, forCycle },
      update: {},
    });
  }

  async function closeCycle({ pairId, cycle, meetingAt, outcome, reason, closeForms }: CloseCycleRequest): Promise<void> {
    await closeFormsNow(pairId, closeForms);
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
        create: { id: eventIdOfThisActivity(), pairId, cycleNumber: cycle, kind: outcome, detail: JSON.stringify({ reason: reason ?? null }) },
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

  async function endPair({ pairId, unfinishedCycle, closeForms, reason }: EndPairRequest): Promise<void> {
    await closeFormsNow(pairId, closeForms);
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

  return { recordAnswer, recordTopic, closeCycle, recordPairChange, endPair };
}
