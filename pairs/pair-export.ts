// Everything Rapport keeps about one pair, for an admin to download: as JSON (the whole record) or
// as CSV (one row per answered question). Neither carries link tokens or their hashes, nor the
// bodies of sent emails, which contain the links.
import type { ActionItem, Answer, Cycle, Form } from '../generated/sqlite/client';
import type { RapportPrisma } from '../prisma/database';
import type { QuestionSetStages } from '../question-sets/question-types';
import type { Cadence, StageOffsets } from '../workflows/pair-types';
import { answerText, parseAnswerPayload, type StoredAnswerPayload } from './answer-format';
import { answeredQuestions, confirmationsOf, loadPairRecord, meetingStatusOf, type AnsweredQuestion, type MeetingStatus } from './pair-history';
import type { Role } from '../workflows/pair-types';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface PairExport {
  format: 'rapport.pair-export';
  version: 1;
  pair: {
    id: string;
    managerName: string;
    managerEmail: string;
    reportName: string;
    reportEmail: string;
    status: string;
    timeZone: string;
    cadence: Cadence;
    meetingTime: string;
    durationMinutes: number;
    formatNote: string | null;
    stageOffsets: StageOffsets;
    feedbackEveryCycles: number;
    skipNudgeAfter: number;
    createdAt: string;
    endedAt: string | null;
  };
  /** The versions the pair's forms were sent with, and every version of the pair's own set. */
  questionSets: { id: string; scope: string; version: number; createdBy: string; note: string | null; createdAt: string; stages: QuestionSetStages }[];
  /**
   * status as the history tells it: 'held' only when someone confirmed the meeting took place,
   * 'unconfirmed' when it closed without a skip and nobody did (recordedStatus is the database's own).
   */
  cycles: {
    number: number;
    meetingAt: string;
    status: MeetingStatus;
    recordedStatus: string;
    confirmedBy: Role[];
    skipReason: string | null;
    closedAt: string | null;
  }[];
  forms: {
    id: string;
    cycleNumber: number;
    kind: string;
    recipientRole: string;
    questionSetId: string;
    questionSetVersion: number;
    sentAt: string;
    closedAt: string | null;
  }[];
  answers: {
    id: string;
    formId: string;
    cycleNumber: number;
    kind: string;
    respondentRole: string;
    payload: StoredAnswerPayload;
    submittedAt: string;
    updatedAt: string;
    deliveredAt: string | null;
    deliveryError: string | null;
  }[];
  actionItems: {
    id: string;
    cycleNumber: number;
    sourceFormId: string;
    text: string;
    owner: string;
    done: boolean;
    doneInCycle: number | null;
    createdAt: string;
    updatedAt: string;
  }[];
  topics: { id: string; forCycle: number; addedByRole: string; text: string; createdAt: string }[];
  events: { id: string; cycleNumber: number | null; kind: string; detail: JsonValue; at: string }[];
  outboxEmails: {
    id: string;
    cycleNumber: number;
    stage: string;
    recipientRole: string;
    subject: string;
    status: string;
    attempts: number;
    lastError: string | null;
    createdAt: string;
    sentAt: string | null;
  }[];
}

const iso = (date: Date | null): string | null => date?.toISOString() ?? null;

function parseJson(text: string): JsonValue {
  return JSON.parse(text) as JsonValue;
}

const cycleOut = (c: Cycle, confirmedBy: Role[]) => ({
  number: c.number,
  meetingAt: c.meetingAt.toISOString(),
  status: meetingStatusOf(c.status, confirmedBy),
  recordedStatus: c.status,
  confirmedBy,
  skipReason: c.skipReason,
  closedAt: iso(c.closedAt),
});

const formOut = (f: Form) => ({
  id: f.id,
  cycleNumber: f.cycleNumber,
  kind: f.kind,
  recipientRole: f.recipientRole,
  questionSetId: f.questionSetId,
  questionSetVersion: f.questionSetVersion,
  sentAt: f.sentAt.toISOString(),
  closedAt: iso(f.closedAt),
});

const answerOut = (a: Answer) => ({
  id: a.id,
  formId: a.formId,
  cycleNumber: a.cycleNumber,
  kind: a.kind,
  respondentRole: a.respondentRole,
  payload: parseAnswerPayload(a.payload),
  submittedAt: a.submittedAt.toISOString(),
  updatedAt: a.updatedAt.toISOString(),
  deliveredAt: iso(a.deliveredAt),
  deliveryError: a.deliveryError,
});

const actionItemOut = (i: ActionItem) => ({
  id: i.id,
  cycleNumber: i.cycleNumber,
  sourceFormId: i.sourceFormId,
  text: i.text,
  owner: i.owner,
  done: i.done,
  doneInCycle: i.doneInCycle,
  createdAt: i.createdAt.toISOString(),
  updatedAt: i.updatedAt.toISOString(),
});

