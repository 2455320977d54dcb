// Checks a submitted form against the exact questions it was sent with, and turns the fields into
// the answer the workflow takes. Every problem is reported next to its question.
import { FEEDBACK_SHARINGS, type FeedbackSharing, type StoredAnswer } from '../pairs/answer-format';
import type { Question } from '../question-sets/question-types';
import { FOLLOW_UP_FORMS, MAX_ACTION_ITEM_LENGTH, type AnswerValue, type FormKind, type NewActionItem } from '../workflows/pair-types';
import { listedProblems } from '../workflows/problem-list';

export type FormFields = Record<string, string | string[] | undefined>;

export const DEFAULT_TEXT_LIMIT = 2_000;
export const ACTION_ITEM_ROWS = 5;
/** Problems not tied to a question that the page lists before counting the rest. */
const MAX_LISTED_FORM_ERRORS = 5;

export interface ActionItemRow {
  text: string;
  owner: string;
}

/** The feedback form's field for how the manager sees the answers ('named' or 'pooled'). */
export const SHARING_FIELD = 'feedbackSharing';
/** Its problem's key in `errors`: not a question id, which cannot contain a dot. */
export const SHARING_ERROR = 'form.feedbackSharing';

export interface SubmissionCheck {
  answer: StoredAnswer;
  /** Problems by question id (and the sharing choice's by SHARING_ERROR). */
  errors: Record<string, string>;
  /** Problems not tied to one question. */
  formErrors: string[];
  /** What was typed, for showing the form again. */
  typed: { values: Record<string, string>; privateIds: string[]; actionItems: ActionItemRow[]; completedIds: string[]; sharing: string };
}

/**
 * Whether the report may keep an answer from the manager: not on the feedback form, whose whole
 * purpose is to reach the manager (its sharing choice says how), not on the follow-up's "did the 1:1
 * take place", which the cycle is recorded by, and never for action items, which both keep.
 */
export function mayBePrivate(kind: FormKind, question: Question): boolean {
  if (kind === 'feedback' || question.type === 'actionItems') return false;
  return !(FOLLOW_UP_FORMS.includes(kind) && question.id === 'held');
}

const isFieldValue = (value: unknown) => typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'));

/** The fields of a posted form, or null when the body is not names with text values (e.g. JSON with nested values). */
export function formFieldsOf(body: unknown): FormFields | null {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) return null;
  return Object.values(body).every(isFieldValue) ? (body as FormFields) : null;
}

const single = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? undefined : value);
const many = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function knownField(name: string, questions: Question[], kind: FormKind): boolean {
  const [prefix, rest] = [name.slice(0, name.indexOf('.') + 1), name.slice(name.indexOf('.') + 1)];
  if (prefix === 'q.') return questions.some((q) => q.id === rest && q.type !== 'actionItems');
  if (prefix === 'private.') return questions.some((q) => q.id === rest && mayBePrivate(kind, q));
  if (/^ai\.(text|owner)\.\d$/.test(name)) return Number(name.slice(-1)) < ACTION_ITEM_ROWS;
  if (name === SHARING_FIELD) return kind === 'feedback';
  return name === 'done' || name === 'submission';
}

/** The feedback form's sharing choice: required, one of the two. */
function checkSharing(raw: string | string[] | undefined): { sharing?: FeedbackSharing; error?: string } {
  const value = single(raw)?.trim() ?? '';
  if (FEEDBACK_SHARINGS.includes(value as FeedbackSharing)) return { sharing: value as FeedbackSharing };
  return { error: value === '' ? 'Choose how your manager sees this feedback.' : 'Choose one of the two ways to share this feedback.' };
}

function checkValue(question: Question, raw: string): { value: AnswerValue; error?: string } {
  const text = raw.trim();
  if (text === '') return question.required ? { value: null, error: 'This question needs an answer.' } : { value: null };
  switch (question.type) {
    case 'text': {
      const limit = question.maxLength ?? DEFAULT_TEXT_LIMIT;
      return text.length > limit ? { value: null, error: `Please keep this to ${limit} characters (it has ${text.length}).` } : { value: text };
    }
    case 'scale': {
      const n = Number(text);
      return Number.isInteger(n) && n >= 1 && n <= 5 ? { value: n } : { value: null, error: 'Choose a value from 1 to 5.' };
    }
    case 'yesNo':
      return text === 'yes' || text === 'no' ? { value: text === 'yes' } : { value: null, error: 'Choose yes or no.' };
    case 'choice':
      return (question.options ?? []).includes(text) ? { value: text } : { value: null, error: 'Choose one of the options.' };
    case 'actionItems':
      return { value: null };
  }
}

