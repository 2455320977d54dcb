// Saving an answer and handing it to the pair's workflow. The answer is stored first, so that it is
// never lost: when the workflow cannot be reached it stays stored and is delivered later by
// redeliverPendingAnswers. When the workflow refuses it (the stage closed), it is not kept.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { answerPayload } from '../pairs/answer-format';
import { sendToPair } from '../pairs/registration';
import type { RapportPrisma } from '../prisma/database';
import { answerFormUpdate } from '../workflows/pair-messages';
import { FOLLOW_UP_FORMS, FORM_RECIPIENT, type FormAnswer, type FormAnswered } from '../workflows/pair-types';
import { newSubmissionId, updateIdFor } from '../pairs/submission-ids';
import type { FormRow } from '../pairs/links';

export interface DeliveryDeps {
  db: RapportPrisma;
  temporal: Client;
  /** How long a submission waits for the workflow before saying "saved, will be delivered". */
  updateTimeoutMs: number;
}

export type Delivery = { outcome: 'delivered' } | { outcome: 'pending' } | { outcome: 'refused'; reason: string };

/**
 * What the workflow is told of a stored answer: which form, and the facts it decides on. The
 * answers themselves stay in the database.
 */
export function answeredMessage(answer: FormAnswer): FormAnswered {
  const facts = answer.meetingHeld === undefined ? {} : { meetingHeld: answer.meetingHeld };
  if (!FOLLOW_UP_FORMS.includes(answer.kind)) return { cycle: answer.cycle, kind: answer.kind, ...facts };
  return {
    cycle: answer.cycle,
    kind: answer.kind,
    ...facts,
    addedActionItems: (answer.actionItems ?? []).map((item) => ({ owner: item.owner })),
    completedActionItemIds: answer.completedActionItemIds ?? [],
  };
}

async function deliver(deps: DeliveryDeps, pairId: string, answer: FormAnswer, updateId: string): Promise<Delivery> {
  try {
    await deps.temporal.connection.withDeadline(Date.now() + deps.updateTimeoutMs, () =>
      sendToPair(deps.temporal, pairId, (handle) => handle.executeUpdate(answerFormUpdate, { args: [answeredMessage(answer)], updateId })),
    );
    return { outcome: 'delivered' };
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) return { outcome: 'refused', reason: error.cause?.message ?? 'refused' };
    if (error instanceof WorkflowNotFoundError) return { outcome: 'refused', reason: 'This pair has ended.' };
    return { outcome: 'pending' };
  }
}

/** The Update's id of one stored version of an answer: a redelivery of the same version is applied once. */
const answerUpdateId = (formId: string, submissionId: string) => updateIdFor('answer', `${formId}-${submissionId}`);

export async function saveAndDeliver(deps: DeliveryDeps, form: FormRow, answer: FormAnswer, submissionId = newSubmissionId()): Promise<Delivery> {
  const { db } = deps;
  const previous = await db.answer.findUnique({ where: { formId: form.id } });
  const payload = answerPayload(answer);
  await db.answer.upsert({
    where: { formId: form.id },
    create: {
      id: form.id,
      formId: form.id,
      pairId: form.pairId,
      cycleNumber: form.cycleNumber,
      kind: form.kind,
      respondentRole: FORM_RECIPIENT[answer.kind],
      payload,
      submissionId,
    },
    update: { payload, deliveredAt: null, deliveryError: null, submissionId },
  });
  const delivery = await deliver(deps, form.pairId, answer, answerUpdateId(form.id, submissionId));
  if (delivery.outcome === 'delivered') {
    // The workflow stored the answer as delivered itself (recordAnswer); should the database fail
    // just now, the saved answer must not get the "not saved" page.
    await db.answer.update({ where: { formId: form.id }, data: { deliveredAt: new Date() } }).catch(() => undefined);
  } else if (delivery.outcome === 'refused') {
    // Nothing from a refused submission is kept; an earlier accepted answer stays as it was.
    if (previous)
      await db.answer.update({
        where: { formId: form.id },
        data: { payload: previous.payload, deliveredAt: previous.deliveredAt, deliveryError: previous.deliveryError, submissionId: previous.submissionId },
      });
    else await db.answer.delete({ where: { formId: form.id } });
  }
  return delivery;
}

/** Delivers answers saved while the workflow could not be reached. Returns how many went through. */
export async function redeliverPendingAnswers(deps: DeliveryDeps, olderThanMs = 5_000): Promise<number> {
  const pending = await deps.db.answer.findMany({
    where: { deliveredAt: null, deliveryError: null, updatedAt: { lt: new Date(Date.now() - olderThanMs) } },
    take: 100,
  });
  let delivered = 0;
  for (const row of pending) {
    const answer = { ...(JSON.parse(row.payload) as Omit<FormAnswer, 'cycle' | 'kind'>), cycle: row.cycleNumber, kind: row.kind } as FormAnswer;
    const delivery = await deliver(deps, row.pairId, answer, answerUpdateId(row.formId, row.submissionId ?? row.updatedAt.getTime().toString()));
    if (delivery.outcome === 'pending') continue;
    // A refusal here keeps the answer in the record, with the reason, rather than losing it.
    await deps.db.answer.update({
      where: { id: row.id },
      data: delivery.outcome === 'delivered' ? { deliveredAt: new Date() } : { deliveryError: delivery.reason.slice(0, 500) },
    });
    if (delivery.outcome === 'delivered') delivered += 1;
  }
  return delivered;
}

/** Runs redeliverPendingAnswers every few seconds until stopped; a failed pass just waits for the next. */
export function startAnswerRedelivery(deps: DeliveryDeps, everyMs: number, onError: (error: unknown) => void = () => {}): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => redeliverPendingAnswers(deps)).catch(onError);
  }, everyMs);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
