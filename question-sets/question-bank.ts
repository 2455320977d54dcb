// The organisation's question bank: questions kept once and added to any pair's stage. A bank
// question is checked by the same rules, in the same words, as a question in a set; the bank also
// refuses a second question with the same id or text, so what an admin picks from is unambiguous.
import { randomUUID } from 'node:crypto';
import type { RapportPrisma } from '../prisma/database';
import { isRecord } from '../workflows/message-rules';
import { problem, requestProblem, type Problem } from '../workflows/problem-list';
import { quoted } from '../workflows/quoted';
import { QUESTION_SET_STAGES, questionProblems } from './question-set-rules';
import type { Question, QuestionSetStage } from './question-types';

export interface BankQuestion {
  id: string;
  question: Question;
  /** The stage it suits; a hint for choosing, not a restriction. */
  stage: QuestionSetStage | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  archivedAt: Date | null;
}

/** What an admin sends to add or edit a bank question, once checked. */
export interface BankQuestionInput {
  question: Question;
  stage: QuestionSetStage | null;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

/** The question of a bank entry is sent as `question`, next to its `stage`. */
const PLACE = { at: 'bank question', path: 'question' };

export const isQuestionSetStage = (value: unknown): value is QuestionSetStage => QUESTION_SET_STAGES.includes(value as QuestionSetStage);

export function stageProblems(stage: unknown): Problem[] {
  return isQuestionSetStage(stage) ? [] : [problem('stage', `Unknown stage "${quoted(stage)}": choose one of ${QUESTION_SET_STAGES.join(', ')}`)];
}

/** The question as stored: trimmed text, and only the optional fields its type uses. */
function storedQuestion(question: Question): Question {
  const { id, type, required, options, maxLength, scaleLabels } = question;
  return {
    id,
    text: question.text.trim(),
    type,
    required,
    ...(type === 'choice' ? { options } : {}),
    ...(type === 'text' && maxLength !== undefined ? { maxLength } : {}),
    ...(type === 'scale' && scaleLabels !== undefined ? { scaleLabels } : {}),
  };
}

/** Checks `{ question, stage? }`; an action-items question needs the followUp stage, as in a set. */
export function checkBankQuestion(input: unknown): Checked<BankQuestionInput> {
  if (!isRecord(input)) return { ok: false, problems: [requestProblem('Send a bank question as an object with a question and, if you like, a stage')] };
  const stage = input.stage ?? null;
  const problems = [...(stage === null ? [] : stageProblems(stage)), ...questionProblems(PLACE, isQuestionSetStage(stage) ? stage : null, input.question)];
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { question: storedQuestion(input.question as Question), stage: stage as QuestionSetStage | null } };
}

const textKey = (text: string) => text.trim().replace(/\s+/g, ' ').toLowerCase();

/** Problems with adding `candidate` next to the active bank; `exceptId` is the bank question being edited. */
export function duplicateProblems(candidate: Question, bank: BankQuestion[], exceptId?: string): Problem[] {
  const others = bank.filter((entry) => entry.id !== exceptId);
  const problems: Problem[] = [];
  const sameId = others.find((entry) => entry.question.id === candidate.id);
  if (sameId) problems.push(problem('question.id', `the question bank already has a question with id "${candidate.id}" ("${sameId.question.text}")`));
  const sameText = others.find((entry) => textKey(entry.question.text) === textKey(candidate.text));
  if (sameText) problems.push(problem('question.text', `the question bank already has the question "${sameText.question.text}"`));
  return problems;
}

type BankQuestionRow = Omit<BankQuestion, 'question' | 'stage'> & { question: string; stage: string | null };

function toBankQuestion(row: BankQuestionRow): BankQuestion {
  return { ...row, question: JSON.parse(row.question) as Question, stage: row.stage as QuestionSetStage | null };
}

/** The questions not archived, oldest first; with a stage, those hinted for it or for no stage. */
export async function activeBankQuestions(db: RapportPrisma, stage?: QuestionSetStage): Promise<BankQuestion[]> {
  const rows = await db.bankQuestion.findMany({
    where: { archivedAt: null, ...(stage ? { OR: [{ stage }, { stage: null }] } : {}) },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  return rows.map(toBankQuestion);
}

export async function bankQuestionById(db: RapportPrisma, id: string): Promise<BankQuestion | null> {
  const row = await db.bankQuestion.findUnique({ where: { id } });
  return row ? toBankQuestion(row) : null;
}

export async function createBankQuestion(db: RapportPrisma, input: BankQuestionInput, createdBy: string): Promise<BankQuestion> {
  const row = await db.bankQuestion.create({ data: { id: randomUUID(), question: JSON.stringify(input.question), stage: input.stage, createdBy } });
  return toBankQuestion(row);
}

export async function updateBankQuestion(db: RapportPrisma, id: string, input: BankQuestionInput): Promise<BankQuestion> {
  const row = await db.bankQuestion.update({ where: { id }, data: { question: JSON.stringify(input.question), stage: input.stage } });
  return toBankQuestion(row);
}

/** Archived questions are no longer offered; pairs that took one keep their copy. */
export async function archiveBankQuestion(db: RapportPrisma, id: string): Promise<BankQuestion> {
  const row = await db.bankQuestion.update({ where: { id }, data: { archivedAt: new Date() } });
  return toBankQuestion(row);
}
