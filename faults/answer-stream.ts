// Answers posted through the web service as a person would (from the form's own page), and the
// check that every answer whose page said "saved" is in the database and reached its workflow.
import { defaultPayloadConverter } from '@temporalio/common';
import { hashToken } from '../pairs/link-tokens';
import { pairHandle } from '../pairs/registration';
import type { AnswerMessage } from '../workflows/pair-types';
import { updateIdFor } from '../pairs/submission-ids';
import type { FaultStack } from './fault-stack';

/** What the web service answered one submission; 'no answer' when the connection failed. */
export type SubmissionStatus = number | 'no answer';

export interface Submission {
  link: string;
  topic: string;
  status: SubmissionStatus;
  page: string;
  at: number;
}

export interface SubmissionTally {
  tried: number;
  /** Answered 200 (saved and acknowledged) or 202 (saved, delivered in a moment). */
  saved: number;
  /** 503, the "not saved, try again" page. */
  notSaved: number;
  noAnswer: number;
  /** Any other status, by status. */
  other: Record<string, number>;
}

export const isSavedPage = (status: SubmissionStatus): boolean => status === 200 || status === 202;
const NOT_SAVED_TITLE = 'Not saved: please try again';

export async function submitAnswer(stack: FaultStack, link: string, topic: string): Promise<Submission> {
  const at = Date.now();
  try {
    const response = await fetch(link, {
      method: 'POST',
      headers: { origin: stack.webUrl, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ 'q.topics': topic }),
      signal: AbortSignal.timeout(60_000),
    });
    return { link, topic, status: response.status, page: await response.text(), at };
  } catch (error) {
    return { link, topic, status: 'no answer', page: (error as Error).message, at };
  }
}

export function tally(submissions: Submission[]): SubmissionTally {
  const result: SubmissionTally = { tried: submissions.length, saved: 0, notSaved: 0, noAnswer: 0, other: {} };
  for (const { status } of submissions) {
    if (isSavedPage(status)) result.saved += 1;
    else if (status === 503) result.notSaved += 1;
    else if (status === 'no answer') result.noAnswer += 1;
    else result.other[status] = (result.other[status] ?? 0) + 1;
  }
  return result;
}

/** Problems with the 503 pages: each must say the answer was not saved and to try again. */
export function notSavedPageProblems(submissions: Submission[]): string[] {
  const unclear = submissions.filter((s) => s.status === 503 && !s.page.includes(NOT_SAVED_TITLE));
  return unclear.length > 0 ? [`${unclear.length} 503 page(s) without "${NOT_SAVED_TITLE}"`] : [];
}

/** The topic of the last submission per form link whose page said saved. */
export function lastSavedTopics(submissions: Submission[]): Map<string, string> {
  const saved = new Map<string, string>();
  for (const submission of [...submissions].sort((a, b) => a.at - b.at)) {
    if (isSavedPage(submission.status)) saved.set(submission.link, submission.topic);
  }
  return saved;
}

const tokenOf = (link: string) => link.split('/forms/')[1] ?? '';

interface StoredAnswer {
  pairId: string;
  cycle: number;
  kind: string;
  topic: unknown;
  delivered: boolean;
  /** The id of the Update that delivers this version of the answer (see web/answer-delivery.ts). */
  updateId: string;
}

async function storedAnswer(stack: FaultStack, link: string): Promise<StoredAnswer | null> {
  const formLink = await stack.database.prisma.formLink.findUnique({ where: { tokenHash: hashToken(tokenOf(link)) } });
  const answer = formLink ? await stack.database.prisma.answer.findUnique({ where: { formId: formLink.formId } }) : null;
  if (!answer) return null;
  const payload = JSON.parse(answer.payload) as { answers?: Record<string, unknown> };
  const submission = answer.submissionId ?? answer.updatedAt.getTime().toString();
  return {
    pairId: answer.pairId,
    cycle: answer.cycleNumber,
    kind: answer.kind,
    topic: payload.answers?.topics,
    delivered: answer.deliveredAt !== null,
    updateId: updateIdFor('answer', `${answer.formId}-${submission}`),
  };
}

