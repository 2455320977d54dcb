// The written record of a pair, as one person may see it: every cycle with its answers, the action
// items with their status and age, the topics they added, and the feedback on the manager. The
// manager's view leaves out what the report marked private, and feedback the report shared only
// pooled (see privacy.ts): of that, the manager sees only the pooled summary on their own page.
// The same record is what a person downloads, as JSON or CSV, for review season.
import type { Topic } from '../generated/sqlite/client';
import type { RapportPrisma } from '../prisma/database';
import type { Question } from '../question-sets/question-types';
import type { FormKind, Role } from '../workflows/pair-types';
import { answerText, isPooledAnswer, parseAnswerPayload, type QuestionAnswer } from './answer-format';
import type { PairRow } from './links';
import { formatLocal } from './local-time';
import { answeredQuestions, formKindOf, loadPairRecord, roleOf, type AnsweredQuestion, type PairRecordRows } from './pair-history';
import { toCsv } from './pair-export';

export const FORM_TITLES: Record<FormKind, string> = {
  reflection: 'Reflection before the 1:1',
  managerPrep: "Manager's preparation",
  followUpReport: 'Follow-up',
  followUpManager: 'Follow-up',
  feedback: 'Feedback on the manager',
};

/** The manager's page for the pair (web/manager-page.ts), as a link from their record page. */
const MANAGER_PAGE_FROM_RECORD = 'questions';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RecordItem {
  question: string;
  answer: string;
  private: boolean;
}

/**
 * A scale answer with what its end points mean, as the form showed them: "4 of 5 — energised".
 * The labels name 1 and 5, so a value above the middle reads as the high end, one below as the low.
 */
export function scaleAnswerText(question: Question, value: QuestionAnswer): string {
  if (question.type !== 'scale' || typeof value !== 'number' || !question.scaleLabels) return answerText(question, value);
  const { low, high } = question.scaleLabels;
  const meaning = value > 3 ? high : value < 3 ? low : `between ${low} and ${high}`;
  return `${value} of 5 — ${meaning}`;
}

/** "today", "3 days", "2 weeks", "5 months": how long ago an instant was, roughly. */
export function ageOf(since: Date, now: number): string {
  const days = Math.max(0, Math.floor((now - since.getTime()) / DAY_MS));
  if (days === 0) return 'today';
  if (days === 1) return '1 day ago';
  if (days < 14) return `${days} days ago`;
  if (days < 60) return `${Math.floor(days / 7)} weeks ago`;
  return `${Math.floor(days / 30)} months ago`;
}

const formKey = (cycle: number, kind: FormKind) => `${cycle}:${kind}`;

/** The items of each answered form, by cycle and form kind. The page lists action items on their own. */
function itemsByForm(answered: AnsweredQuestion[]): Map<string, RecordItem[]> {
  const items = new Map<string, RecordItem[]>();
  for (const a of answered) {
    if (a.question.type === 'actionItems') continue;
    const key = formKey(a.cycle, a.form);
    const ofForm = items.get(key) ?? [];
    ofForm.push({ question: a.question.text, answer: scaleAnswerText(a.question, a.value), private: a.private });
    items.set(key, ofForm);
  }
  return items;
}

interface RecordForm {
  title: string;
  kind: FormKind;
  by: string;
  cycle: number;
  /** ISO instant of the first answer. */
  answeredAt: string;
  /** Feedback only: how the report shared it. */
  pooled: boolean;
  items: RecordItem[];
}

/**
 * The answered forms, in the order they go out; a form whose answers are all hidden still shows,
 * except pooled feedback for anyone but the report: that it was answered, and when, would point to
 * who wrote which part of the pooled summary.
 */
