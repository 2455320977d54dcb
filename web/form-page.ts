// The view model of a form page: the questions of the exact version the form was sent with,
// with what was typed (or answered before) and the problems next to each question.
import { newSubmissionId } from '../pairs/submission-ids';
import type { Question } from '../question-sets/question-types';
import { FORM_RECIPIENT } from '../workflows/pair-types';
import { parseAnswerPayload } from '../pairs/answer-format';
import { ACTION_ITEM_ROWS, DEFAULT_TEXT_LIMIT, mayBePrivate, SHARING_ERROR, SHARING_FIELD, type SubmissionCheck } from './answer-validation';
import type { OpenedForm } from '../pairs/links';
import { FORM_TITLES } from '../pairs/pair-record';
import { formatLocal } from '../pairs/local-time';
import type { FormKind } from '../workflows/pair-types';

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
  answeredBefore = '',
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
    answeredBefore,
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

/** When a person answered a form before (stored answer's first and last save), as the top of its page says it. */
export function answeredBeforeText(stored: { submittedAt: Date; updatedAt: Date } | null, timeZone: string): string {
  if (!stored) return '';
  const first = formatLocal(stored.submittedAt.getTime(), timeZone);
  // Saves within a minute of each other read as one.
  const changed =
    stored.updatedAt.getTime() - stored.submittedAt.getTime() >= 60_000 ? `, last changed ${formatLocal(stored.updatedAt.getTime(), timeZone)}` : '';
  return `You answered this form before, on ${first}${changed}. Your answers are filled in below; saving again replaces them.`;
}

/** The links a person's pair pages open, for a confirmation's next steps. */
export interface PairPageLinks {
  recordUrl: string;
  topicUrl: string;
  meetingUrl: string;
}

export interface NextStep {
  url: string;
  label: string;
}

/** What the saved answers go into: the agenda before the meeting, the record after it. */
const SAVED_INTO: Record<FormKind, (meetingWhen: string) => string> = {
  reflection: (when) => `They will be on the agenda of your 1:1 on ${when}.`,
  managerPrep: (when) => `They will be on the agenda of your 1:1 on ${when}.`,
  followUpReport: (when) => `They are kept in the record of your 1:1 of ${when}.`,
  followUpManager: (when) => `They are kept in the record of your 1:1 of ${when}.`,
  feedback: (when) => `They go with your 1:1 of ${when}, shared the way you chose.`,
};

/** The page after a form was saved: where the answers go, the meeting's date, and what to do next. */
export function formSavedPage(opened: OpenedForm, formUrl: string, meetingWhen: string | null, pages: PairPageLinks | null, pending: boolean) {
  const into = meetingWhen ? SAVED_INTO[opened.form.kind](meetingWhen) : '';
  const paragraphs = pending
    ? ['Your answers are saved. They will reach your 1:1 in a moment; there is nothing more to do.', into]
    : ['Your answers are saved.', into, 'You can open this form again to change them until it closes.'];
  return {
    title: pending ? 'Saved' : 'Saved, thank you',
    paragraphs: paragraphs.filter((p) => p !== ''),
    nextSteps: [
      { url: formUrl, label: 'Change your answers' },
      ...(pages
        ? [
            { url: pages.recordUrl, label: 'See your record of these 1:1s' },
            { url: pages.topicUrl, label: 'Add a topic to the next agenda' },
          ]
        : []),
    ],
  };
}

/** The page after a suggestion on the questions: who sees it, and the way back to the form. */
export function suggestionSentPage(opened: OpenedForm, formUrl: string, meetingWhen: string | null, pages: PairPageLinks | null) {
  const manager = opened.pair.managerName;
  return {
    title: 'Thanks for the suggestion',
    paragraphs: [
      `${manager} sees it on the page of your 1:1s' questions, and so do the people who set up your 1:1s; the questions are yours to shape too. Your next form says when it is taken up.`,
      'It was sent on its own: your answers to the form are as they were.',
      ...(meetingWhen ? [`This form is for your 1:1 on ${meetingWhen}.`] : []),
    ],
    nextSteps: [
      { url: formUrl, label: 'Back to the form' },
      ...(pages
        ? [
            { url: pages.recordUrl, label: 'See your record of these 1:1s' },
            { url: pages.topicUrl, label: 'Add a topic to the next agenda' },
          ]
        : []),
    ],
  };
}