function checkActionItems(fields: FormFields, required: boolean): { items: NewActionItem[]; rows: ActionItemRow[]; error?: string } {
  const rows: ActionItemRow[] = [];
  const items: NewActionItem[] = [];
  const problems: string[] = [];
  for (let row = 0; row < ACTION_ITEM_ROWS; row += 1) {
    const text = (single(fields[`ai.text.${row}`]) ?? '').trim();
    const owner = single(fields[`ai.owner.${row}`]) ?? 'report';
    rows.push({ text, owner });
    if (text === '') continue;
    if (text.length > MAX_ACTION_ITEM_LENGTH) problems.push(`Action item ${row + 1} is longer than ${MAX_ACTION_ITEM_LENGTH} characters.`);
    if (owner !== 'report' && owner !== 'manager') problems.push(`Action item ${row + 1} needs an owner.`);
    else items.push({ text, owner });
  }
  if (required && items.length === 0 && problems.length === 0) problems.push('Add at least one action item.');
  return { items, rows, error: problems.length > 0 ? problems.join(' ') : undefined };
}

export function checkSubmission(input: {
  cycle: number;
  kind: FormKind;
  questions: Question[];
  openActionItemIds: string[];
  fields: FormFields;
}): SubmissionCheck {
  const { questions, fields } = input;
  const errors: Record<string, string> = {};
  const formErrors: string[] = [];
  const answers: Record<string, AnswerValue> = {};
  const values: Record<string, string> = {};

  for (const name of Object.keys(fields)) {
    if (!knownField(name, questions, input.kind)) formErrors.push(`The form sent an answer this form does not ask for ("${name.slice(0, 60)}").`);
  }
  let newItems: NewActionItem[] = [];
  let actionItemRows: ActionItemRow[] = [];
  for (const question of questions) {
    if (question.type === 'actionItems') {
      const checked = checkActionItems(fields, question.required);
      newItems = checked.items;
      actionItemRows = checked.rows;
      if (checked.error) errors[question.id] = checked.error;
      continue;
    }
    const raw = fields[`q.${question.id}`];
    if (Array.isArray(raw)) {
      errors[question.id] = 'Give one answer to this question.';
      continue;
    }
    values[question.id] = raw ?? '';
    const checked = checkValue(question, raw ?? '');
    if (checked.error) errors[question.id] = checked.error;
    else answers[question.id] = checked.value;
  }

  const completedIds = many(fields.done);
  const unknownDone = completedIds.filter((id) => !input.openActionItemIds.includes(id));
  if (unknownDone.length > 0) formErrors.push('One of the action items marked done is not open any more.');
  const privateIds = Object.keys(fields)
    .filter((name) => name.startsWith('private.') && single(fields[name]) === 'on')
    .map((name) => name.slice('private.'.length));

  const isFeedback = input.kind === 'feedback';
  const sharing = isFeedback ? checkSharing(fields[SHARING_FIELD]) : {};
  if (sharing.error) errors[SHARING_ERROR] = sharing.error;
  const isFollowUp = FOLLOW_UP_FORMS.includes(input.kind);
  const held = answers.held;
  const answer: StoredAnswer = {
    cycle: input.cycle,
    kind: input.kind,
    answers,
    ...(privateIds.length > 0 ? { privateQuestionIds: privateIds } : {}),
    ...(isFollowUp ? { actionItems: newItems, completedActionItemIds: completedIds } : {}),
    ...(isFollowUp && typeof held === 'boolean' ? { meetingHeld: held } : {}),
    ...(sharing.sharing ? { feedbackSharing: sharing.sharing } : {}),
  };
  const typedSharing = isFeedback ? (single(fields[SHARING_FIELD]) ?? '') : '';
  return {
    answer,
    errors,
    formErrors: listedProblems(formErrors, MAX_LISTED_FORM_ERRORS),
    typed: { values, privateIds, actionItems: actionItemRows, completedIds, sharing: typedSharing },
  };
}
