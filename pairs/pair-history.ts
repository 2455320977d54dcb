// The admin's view of one pair over time: every cycle, every answer per question, the trends of
// the scale questions, and the rates worth watching (meetings held, action items done, feedback on
// the manager). Admins see everything, private answers included, flagged as such, except feedback
// the report shared only pooled (privacy.ts), which counts in the manager's pooled summary alone.
import type { ActionItem, Answer, Cycle, Form, Pair } from '../generated/sqlite/client';
import type { RapportPrisma } from '../prisma/database';
import { questionSetById, type StoredQuestionSet } from '../question-sets/question-set-repository';
import { STAGE_OF_FORM, type Question, type QuestionSetStage, type QuestionType } from '../question-sets/question-types';
import type { FormKind, Role } from '../workflows/pair-types';
import { answerText, answerTo, isPooledAnswer, isPrivateAnswer, parseAnswerPayload, type QuestionAnswer } from './answer-format';
import { visibleTo, type Viewer } from './privacy';

/** What the database records of a cycle (Cycle.status). 'held' there only means it closed without being skipped or paused. */
export const CYCLE_STATUSES = ['planned', 'held', 'skipped', 'paused', 'not-held', 'cancelled'] as const;
export type CycleStatus = (typeof CYCLE_STATUSES)[number];
/**
 * What the history says of a meeting: 'held' only when someone confirmed it took place (answered
 * "yes" to the follow-up's "Did the 1:1 take place?"), 'unconfirmed' when it closed without being
 * skipped or paused and nobody did, 'not-held' when someone said it did not take place.
 */
export type MeetingStatus = CycleStatus | 'unconfirmed';

/** The order forms go out in a cycle; also the order they are listed and exported in. */
export const FORM_KIND_ORDER: readonly FormKind[] = ['reflection', 'managerPrep', 'followUpReport', 'followUpManager', 'feedback'];
const STAGE_ORDER: readonly QuestionSetStage[] = ['reflection', 'managerPrep', 'followUp', 'feedback'];
const ROLES: readonly Role[] = ['report', 'manager'];

export class PairNotFoundError extends Error {
  constructor(readonly pairId: string) {
    super(`No pair with id "${pairId}".`);
    this.name = 'PairNotFoundError';
  }
}

// ---- Reading the stored record -----------------------------------------------------------------

function oneOf<T extends string>(allowed: readonly T[], value: string, what: string): T {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw new Error(`Unexpected ${what} "${value}" in the pair's record.`);
  return found;
}

export const formKindOf = (value: string): FormKind => oneOf(FORM_KIND_ORDER, value, 'form kind');
export const roleOf = (value: string): Role => oneOf(ROLES, value, 'role');
export const cycleStatusOf = (value: string): CycleStatus => oneOf(CYCLE_STATUSES, value, 'cycle status');

/** Everything stored about a pair that its history is made of. */
export interface PairRecordRows {
  pair: Pair;
  /** By number. */
  cycles: Cycle[];
  /** By cycle, then in the order they go out. */
  forms: Form[];
  answers: Answer[];
  /** By cycle, then as they were agreed. */
  actionItems: ActionItem[];
  /** The question sets the forms were sent with, by id. */
  questionSets: ReadonlyMap<string, StoredQuestionSet>;
}

export function sortForms(forms: Form[]): Form[] {
  const rank = (form: Form) => FORM_KIND_ORDER.indexOf(formKindOf(form.kind));
  return [...forms].sort((a, b) => a.cycleNumber - b.cycleNumber || rank(a) - rank(b));
}

async function questionSetsOf(db: RapportPrisma, forms: Form[]): Promise<Map<string, StoredQuestionSet>> {
  const sets = new Map<string, StoredQuestionSet>();
  for (const id of [...new Set(forms.map((form) => form.questionSetId))].sort()) {
    const set = await questionSetById(db, id);
    if (set) sets.set(id, set);
  }
  return sets;
}

export async function loadPairRecord(db: RapportPrisma, pairId: string): Promise<PairRecordRows> {
  const pair = await db.pair.findUnique({ where: { id: pairId } });
  if (!pair) throw new PairNotFoundError(pairId);
  const [cycles, forms, answers, actionItems] = await Promise.all([
    db.cycle.findMany({ where: { pairId }, orderBy: { number: 'asc' } }),
    db.form.findMany({ where: { pairId } }),
    db.answer.findMany({ where: { pairId }, orderBy: [{ cycleNumber: 'asc' }, { formId: 'asc' }] }),
    db.actionItem.findMany({ where: { pairId }, orderBy: [{ cycleNumber: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }] }),
  ]);
  return { pair, cycles, forms: sortForms(forms), answers, actionItems, questionSets: await questionSetsOf(db, forms) };
}

