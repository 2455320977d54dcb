// How an answer is stored (Answer.payload) and how it reads: one format for every place that shows
// one, so the agenda, a person's record, the admin's history, the exports and the CLI agree.
import type { Question } from '../question-sets/question-types';
import type { AnswerValue, FormAnswer, FormKind, NewActionItem } from '../workflows/pair-types';

/**
 * How the report wants the manager to see a feedback answer: with their name, or only inside the
 * manager's summary pooled with their other reports' feedback (see feedback-pool.ts).
 */
export type FeedbackSharing = 'named' | 'pooled';
export const FEEDBACK_SHARINGS: readonly FeedbackSharing[] = ['named', 'pooled'];

/** An answer as the web service stores it: what the workflow is told of, plus what only the database keeps. */
export type StoredAnswer = FormAnswer & { feedbackSharing?: FeedbackSharing };

/** Answer.payload as answerPayload() writes it, with its lists defaulted. */
export interface StoredAnswerPayload {
  answers: Record<string, AnswerValue>;
  meetingHeld?: boolean;
  actionItems: NewActionItem[];
  completedActionItemIds: string[];
  privateQuestionIds: string[];
  /** Feedback forms only; absent (every other form, and feedback stored before the choice existed) means named. */
  feedbackSharing?: FeedbackSharing;
}

/** An answer to one question; the action-items question's answer is the list agreed. */
export type QuestionAnswer = AnswerValue | NewActionItem[];

/** How an answer is stored: everything but its address (cycle and form kind). */
export function answerPayload(answer: StoredAnswer): string {
  return JSON.stringify({
    answers: answer.answers,
    meetingHeld: answer.meetingHeld,
    actionItems: answer.actionItems,
    completedActionItemIds: answer.completedActionItemIds,
    privateQuestionIds: answer.privateQuestionIds,
    feedbackSharing: answer.feedbackSharing,
  });
}

export function parseAnswerPayload(json: string): StoredAnswerPayload {
  const raw = JSON.parse(json) as Partial<StoredAnswerPayload>;
  return {
    answers: raw.answers ?? {},
    ...(typeof raw.meetingHeld === 'boolean' ? { meetingHeld: raw.meetingHeld } : {}),
    actionItems: raw.actionItems ?? [],
    completedActionItemIds: raw.completedActionItemIds ?? [],
    privateQuestionIds: raw.privateQuestionIds ?? [],
    ...(FEEDBACK_SHARINGS.includes(raw.feedbackSharing as FeedbackSharing) ? { feedbackSharing: raw.feedbackSharing } : {}),
  };
}

/** The answer a payload gives to one question; null when it was left unanswered. */
export function answerTo(question: Question, payload: StoredAnswerPayload): QuestionAnswer | null {
  if (question.type === 'actionItems') return payload.actionItems.length > 0 ? payload.actionItems : null;
  const value = payload.answers[question.id] ?? null;
  return value === '' ? null : value;
}

export function isPrivateAnswer(question: Question, payload: StoredAnswerPayload): boolean {
  return payload.privateQuestionIds.includes(question.id);
}

/** Whether the report asked for this feedback to count only in the manager's pooled summary. */
export const isPooledAnswer = (kind: FormKind, payload: StoredAnswerPayload): boolean => kind === 'feedback' && payload.feedbackSharing === 'pooled';

/** How an answer reads as text: yes/no in words, a scale out of 5, action items with their owners. */
export function answerText(question: Question, value: QuestionAnswer): string {
  if (Array.isArray(value)) return value.map((item) => `${item.text} (${item.owner})`).join('\n');
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (question.type === 'scale') return `${String(value)} / 5`;
  return String(value);
}
