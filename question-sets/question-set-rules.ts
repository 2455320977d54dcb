// Validation of a question set an admin saves: every problem as a sentence naming where it is.
import { isRecord } from '../workflows/message-rules';
import { quoted } from '../workflows/quoted';
import { STAGES_THAT_CAN_BE_DISABLED, type QuestionSetStage, type QuestionSetStages } from './question-types';

export const QUESTION_SET_STAGES: QuestionSetStage[] = ['reflection', 'managerPrep', 'followUp', 'feedback'];
const QUESTION_TYPES = ['text', 'scale', 'yesNo', 'choice', 'actionItems'];
const QUESTION_ID = /^[a-z][a-zA-Z0-9_-]{0,39}$/;
const MAX_QUESTIONS = 30;
const MAX_TEXT = 300;
const MAX_SCALE_LABEL = 100;


const isScaleLabel = (label: unknown) => typeof label === 'string' && label.trim() !== '' && label.length <= MAX_SCALE_LABEL;

/**
 * Options and scale labels belong to one type each, and the pages and the CLI show them as text:
 * anything else stored would break every page that shows the question.
 */
function optionalFieldProblems(at: string, question: Record<string, unknown>): string[] {
  if (!QUESTION_TYPES.includes(question.type as string)) return [];
  const problems: string[] = [];
  if (question.options !== undefined && question.type !== 'choice') problems.push(`${at}: only a choice question has options`);
  if (question.scaleLabels === undefined) return problems;
  if (question.type !== 'scale') problems.push(`${at}: only a scale question has scaleLabels`);
  else if (!isRecord(question.scaleLabels) || !isScaleLabel(question.scaleLabels.low) || !isScaleLabel(question.scaleLabels.high)) {
    problems.push(`${at}: scaleLabels must be { "low": text, "high": text } of 1 to ${MAX_SCALE_LABEL} characters each`);
  }
  return problems;
}

/**
 * Every problem with one question, each starting with `at` ("reflection question 2"). The stage it
 * goes on decides whether action items are allowed; ids already in `seen` are refused as duplicates.
 */
export function questionProblems(at: string, stage: string | null, question: unknown, seen = new Set<string>()): string[] {
  if (!isRecord(question)) return [`${at} must be an object`];
  const problems: string[] = [];
  const id = question.id;
  if (typeof id !== 'string' || !QUESTION_ID.test(id)) problems.push(`${at}: id must start with a lowercase letter and use letters, digits, - or _ (at most 40)`);
  else if (seen.has(id)) problems.push(`${at}: duplicate id "${id}"`);
  else seen.add(id);
  const text = typeof question.text === 'string' ? question.text.trim() : '';
  if (text === '') problems.push(`${at}: question text is empty`);
  if (text.length > MAX_TEXT) problems.push(`${at}: question text is longer than ${MAX_TEXT} characters`);
  if (!QUESTION_TYPES.includes(question.type as string)) problems.push(`${at}: unknown type "${quoted(question.type)}" (text, scale, yesNo, choice or actionItems)`);
  if (typeof question.required !== 'boolean') problems.push(`${at}: required must be true or false`);
  if (question.type === 'choice') {
    const options = question.options;
    if (!Array.isArray(options) || options.length < 2) problems.push(`${at}: a choice question needs at least two options`);
    else if (options.some((o) => typeof o !== 'string' || o.trim() === '')) problems.push(`${at}: choice options must be non-empty text`);
    else if (new Set(options).size !== options.length) problems.push(`${at}: choice options must differ`);
  }
  problems.push(...optionalFieldProblems(at, question));
  if (question.type === 'actionItems' && stage !== 'followUp') problems.push(`${at}: action items belong on the follow-up form`);
  if (question.maxLength !== undefined && (!Number.isInteger(question.maxLength) || (question.maxLength as number) < 1 || (question.maxLength as number) > 10_000)) {
    problems.push(`${at}: maxLength must be a whole number from 1 to 10000`);
  }
  return problems;
}

export function questionSetProblems(stages: unknown): string[] {
  if (!isRecord(stages)) return ['a question set is an object with reflection, managerPrep, followUp and feedback lists'];
  const unknown = Object.keys(stages).filter((key) => key !== 'disabledStages' && !QUESTION_SET_STAGES.includes(key as QuestionSetStage));
  const problems = unknown.map((key) => `unknown stage "${key}"`);
  const disabled = stages.disabledStages;
  if (disabled !== undefined) {
    if (!Array.isArray(disabled)) problems.push('disabledStages must be a list of stages');
    else {
      for (const stage of disabled) {
        if (!STAGES_THAT_CAN_BE_DISABLED.includes(stage as QuestionSetStage)) {
          problems.push(`disabledStages: "${quoted(stage)}" cannot be switched off (only ${STAGES_THAT_CAN_BE_DISABLED.join(', ')})`);
        }
      }
    }
  }
  for (const stage of QUESTION_SET_STAGES) {
    const list = stages[stage];
    if (!Array.isArray(list)) {
      problems.push(`${stage} must be a list of questions`);
      continue;
    }
    if (list.length > MAX_QUESTIONS) problems.push(`${stage} has more than ${MAX_QUESTIONS} questions`);
    const seen = new Set<string>();
    list.forEach((question, index) => problems.push(...questionProblems(`${stage} question ${index + 1}`, stage, question, seen)));
  }
  return problems;
}

/** A short description of what changed between two versions, for the audit log. */
export function describeQuestionSetChange(before: QuestionSetStages, after: QuestionSetStages): string {
  const changes: string[] = [];
  for (const stage of QUESTION_SET_STAGES) {
    const old = new Map(before[stage].map((q) => [q.id, q]));
    const now = new Map(after[stage].map((q) => [q.id, q]));
    for (const id of now.keys()) if (!old.has(id)) changes.push(`${stage}: added ${id}`);
    for (const id of old.keys()) if (!now.has(id)) changes.push(`${stage}: removed ${id}`);
    for (const [id, question] of now) {
      const previous = old.get(id);
      if (previous && JSON.stringify(previous) !== JSON.stringify(question)) changes.push(`${stage}: edited ${id}`);
    }
    const order = (list: { id: string }[]) => list.map((q) => q.id).filter((id) => old.has(id) && now.has(id)).join(',');
    if (order(before[stage]) !== order(after[stage])) changes.push(`${stage}: reordered`);
  }
  const off = (set: QuestionSetStages) => [...(set.disabledStages ?? [])].sort().join(',');
  if (off(before) !== off(after)) changes.push(`stages switched off: ${off(after) || 'none'}`);
  return changes.length > 0 ? changes.join('; ') : 'no change';
}
