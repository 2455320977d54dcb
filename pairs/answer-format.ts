// How an answer is stored (Answer.payload) and how it reads: one format for every place that shows
// one, so the agenda, a person's record, the admin's history, the exports and the CLI agree.
import type { Question } from '../question-sets/question-types';
import type { AnswerValue, FormAnswer, NewActionItem } from '../workflows/pair-types';

/** Answer.payload as answerPayload() writes it, with its lists defaulted. */
export interface StoredAnswerPayload {
  answers: Record<string, AnswerValue>;
  meetingHeld?: boolean;
  actionItems: NewActionItem[];
  completedActionItemIds: string[];
  privateQuestionIds: string[];
}

/** An answer to one question; the action-items question's answer is the list agreed. */
export type QuestionAnswer = AnswerValue | NewActionItem[];

/** How an answer is stored: everything but its address (cycle and form kind). */
export function answerPayload(answer: FormAnswer): string {
  return JSON.stringify({
    answers: answer.answers,
    meetingHeld: answer.meetingHeld,
    actionItems: answer.actionItems,
    completedActionItemIds: answer.completedActionItemIds,
    privateQuestionIds: answer.privateQuestionIds,
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

/** How an answer reads as text: yes/no in words, a scale out of 5, action items with their owners. */
export function answerText(question: Question, value: QuestionAnswer): string {
  if (Array.isArray(value)) return value.map((item) => `${item.text} (${item.owner})`).join('\n');
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (question.type === 'scale') return `${String(value)} / 5`;
  return String(value);
}
