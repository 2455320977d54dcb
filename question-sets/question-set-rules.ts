// Validation of a question set an admin saves: every problem with the field it is about, in a
// sentence naming where it is.
import { isRecord } from '../workflows/message-rules';
import { problem, requestProblem, type Problem } from '../workflows/problem-list';
import { quoted } from '../workflows/quoted';
import { STAGES_THAT_CAN_BE_DISABLED, type QuestionSetStage, type QuestionSetStages } from './question-types';

export const QUESTION_SET_STAGES: QuestionSetStage[] = ['reflection', 'managerPrep', 'followUp', 'feedback'];
const QUESTION_TYPES = ['text', 'scale', 'yesNo', 'choice', 'actionItems'];
const QUESTION_ID = /^[a-z][a-zA-Z0-9_-]{0,39}$/;
const MAX_QUESTIONS = 30;
const MAX_TEXT = 300;
const MAX_SCALE_LABEL = 100;

/** Each stage as the admin's pages name it. */
const STAGE_WORDS: Record<QuestionSetStage, string> = {
  reflection: 'Reflection',
  managerPrep: 'Manager prep',
  followUp: 'Follow-up',
  feedback: 'Feedback',
};

/** A sentence about a question: where it is ("Reflection question 2"), then what is wrong. */
const about = (at: string, text: string) => `${at.charAt(0).toUpperCase()}${at.slice(1)}: ${text}`;

const isScaleLabel = (label: unknown) => typeof label === 'string' && label.trim() !== '' && label.length <= MAX_SCALE_LABEL;

/** Where a question is: `at` names it in sentences ("reflection question 2"), `path` in fields ("reflection.1"). */
export interface QuestionPlace {
  at: string;
  path: string;
}

/**
 * Options and scale labels belong to one type each, and the pages and the CLI show them as text:
 * anything else stored would break every page that shows the question.
 */
function optionalFieldProblems({ at, path }: QuestionPlace, question: Record<string, unknown>): Problem[] {
  if (!QUESTION_TYPES.includes(question.type as string)) return [];
  const problems: Problem[] = [];
  if (question.options !== undefined && question.type !== 'choice') problems.push(problem(`${path}.options`, about(at, 'only a choice question has options')));
  if (question.maxLength !== undefined && question.type !== 'text')
    problems.push(problem(`${path}.maxLength`, about(at, 'only a text question has a longest answer (maxLength)')));
  if (question.scaleLabels === undefined) return problems;
  if (question.type !== 'scale') problems.push(problem(`${path}.scaleLabels`, about(at, 'only a scale question has labels for its two ends')));
  else if (!isRecord(question.scaleLabels) || !isScaleLabel(question.scaleLabels.low) || !isScaleLabel(question.scaleLabels.high)) {
    problems.push(
      problem(`${path}.scaleLabels`, about(at, `the labels of the scale’s two ends (low and high) must be text of 1 to ${MAX_SCALE_LABEL} characters each`)),
    );
  }
  return problems;
}

function idProblems({ at, path }: QuestionPlace, id: unknown, seen: Set<string>): Problem[] {
  if (typeof id !== 'string' || !QUESTION_ID.test(id)) {
    return [problem(`${path}.id`, about(at, 'the id must start with a lowercase letter and use only letters, digits, - or _ (at most 40)'))];
  }
  if (seen.has(id)) return [problem(`${path}.id`, about(at, `another question already has the id "${id}"`))];
  seen.add(id);
  return [];
}

function choiceProblems({ at, path }: QuestionPlace, options: unknown): Problem[] {
  const field = `${path}.options`;
  if (!Array.isArray(options) || options.length < 2) return [problem(field, about(at, 'a choice question needs at least two options'))];
  if (options.some((o) => typeof o !== 'string' || o.trim() === '')) return [problem(field, about(at, 'every option needs text'))];
  if (new Set(options).size !== options.length) return [problem(field, about(at, 'two options are the same'))];
  return [];
}

const isMaxLength = (value: unknown) => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 10_000;

/**
 * Every problem with one question, each sentence starting with where it is. The stage it goes on
 * decides whether action items are allowed; ids already in `seen` are refused as duplicates.
 */
