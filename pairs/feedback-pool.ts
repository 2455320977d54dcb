// A manager's pooled feedback summary: what their reports said about them when they chose to share
// feedback only pooled with their other reports' (the feedback form's sharing choice). It covers
// every pair with the same manager address over the last FEEDBACK_POOL_PERIOD_DAYS, and shows
// nothing until at least `minimum` distinct reports answered that way in the period, so that no
// answer can be traced to one person: below that it says only that there are not enough answers,
// never how many there are.
import type { RapportPrisma } from '../prisma/database';
import { questionSetById, type StoredQuestionSet } from '../question-sets/question-set-repository';
import type { Question } from '../question-sets/question-types';
import { answerText, answerTo, isPooledAnswer, parseAnswerPayload } from './answer-format';

/** How far back the summary looks. */
export const FEEDBACK_POOL_PERIOD_DAYS = 90;
/** FEEDBACK_POOL_MINIMUM's default: the fewest reports whose pooled answers are shown together. */
export const DEFAULT_FEEDBACK_POOL_MINIMUM = 3;
export const NOT_ENOUGH_FEEDBACK = 'Not enough answers yet to show a summary without identifying anyone.';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface PooledScale {
  question: string;
  /** The mean to one decimal ("4.3"), out of 5. */
  mean: string;
  count: number;
}

export interface PooledTexts {
  question: string;
  /** Without names, sorted, so that their order says nothing about who wrote them or when. */
  answers: string[];
}

export type PooledFeedbackSummary =
  { shown: false; periodDays: number; message: string } | { shown: true; periodDays: number; scales: PooledScale[]; texts: PooledTexts[] };

/** One pooled answer to one question. */
interface PooledAnswer {
  question: Question;
  /** Where the question stood in its form, to list questions in the order they are asked. */
  position: number;
  value: number | string;
}

/** The questions are grouped by what was asked (type and text), since pairs may word theirs differently. */
const groupKey = (question: Question) => `${question.type}\u0000${question.text}`;

async function pooledAnswersOf(db: RapportPrisma, managerEmail: string, since: Date): Promise<{ reportEmails: Set<string>; answers: PooledAnswer[] }> {
  const pairs = await db.pair.findMany({ where: { managerEmail }, select: { id: true, reportEmail: true } });
  const reportOf = new Map(pairs.map((pair) => [pair.id, pair.reportEmail]));
  const rows = await db.answer.findMany({
    where: { pairId: { in: [...reportOf.keys()] }, kind: 'feedback', submittedAt: { gte: since } },
    orderBy: [{ pairId: 'asc' }, { cycleNumber: 'asc' }],
  });
  const forms = await db.form.findMany({ where: { id: { in: rows.map((row) => row.formId) } }, select: { id: true, questionSetId: true } });
  const setOfForm = new Map(forms.map((form) => [form.id, form.questionSetId]));
  const sets = new Map<string, StoredQuestionSet | null>();
  const reportEmails = new Set<string>();
  const answers: PooledAnswer[] = [];
  for (const row of rows) {
    const payload = parseAnswerPayload(row.payload);
    const setId = setOfForm.get(row.formId);
    if (!isPooledAnswer('feedback', payload) || setId === undefined) continue;
    if (!sets.has(setId)) sets.set(setId, await questionSetById(db, setId));
    const questions = sets.get(setId)?.stages.feedback ?? [];
    reportEmails.add(reportOf.get(row.pairId) ?? row.pairId);
    questions.forEach((question, position) => {
      const value = answerTo(question, payload);
      if (value === null || question.type === 'actionItems') return;
      answers.push({ question, position, value: question.type === 'scale' && typeof value === 'number' ? value : answerText(question, value) });
    });
  }
  return { reportEmails, answers };
}

function summaryOf(answers: PooledAnswer[]): { scales: PooledScale[]; texts: PooledTexts[] } {
  const groups = new Map<string, PooledAnswer[]>();
  for (const answer of answers) groups.set(groupKey(answer.question), [...(groups.get(groupKey(answer.question)) ?? []), answer]);
  const ordered = [...groups.values()].sort(
    (a, b) => Math.min(...a.map((x) => x.position)) - Math.min(...b.map((x) => x.position)) || a[0].question.text.localeCompare(b[0].question.text, 'en'),
  );
  const scales = ordered
    .filter((group) => group[0].question.type === 'scale')
    .map((group) => {
      const values = group.map((answer) => Number(answer.value));
      return { question: group[0].question.text, mean: (values.reduce((sum, v) => sum + v, 0) / values.length).toFixed(1), count: values.length };
    });
  const texts = ordered
    .filter((group) => group[0].question.type !== 'scale')
    .map((group) => ({ question: group[0].question.text, answers: group.map((answer) => String(answer.value)).sort((a, b) => a.localeCompare(b, 'en')) }));
  return { scales, texts };
}

/** The pooled summary of the manager at this address, as of `now`. */
export async function pooledFeedbackSummary(db: RapportPrisma, managerEmail: string, minimum: number, now = Date.now()): Promise<PooledFeedbackSummary> {
  const periodDays = FEEDBACK_POOL_PERIOD_DAYS;
  const { reportEmails, answers } = await pooledAnswersOf(db, managerEmail, new Date(now - periodDays * DAY_MS));
  if (reportEmails.size < minimum) return { shown: false, periodDays, message: NOT_ENOUGH_FEEDBACK };
  return { shown: true, periodDays, ...summaryOf(answers) };
}