function answeredForms(record: PairRecordRows, items: Map<string, RecordItem[]>, name: (role: Role) => string, viewer: Role): RecordForm[] {
  const answerOfForm = new Map(record.answers.map((answer) => [answer.formId, answer]));
  return record.forms.flatMap((form): RecordForm[] => {
    const answer = answerOfForm.get(form.id);
    if (!answer) return [];
    const kind = formKindOf(form.kind);
    const pooled = isPooledAnswer(kind, parseAnswerPayload(answer.payload));
    if (viewer !== 'report' && pooled) return [];
    return [
      {
        title: FORM_TITLES[kind],
        kind,
        by: name(roleOf(answer.respondentRole)),
        cycle: form.cycleNumber,
        answeredAt: answer.submittedAt.toISOString(),
        pooled,
        items: items.get(formKey(form.cycleNumber, kind)) ?? [],
      },
    ];
  });
}

export interface RecordActionItem {
  text: string;
  owner: string;
  done: boolean;
  cycle: number;
  /** "Open", "Done in meeting 4" */
  status: string;
  /** "agreed 2 weeks ago" */
  age: string;
  agreedAt: string;
  doneInCycle: number | null;
}

export interface RecordTopic {
  text: string;
  forCycle: number;
  addedWhen: string;
  addedAt: string;
}

export interface RecordFeedback {
  cycle: number;
  meetingWhen: string;
  by: string;
  /** How the report shared it, in words; empty on the manager's record (named feedback only). */
  sharing: string;
  items: RecordItem[];
}

export interface PersonRecord {
  viewer: Role;
  name: string;
  otherName: string;
  timeZone: string;
  /** Relative to the record's own address (/pairs/<token>/record), so the same link opens it. */
  questionsUrl: string;
  cycles: { number: number; meetingAt: string; meetingWhen: string; status: string; answers: RecordForm[] }[];
  actionItems: RecordActionItem[];
  topics: RecordTopic[];
  feedback: RecordFeedback[];
  /** On the manager's record: where feedback shared only pooled is (never here); empty for the report. */
  pooledNote: string;
}

function actionItemOf(item: PairRecordRows['actionItems'][number], name: (role: Role) => string, now: number): RecordActionItem {
  const status = !item.done ? 'Open' : item.doneInCycle === null ? 'Done' : `Done in meeting ${item.doneInCycle}`;
  return {
    text: item.text,
    owner: name(roleOf(item.owner)),
    done: item.done,
    cycle: item.cycleNumber,
    status,
    age: `agreed ${ageOf(item.createdAt, now)}`,
    agreedAt: item.createdAt.toISOString(),
    doneInCycle: item.doneInCycle,
  };
}

/** The topics this person added that reached an agenda (one not yet accepted is in no meeting). */
async function topicsAddedBy(db: RapportPrisma, pair: PairRow, viewer: Role): Promise<RecordTopic[]> {
  const topics: Topic[] = await db.topic.findMany({ where: { pairId: pair.id, addedByRole: viewer, forCycle: { not: null } }, orderBy: { createdAt: 'desc' } });
  return topics.map((topic) => ({
    text: topic.text,
    forCycle: topic.forCycle ?? 0,
    addedWhen: formatLocal(topic.createdAt.getTime(), pair.timeZone),
    addedAt: topic.createdAt.toISOString(),
  }));
}

export async function pairRecord(db: RapportPrisma, pair: PairRow, viewer: Role, now = Date.now()): Promise<PersonRecord> {
  const record = await loadPairRecord(db, pair.id);
  const name = (role: Role) => (role === 'report' ? pair.reportName : pair.managerName);
  const other = name(viewer === 'report' ? 'manager' : 'report');
  const forms = answeredForms(record, itemsByForm(answeredQuestions(record, viewer)), name, viewer);
  const meetingWhen = new Map(record.cycles.map((cycle) => [cycle.number, formatLocal(cycle.meetingAt.getTime(), pair.timeZone)]));
  const sharingOf = (form: RecordForm) =>
    viewer !== 'report' ? '' : form.pooled ? `Shared only pooled: ${pair.managerName} sees it only in a summary, without your name` : 'Shared with your name';
  return {
    viewer,
    name: name(viewer),
    otherName: other,
    timeZone: pair.timeZone,
    questionsUrl: viewer === 'manager' ? MANAGER_PAGE_FROM_RECORD : '',
    cycles: [...record.cycles].reverse().map((cycle) => ({
      number: cycle.number,
      meetingAt: cycle.meetingAt.toISOString(),
      meetingWhen: meetingWhen.get(cycle.number) ?? '',
      status: cycle.status,
      answers: forms.filter((form) => form.cycle === cycle.number && form.kind !== 'feedback'),
    })),
    actionItems: [...record.actionItems].reverse().map((item) => actionItemOf(item, name, now)),
    topics: await topicsAddedBy(db, pair, viewer),
    feedback: forms
      .filter((form) => form.kind === 'feedback')
      .reverse()
      .map((form) => ({ cycle: form.cycle, meetingWhen: meetingWhen.get(form.cycle) ?? '', by: form.by, sharing: sharingOf(form), items: form.items })),
    pooledNote:
      viewer === 'manager'
        ? `Feedback ${pair.reportName} shared only pooled never shows here: it counts only in the summary of your reports' feedback on the questions page.`
        : '',
  };
}