/** The questions a form showed: its stage's list in the exact question-set version it was sent with. */
export function questionsOfForm(record: PairRecordRows, form: Form): Question[] {
  return record.questionSets.get(form.questionSetId)?.stages[STAGE_OF_FORM[formKindOf(form.kind)]] ?? [];
}

// ---- Answers, one per question -----------------------------------------------------------------

export interface AnsweredQuestion {
  cycle: number;
  /** ISO instant; null only if the cycle has no row, which the activities never leave behind. */
  meetingAt: string | null;
  form: FormKind;
  stage: QuestionSetStage;
  respondent: Role;
  /** The question as it was asked (the form's question-set version). */
  question: Question;
  value: QuestionAnswer;
  private: boolean;
  /** Feedback the report shares only in the manager's pooled summary: left out for everyone else. */
  pooled: boolean;
}

function meetingTimes(cycles: Cycle[]): Map<number, string> {
  return new Map(cycles.map((cycle) => [cycle.number, cycle.meetingAt.toISOString()]));
}

/**
 * Every answered question of the pair that the viewer may see: by cycle, form, then question order.
 * Unanswered ones are left out.
 */
export function answeredQuestions(record: PairRecordRows, viewer: Viewer): AnsweredQuestion[] {
  const answerOfForm = new Map(record.answers.map((answer) => [answer.formId, answer]));
  const meetingAt = meetingTimes(record.cycles);
  const answered = record.forms.flatMap((form) => {
    const answer = answerOfForm.get(form.id);
    if (!answer) return [];
    const kind = formKindOf(form.kind);
    const payload = parseAnswerPayload(answer.payload);
    return questionsOfForm(record, form).flatMap((question): AnsweredQuestion[] => {
      const value = answerTo(question, payload);
      if (value === null) return [];
      return [
        {
          cycle: form.cycleNumber,
          meetingAt: meetingAt.get(form.cycleNumber) ?? null,
          form: kind,
          stage: STAGE_OF_FORM[kind],
          respondent: roleOf(answer.respondentRole),
          question,
          value,
          private: isPrivateAnswer(question, payload),
          pooled: isPooledAnswer(kind, payload),
        },
      ];
    });
  });
  return visibleTo(viewer, answered);
}

// ---- The view model ----------------------------------------------------------------------------

export interface TimelineForm {
  kind: FormKind;
  recipient: Role;
  sentAt: string;
  closedAt: string | null;
  answered: boolean;
  /** When it was first answered. */
  answeredAt: string | null;
}

export interface TimelineActionItem {
  id: string;
  text: string;
  owner: Role;
  done: boolean;
  doneInCycle: number | null;
}

export interface TimelineCycle {
  number: number;
  meetingAt: string;
  status: MeetingStatus;
  /** Who answered the follow-up's "did the 1:1 take place" with yes; a held meeting has at least one. */
  confirmedBy: Role[];
  skipReason: string | null;
  closedAt: string | null;
  forms: TimelineForm[];
  /** The action items agreed in this cycle's follow-up. */
  actionItems: TimelineActionItem[];
}

export interface QuestionAnswerPoint {
  cycle: number;
  meetingAt: string | null;
  respondent: Role;
  value: QuestionAnswer;
  private: boolean;
}

export interface QuestionHistory {
  /** "<stage>.<question id>": the same question across question-set versions. */
  key: string;
  stage: QuestionSetStage;
  questionId: string;
  /** The question's text and type as it was last asked. */
  label: string;
  type: QuestionType;
  answers: QuestionAnswerPoint[];
}

/** One person's answers to one scale question; points fit lineChartSvg (x = cycle number). */
export interface ScaleSeries {
  key: string;
  stage: QuestionSetStage;
  questionId: string;
  respondent: Role;
  label: string;
  points: { x: number; y: number }[];
}

export interface MeetingHeldRate {
  /** Meetings someone confirmed took place. */
  held: number;
  /** Meetings that closed without being skipped or paused, which nobody confirmed. */
  unconfirmed: number;
  skipped: number;
  notHeld: number;
  /** held + unconfirmed + skipped + not-held; planned, paused and cancelled cycles do not count. */
  closed: number;
  /** held / closed (confirmed meetings only), null while no cycle has closed. */
  rate: number | null;
  /** What the rate counts, in words. */
  rateCounts: string;
}