export function questionProblems(place: QuestionPlace, stage: string | null, question: unknown, seen = new Set<string>()): Problem[] {
  const { at, path } = place;
  if (!isRecord(question)) return [problem(path, about(at, 'this must be a question with an id, text and type'))];
  const problems = idProblems(place, question.id, seen);
  const text = typeof question.text === 'string' ? question.text.trim() : '';
  if (text === '') problems.push(problem(`${path}.text`, about(at, 'the question needs text')));
  if (text.length > MAX_TEXT) problems.push(problem(`${path}.text`, about(at, `the question is too long: at most ${MAX_TEXT} characters`)));
  if (!QUESTION_TYPES.includes(question.type as string)) {
    problems.push(problem(`${path}.type`, about(at, `unknown type "${quoted(question.type)}": use text, scale, yesNo, choice or actionItems`)));
  }
  if (typeof question.required !== 'boolean')
    problems.push(problem(`${path}.required`, about(at, 'whether an answer is required must be yes or no (true or false)')));
  if (question.type === 'choice') problems.push(...choiceProblems(place, question.options));
  problems.push(...optionalFieldProblems(place, question));
  if (question.type === 'actionItems' && stage !== 'followUp') problems.push(problem(`${path}.type`, about(at, 'action items belong on the follow-up form')));
  if (question.maxLength !== undefined && !isMaxLength(question.maxLength)) {
    problems.push(problem(`${path}.maxLength`, about(at, 'the longest answer (maxLength) must be a whole number of characters from 1 to 10000')));
  }
  return problems;
}

function disabledStageProblems(disabled: unknown): Problem[] {
  if (disabled === undefined) return [];
  if (!Array.isArray(disabled)) return [problem('disabledStages', 'The stages switched off (disabledStages) must be a list of stages')];
  return disabled.flatMap((stage: unknown, index) =>
    STAGES_THAT_CAN_BE_DISABLED.includes(stage as QuestionSetStage)
      ? []
      : [problem(`disabledStages.${index}`, `The stage "${quoted(stage)}" cannot be switched off (only ${STAGES_THAT_CAN_BE_DISABLED.join(', ')} can)`)],
  );
}

function stageListProblems(stage: QuestionSetStage, list: unknown): Problem[] {
  if (!Array.isArray(list)) return [problem(stage, `${STAGE_WORDS[stage]} must be a list of questions`)];
  const problems: Problem[] = [];
  if (list.length > MAX_QUESTIONS) problems.push(problem(stage, `${STAGE_WORDS[stage]} has more than ${MAX_QUESTIONS} questions`));
  const seen = new Set<string>();
  list.forEach((question, index) =>
    problems.push(...questionProblems({ at: `${STAGE_WORDS[stage]} question ${index + 1}`, path: `${stage}.${index}` }, stage, question, seen)),
  );
  return problems;
}

export function questionSetProblems(stages: unknown): Problem[] {
  if (!isRecord(stages)) return [requestProblem('A question set is an object with reflection, managerPrep, followUp and feedback lists')];
  const unknown = Object.keys(stages).filter((key) => key !== 'disabledStages' && !QUESTION_SET_STAGES.includes(key as QuestionSetStage));
  const problems = unknown.map((key) => problem(key, `Unknown stage "${quoted(key)}"`));
  problems.push(...disabledStageProblems(stages.disabledStages));
  for (const stage of QUESTION_SET_STAGES) problems.push(...stageListProblems(stage, stages[stage]));
  return problems;
}

/** A value with its keys sorted and undefined ones left out, so that two equal questions compare equal however they were built. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (!isRecord(value)) return value;
  const keys = Object.keys(value).filter((key) => value[key] !== undefined);
  return Object.fromEntries(keys.sort().map((key) => [key, canonical(value[key])]));
}

/** Whether two questions (or lists of them) say the same, whatever the order of their keys. */
export const sameQuestions = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

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
      if (previous && !sameQuestions(previous, question)) changes.push(`${stage}: edited ${id}`);
    }
    const order = (list: { id: string }[]) =>
      list
        .map((q) => q.id)
        .filter((id) => old.has(id) && now.has(id))
        .join(',');
    if (order(before[stage]) !== order(after[stage])) changes.push(`${stage}: reordered`);
  }
  const off = (set: QuestionSetStages) => [...(set.disabledStages ?? [])].sort().join(',');
  if (off(before) !== off(after)) changes.push(`stages switched off: ${off(after) || 'none'}`);
  return changes.length > 0 ? changes.join('; ') : 'no change';
}