// ---- Downloads ---------------------------------------------------------------------------------

/** The record as the person downloads it: oldest first, instants in ISO, no link and no address. */
export function recordJson(record: PersonRecord, exportedAt: Date) {
  return {
    format: 'rapport.person-record',
    version: 1,
    exportedAt: exportedAt.toISOString(),
    person: record.name,
    role: record.viewer,
    with: record.otherName,
    timeZone: record.timeZone,
    meetings: [...record.cycles].reverse().map((cycle) => ({
      number: cycle.number,
      meetingAt: cycle.meetingAt,
      status: cycle.status,
      answers: cycle.answers.map((form) => ({ form: form.title, by: form.by, answeredAt: form.answeredAt, items: form.items })),
    })),
    actionItems: [...record.actionItems].reverse().map((item) => ({
      text: item.text,
      owner: item.owner,
      agreedInMeeting: item.cycle,
      agreedAt: item.agreedAt,
      status: item.status,
      doneInMeeting: item.doneInCycle,
    })),
    topics: [...record.topics].reverse().map((topic) => ({ text: topic.text, forMeeting: topic.forCycle, addedAt: topic.addedAt })),
    feedback: [...record.feedback].reverse().map((feedback) => ({
      meeting: feedback.cycle,
      by: feedback.by,
      ...(feedback.sharing ? { sharing: feedback.sharing } : {}),
      items: feedback.items,
    })),
  };
}

export const RECORD_CSV_HEADER = ['meeting', 'meeting_at', 'kind', 'form', 'by', 'question_or_text', 'answer', 'private', 'status', 'date'] as const;

/** One row per answer, action item and topic, oldest meeting first; every cell formula-safe (toCsv). */
export function recordCsv(record: PersonRecord): string {
  const oldestFirst = [...record.cycles].reverse();
  const meetingAt = new Map(oldestFirst.map((cycle) => [cycle.number, cycle.meetingAt]));
  const answerRows = oldestFirst.flatMap((cycle) =>
    cycle.answers.flatMap((form) =>
      form.items.map((item) => [
        String(cycle.number),
        cycle.meetingAt,
        'answer',
        form.title,
        form.by,
        item.question,
        item.answer,
        String(item.private),
        '',
        form.answeredAt,
      ]),
    ),
  );
  const feedbackRows = [...record.feedback]
    .reverse()
    .flatMap((feedback) =>
      feedback.items.map((item) => [
        String(feedback.cycle),
        meetingAt.get(feedback.cycle) ?? '',
        'feedback',
        FORM_TITLES.feedback,
        feedback.by,
        item.question,
        item.answer,
        'false',
        feedback.sharing,
        '',
      ]),
    );
  const itemRows = [...record.actionItems]
    .reverse()
    .map((item) => [String(item.cycle), meetingAt.get(item.cycle) ?? '', 'action item', '', item.owner, item.text, '', '', item.status, item.agreedAt]);
  const topicRows = [...record.topics]
    .reverse()
    .map((topic) => [String(topic.forCycle), meetingAt.get(topic.forCycle) ?? '', 'topic', '', record.name, topic.text, '', '', '', topic.addedAt]);
  return toCsv([RECORD_CSV_HEADER, ...answerRows, ...feedbackRows, ...itemRows, ...topicRows]);
}