export const HELD_RATE_COUNTS = 'meetings someone confirmed took place, out of every closed meeting (confirmed, unconfirmed, skipped or not held)';

export interface ActionItemCompletion {
  done: number;
  total: number;
  /** done / total, null while there are none. */
  rate: number | null;
}

export interface FeedbackAnswer<V> {
  questionId: string;
  /** As it was asked. */
  question: string;
  value: V;
  private: boolean;
}

export interface FeedbackResult {
  cycle: number;
  meetingAt: string | null;
  scales: FeedbackAnswer<number>[];
  /** Every other answer, as text. */
  texts: FeedbackAnswer<string>[];
}

export interface PairHistory {
  pair: { id: string; managerName: string; reportName: string; managerEmail: string; reportEmail: string; status: string; timeZone: string };
  /** Oldest first. */
  timeline: TimelineCycle[];
  questions: QuestionHistory[];
  scaleSeries: ScaleSeries[];
  meetingsHeld: MeetingHeldRate;
  actionItems: ActionItemCompletion;
  feedback: { results: FeedbackResult[]; series: ScaleSeries[] };
}

const iso = (date: Date | null): string | null => date?.toISOString() ?? null;
const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

function timelineForm(form: Form, answer: Answer | undefined): TimelineForm {
  return {
    kind: formKindOf(form.kind),
    recipient: roleOf(form.recipientRole),
    sentAt: form.sentAt.toISOString(),
    closedAt: iso(form.closedAt),
    answered: answer !== undefined,
    answeredAt: iso(answer?.submittedAt ?? null),
  };
}

function timelineActionItem(item: ActionItem): TimelineActionItem {
  return { id: item.id, text: item.text, owner: roleOf(item.owner), done: item.done, doneInCycle: item.doneInCycle };
}

/** Who confirmed each meeting took place, by cycle number: a follow-up answer saying yes to "did the 1:1 take place". */
export function confirmationsOf(record: Pick<PairRecordRows, 'forms' | 'answers'>): Map<number, Role[]> {
  const followUps = new Set(record.forms.filter((form) => STAGE_OF_FORM[formKindOf(form.kind)] === 'followUp').map((form) => form.id));
  const confirmed = new Map<number, Role[]>();
  for (const answer of record.answers) {
    if (!followUps.has(answer.formId) || parseAnswerPayload(answer.payload).meetingHeld !== true) continue;
    const by = roleOf(answer.respondentRole);
    const roles = confirmed.get(answer.cycleNumber) ?? [];
    if (!roles.includes(by))
      confirmed.set(
        answer.cycleNumber,
        ROLES.filter((role) => role === by || roles.includes(role)),
      );
  }
  return confirmed;
}

/** A cycle's status as the history tells it: a meeting closed as held that nobody confirmed is 'unconfirmed'. */
export function meetingStatusOf(status: string, confirmedBy: readonly Role[]): MeetingStatus {
  const stored = cycleStatusOf(status);
  return stored === 'held' && confirmedBy.length === 0 ? 'unconfirmed' : stored;
}

function timelineOf(record: PairRecordRows): TimelineCycle[] {
  const answerOfForm = new Map(record.answers.map((answer) => [answer.formId, answer]));
  const confirmations = confirmationsOf(record);
  return record.cycles.map((cycle) => ({
    number: cycle.number,
    meetingAt: cycle.meetingAt.toISOString(),
    status: meetingStatusOf(cycle.status, confirmations.get(cycle.number) ?? []),
    confirmedBy: confirmations.get(cycle.number) ?? [],
    skipReason: cycle.skipReason,
    closedAt: iso(cycle.closedAt),
    forms: record.forms.filter((form) => form.cycleNumber === cycle.number).map((form) => timelineForm(form, answerOfForm.get(form.id))),
    actionItems: record.actionItems.filter((item) => item.cycleNumber === cycle.number).map(timelineActionItem),
  }));
}

const questionKey = (stage: QuestionSetStage, questionId: string) => `${stage}.${questionId}`;

