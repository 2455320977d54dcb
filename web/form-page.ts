// The view model of a form page: the questions of the exact version the form was sent with,
// with what was typed (or answered before) and the problems next to each question.
import { newSubmissionId } from '../pairs/submission-ids';
import type { Question } from '../question-sets/question-types';
import { FORM_RECIPIENT } from '../workflows/pair-types';
import { parseAnswerPayload } from '../pairs/answer-format';
import { ACTION_ITEM_ROWS, DEFAULT_TEXT_LIMIT, mayBePrivate, SHARING_ERROR, SHARING_FIELD, type SubmissionCheck } from './answer-validation';
import type { OpenedForm } from '../pairs/links';
import { FORM_TITLES } from '../pairs/pair-record';

export interface OpenActionItem {
  id: string;
  text: string;
  owner: string;
}

const INTROS: Record<string, (o: OpenedForm) => string> = {
  reflection: (o) => `Your 1:1 with ${o.pair.managerName} is coming up. Your topics come first on the agenda; nothing here is a rating.`,
  managerPrep: (o) => `Your 1:1 with ${o.pair.reportName} is coming up. Their topics come first; note what you would add.`,
  followUpReport: () => 'Record whether the 1:1 took place, the action items you agreed, and what is done.',
  followUpManager: () => 'Record whether the 1:1 took place, the action items you agreed, and what is done.',
  feedback: (o) => `Honest answers help ${o.pair.managerName} make your 1:1s better.`,
};

/** What an earlier stored answer looks like as typed fields. */
export function typedFromStored(payload: string | undefined): SubmissionCheck['typed'] {
  if (!payload) return { values: {}, privateIds: [], actionItems: [], completedIds: [], sharing: 'named' };
  const stored = parseAnswerPayload(payload);
  const values: Record<string, string> = {};
  for (const [id, value] of Object.entries(stored.answers)) {
    values[id] = value === true ? 'yes' : value === false ? 'no' : value === null ? '' : String(value);
  }
  return {
    values,
    privateIds: stored.privateQuestionIds,
    actionItems: stored.actionItems,
    completedIds: stored.completedActionItemIds,
    sharing: stored.feedbackSharing ?? 'named',
  };
}

/**
 * The feedback form's one choice instead of "keep private" boxes: how the manager sees it. Named
 * unless the report chooses otherwise; pooled answers show only in the manager's summary of their
 * reports' feedback, once enough of them have answered that way.
 */
function sharingChoice(opened: OpenedForm, typed: SubmissionCheck['typed'], error: string | undefined) {
  if (opened.form.kind !== 'feedback') return undefined;
  const manager = opened.pair.managerName;
  const options = [
    { value: 'named', label: 'With my name' },
    { value: 'pooled', label: `Only in a summary pooled with ${manager}'s other reports' feedback` },
  ];
  return {
    name: SHARING_FIELD,
    legend: `How should ${manager} see this?`,
    hint: `Pooled answers never show your name: ${manager} sees them only in a summary of their reports' feedback, and only once enough of them have answered that way that no answer points to one person.`,
    error,
    choices: options.map((option) => ({ ...option, id: `sharing-${option.value}`, checked: option.value === typed.sharing })),
  };
}

function choicesOf(question: Question, value: string) {
  const options =
    question.type === 'scale'
      ? ['1', '2', '3', '4', '5'].map((v) => ({ value: v, label: v }))
      : question.type === 'yesNo'
        ? [
            { value: 'yes', label: 'Yes' },
            { value: 'no', label: 'No' },
          ]
        : (question.options ?? []).map((v) => ({ value: v, label: v }));
  return options.map((o) => ({ ...o, checked: o.value === value }));
}

export function formPage(
  opened: OpenedForm,
  action: string,
  typed: SubmissionCheck['typed'],
  openItems: OpenActionItem[],
  problems?: Pick<SubmissionCheck, 'errors' | 'formErrors'>,
  alreadyAnswered = false,
  submission = newSubmissionId(),
) {
  const { pair, form, questions } = opened;
  const errors = problems?.errors ?? {};
  const reportAnswers = FORM_RECIPIENT[form.kind] === 'report';
  const rows = Array.from({ length: ACTION_ITEM_ROWS }, (_, index) => {
    const row = typed.actionItems[index] ?? { text: '', owner: 'report' };
    return { index, number: index + 1, text: row.text, ownerIsReport: row.owner !== 'manager', ownerIsManager: row.owner === 'manager' };
  });
  return {
    title: FORM_TITLES[form.kind],
    intro: INTROS[form.kind](opened),
    action,
    reportName: pair.reportName,
    managerName: pair.managerName,
    submitLabel: 'Save my answers',
    submission,
    // Co-design: the report can suggest changes to their own questions.
    suggestionAction: reportAnswers ? `${action}/suggestion` : undefined,
    alreadyAnswered,
    formErrors: problems?.formErrors ?? [],
    questionErrors: [
      ...questions.filter((q) => errors[q.id]).map((q) => ({ id: `question-${q.id}`, text: q.text, error: errors[q.id] })),
      ...(errors[SHARING_ERROR] ? [{ id: 'sharing', text: `How ${pair.managerName} sees this`, error: errors[SHARING_ERROR] }] : []),
    ],
    sharing: sharingChoice(opened, typed, errors[SHARING_ERROR]),
    suggestionsTakenUp: opened.suggestionsTakenUp,
    questions: questions.map((q) => ({
      id: `question-${q.id}`,
      questionId: q.id,
      text: q.text,
      required: q.required,
      error: errors[q.id],
      value: typed.values[q.id] ?? '',
      maxLength: q.maxLength ?? DEFAULT_TEXT_LIMIT,
      isText: q.type === 'text',
      isChoices: q.type === 'scale' || q.type === 'yesNo' || q.type === 'choice',
      isActionItems: q.type === 'actionItems',
      hint: q.scaleLabels ? `1 = ${q.scaleLabels.low}, 5 = ${q.scaleLabels.high}` : '',
      choices: choicesOf(q, typed.values[q.id] ?? ''),
      openItems: openItems.map((item) => ({
        ...item,
        ownerName: item.owner === 'manager' ? pair.managerName : pair.reportName,
        checked: typed.completedIds.includes(item.id),
      })),
      rows,
      canBePrivate: reportAnswers && mayBePrivate(form.kind, q),
      private: typed.privateIds.includes(q.id),
    })),
  };
}