/** Whether any answer is stored for the form behind a link. */
export async function hasStoredAnswer(stack: FaultStack, link: string): Promise<boolean> {
  return (await storedAnswer(stack, link)) !== null;
}

/**
 * The update ids of the answers the pair's workflow accepted and completed, by "cycle:kind", in
 * order. History holds no answer's text, only which form was answered: the update id (made from
 * the submission and stored with the answer) says which version of the answer it was.
 */
async function answersInWorkflow(stack: FaultStack, pairId: string): Promise<Map<string, string[]>> {
  const history = await pairHandle(stack.client, pairId).fetchHistory();
  const requested = new Map<string, AnswerMessage>();
  const completed = new Map<string, string[]>();
  for (const event of history.events ?? []) {
    const accepted = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
    if (accepted?.input?.name === 'answerForm' && accepted.meta?.updateId) {
      const [payload] = accepted.input.args?.payloads ?? [];
      if (payload) requested.set(accepted.meta.updateId, defaultPayloadConverter.fromPayload<AnswerMessage>(payload));
    }
    const done = event.workflowExecutionUpdateCompletedEventAttributes;
    const updateId = done?.meta?.updateId;
    const answer = updateId ? requested.get(updateId) : undefined;
    if (answer && updateId && done?.outcome?.success) {
      const key = `${answer.cycle}:${answer.kind}`;
      completed.set(key, [...(completed.get(key) ?? []), updateId]);
    }
  }
  return completed;
}

export interface SavedAnswersCheck {
  /** Forms whose saved answer is stored with its text, acknowledged and the workflow's latest. */
  complete: number;
  /** Saved pages whose answer is not in the database with that text. */
  missing: number;
  /** In the database, but the workflow never acknowledged it (deliveredAt empty) by the deadline. */
  unacknowledged: number;
  /** Not the latest answer to its form that the pair's workflow accepted and completed. */
  notInWorkflow: number;
  problems: string[];
}

/** Waits (until deadlineAt) for every saved answer to be stored, acknowledged and in its workflow's history. */
export async function checkSavedAnswers(stack: FaultStack, saved: Map<string, string>, deadlineAt: number): Promise<SavedAnswersCheck> {
  for (;;) {
    const check = await checkSavedAnswersOnce(stack, saved);
    if (check.problems.length === 0 || Date.now() > deadlineAt) return check;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

async function checkSavedAnswersOnce(stack: FaultStack, saved: Map<string, string>): Promise<SavedAnswersCheck> {
  const check: SavedAnswersCheck = { complete: 0, missing: 0, unacknowledged: 0, notInWorkflow: 0, problems: [] };
  const workflows = new Map<string, Map<string, string[]>>();
  for (const [link, topic] of saved) {
    const stored = await storedAnswer(stack, link).catch(() => null);
    if (!stored || stored.topic !== topic) {
      check.missing += 1;
      continue;
    }
    const inWorkflow = workflows.get(stored.pairId) ?? (await answersInWorkflow(stack, stored.pairId).catch(() => new Map<string, string[]>()));
    workflows.set(stored.pairId, inWorkflow);
    // The workflow's latest answer to the form must be the one saved last.
    const latest = inWorkflow.get(`${stored.cycle}:${stored.kind}`)?.at(-1) === stored.updateId;
    if (!stored.delivered) check.unacknowledged += 1;
    if (!latest) check.notInWorkflow += 1;
    if (stored.delivered && latest) check.complete += 1;
  }
  const report = (count: number, what: string) => count > 0 && check.problems.push(`${count} saved answer(s) ${what}`);
  report(check.missing, 'missing from the database');
  report(check.unacknowledged, 'never acknowledged by the workflow');
  report(check.notInWorkflow, "not the latest in their workflow's history");
  return check;
}