async function questionSetsOut(db: RapportPrisma, pairId: string, forms: Form[]): Promise<PairExport['questionSets']> {
  const used = [...new Set(forms.map((form) => form.questionSetId))];
  const rows = await db.questionSet.findMany({ where: { OR: [{ id: { in: used } }, { scope: pairId }] }, orderBy: [{ scope: 'asc' }, { version: 'asc' }] });
  return rows.map((row) => ({
    id: row.id,
    scope: row.scope,
    version: row.version,
    createdBy: row.createdBy,
    note: row.note,
    createdAt: row.createdAt.toISOString(),
    stages: JSON.parse(row.stages) as QuestionSetStages,
  }));
}

async function topicsOut(db: RapportPrisma, pairId: string): Promise<PairExport['topics']> {
  const rows = await db.topic.findMany({ where: { pairId, forCycle: { not: null } }, orderBy: [{ forCycle: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }] });
  return rows.map((t) => ({ id: t.id, forCycle: t.forCycle ?? 0, addedByRole: t.addedByRole, text: t.text, createdAt: t.createdAt.toISOString() }));
}

async function eventsOut(db: RapportPrisma, pairId: string): Promise<PairExport['events']> {
  const rows = await db.pairEvent.findMany({ where: { pairId }, orderBy: [{ at: 'asc' }, { id: 'asc' }] });
  return rows.map((e) => ({ id: e.id, cycleNumber: e.cycleNumber, kind: e.kind, detail: parseJson(e.detail), at: e.at.toISOString() }));
}

async function outboxOut(db: RapportPrisma, pairId: string): Promise<PairExport['outboxEmails']> {
  // Selected column by column so that the bodies (with their link tokens) are never even read.
  const rows = await db.outboxEmail.findMany({
    where: { pairId },
    orderBy: [{ cycleNumber: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
    select: {
      id: true,
      cycleNumber: true,
      stage: true,
      recipientRole: true,
      subject: true,
      status: true,
      attempts: true,
      lastError: true,
      createdAt: true,
      sentAt: true,
    },
  });
  return rows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString(), sentAt: iso(row.sentAt) }));
}

export async function exportPairJson(db: RapportPrisma, pairId: string): Promise<PairExport> {
  const record = await loadPairRecord(db, pairId);
  const { pair } = record;
  const confirmations = confirmationsOf(record);
  const [questionSets, topics, events, outboxEmails] = await Promise.all([
    questionSetsOut(db, pairId, record.forms),
    topicsOut(db, pairId),
    eventsOut(db, pairId),
    outboxOut(db, pairId),
  ]);
  return {
    format: 'rapport.pair-export',
    version: 1,
    pair: {
      id: pair.id,
      managerName: pair.managerName,
      managerEmail: pair.managerEmail,
      reportName: pair.reportName,
      reportEmail: pair.reportEmail,
      status: pair.status,
      timeZone: pair.timeZone,
      cadence: JSON.parse(pair.cadence) as Cadence,
      meetingTime: pair.meetingTime,
      durationMinutes: pair.durationMinutes,
      formatNote: pair.formatNote,
      stageOffsets: JSON.parse(pair.stageOffsets) as StageOffsets,
      feedbackEveryCycles: pair.feedbackEveryCycles,
      skipNudgeAfter: pair.skipNudgeAfter,
      createdAt: pair.createdAt.toISOString(),
      endedAt: iso(pair.endedAt),
    },
    questionSets,
    cycles: record.cycles.map((cycle) => cycleOut(cycle, confirmations.get(cycle.number) ?? [])),
    forms: record.forms.map(formOut),
    answers: record.answers.map(answerOut),
    actionItems: record.actionItems.map(actionItemOut),
    topics,
    events,
    outboxEmails,
  };
}

// ---- CSV -----------------------------------------------------------------------------------------

/** meeting_status, last so that older readers of the columns before it read them as before, is the history's status of the meeting. */
export const CSV_HEADER = ['cycle', 'meeting_at', 'form', 'respondent', 'question_id', 'question', 'answer', 'private', 'meeting_status'] as const;

/**
 * A spreadsheet runs a cell starting with one of these as a formula (CSV injection); a leading
 * apostrophe makes it text. Tab and CR are on OWASP's list too.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** RFC 4180: CRLF after every record, the last one included. */
export function toCsv(records: readonly (readonly string[])[]): string {
  return records.map((record) => `${record.map(csvField).join(',')}\r\n`).join('');
}

function csvRecord(answer: AnsweredQuestion, meetingStatus: ReadonlyMap<number, MeetingStatus>): string[] {
  return [
    String(answer.cycle),
    answer.meetingAt ?? '',
    answer.form,
    answer.respondent,
    answer.question.id,
    answer.question.text,
    answerText(answer.question, answer.value),
    String(answer.private),
    meetingStatus.get(answer.cycle) ?? '',
  ];
}

export async function exportPairCsv(db: RapportPrisma, pairId: string): Promise<string> {
  const record = await loadPairRecord(db, pairId);
  const confirmations = confirmationsOf(record);
  const meetingStatus = new Map(record.cycles.map((cycle) => [cycle.number, meetingStatusOf(cycle.status, confirmations.get(cycle.number) ?? [])]));
  return toCsv([CSV_HEADER, ...answeredQuestions(record, 'admin').map((answer) => csvRecord(answer, meetingStatus))]);
}