/** Every question any form asked, with its latest wording; ordered by stage, then as last asked. */
function askedQuestions(record: PairRecordRows): { stage: QuestionSetStage; question: Question }[] {
  const latest = new Map<string, { stage: QuestionSetStage; question: Question }>();
  for (const form of [...record.forms].reverse()) {
    const stage = STAGE_OF_FORM[formKindOf(form.kind)];
    for (const question of questionsOfForm(record, form)) {
      const key = questionKey(stage, question.id);
      if (!latest.has(key)) latest.set(key, { stage, question });
    }
  }
  // Map iteration follows insertion, so this sort is stable within a stage.
  return [...latest.values()].sort((a, b) => STAGE_ORDER.indexOf(a.stage) - STAGE_ORDER.indexOf(b.stage));
}

function questionHistories(record: PairRecordRows, answered: AnsweredQuestion[]): QuestionHistory[] {
  return askedQuestions(record).map(({ stage, question }) => ({
    key: questionKey(stage, question.id),
    stage,
    questionId: question.id,
    label: question.text,
    type: question.type,
    answers: answered
      .filter((a) => a.stage === stage && a.question.id === question.id)
      .map((a) => ({ cycle: a.cycle, meetingAt: a.meetingAt, respondent: a.respondent, value: a.value, private: a.private })),
  }));
}

function scaleSeriesOf(history: QuestionHistory, pair: Pair): ScaleSeries[] {
  const numeric = history.answers.filter((a): a is QuestionAnswerPoint & { value: number } => typeof a.value === 'number');
  const respondents = ROLES.filter((role) => numeric.some((a) => a.respondent === role));
  const nameOf = (role: Role) => (role === 'report' ? pair.reportName : pair.managerName);
  return respondents.map((respondent) => ({
    key: history.key,
    stage: history.stage,
    questionId: history.questionId,
    respondent,
    // Both follow-up forms ask the same questions, so a scale there has one line per person.
    label: respondents.length > 1 ? `${history.label} (${nameOf(respondent)})` : history.label,
    points: numeric.filter((a) => a.respondent === respondent).map((a) => ({ x: a.cycle, y: a.value })),
  }));
}

function meetingHeldRate(timeline: readonly TimelineCycle[]): MeetingHeldRate {
  const count = (status: MeetingStatus) => timeline.filter((cycle) => cycle.status === status).length;
  const [held, unconfirmed, skipped, notHeld] = [count('held'), count('unconfirmed'), count('skipped'), count('not-held')];
  const closed = held + unconfirmed + skipped + notHeld;
  return { held, unconfirmed, skipped, notHeld, closed, rate: ratio(held, closed), rateCounts: HELD_RATE_COUNTS };
}

function actionItemCompletion(items: ActionItem[]): ActionItemCompletion {
  const done = items.filter((item) => item.done).length;
  return { done, total: items.length, rate: ratio(done, items.length) };
}

function feedbackResults(answered: AnsweredQuestion[]): FeedbackResult[] {
  const feedback = answered.filter((a) => a.form === 'feedback');
  const cycles = [...new Set(feedback.map((a) => a.cycle))];
  return cycles.map((cycle) => {
    const ofCycle = feedback.filter((a) => a.cycle === cycle);
    const base = (a: AnsweredQuestion) => ({ questionId: a.question.id, question: a.question.text, private: a.private });
    return {
      cycle,
      meetingAt: ofCycle[0]?.meetingAt ?? null,
      scales: ofCycle.flatMap((a) => (a.question.type === 'scale' && typeof a.value === 'number' ? [{ ...base(a), value: a.value }] : [])),
      texts: ofCycle.flatMap((a) => (a.question.type === 'scale' ? [] : [{ ...base(a), value: answerText(a.question, a.value) }])),
    };
  });
}

export async function pairHistory(db: RapportPrisma, pairId: string): Promise<PairHistory> {
  const record = await loadPairRecord(db, pairId);
  const { pair } = record;
  const answered = answeredQuestions(record, 'admin');
  const questions = questionHistories(record, answered);
  const scaleSeries = questions.filter((q) => q.type === 'scale').flatMap((q) => scaleSeriesOf(q, pair));
  const timeline = timelineOf(record);
  return {
    pair: {
      id: pair.id,
      managerName: pair.managerName,
      reportName: pair.reportName,
      managerEmail: pair.managerEmail,
      reportEmail: pair.reportEmail,
      status: pair.status,
      timeZone: pair.timeZone,
    },
    timeline,
    questions,
    scaleSeries,
    meetingsHeld: meetingHeldRate(timeline),
    actionItems: actionItemCompletion(record.actionItems),
    feedback: { results: feedbackResults(answered), series: scaleSeries.filter((series) => series.stage === 'feedback') },
  };
}
