// The organisation's question bank for the admin API and pages: one set of checks and messages.
// Adding a bank question to a pair goes through the pair service, so it is a new question-set
// version like any other edit and the running workflow is told.
import type { RapportPrisma } from '../prisma/database';
import {
  activeBankQuestions,
  archiveBankQuestion,
  bankQuestionById,
  checkBankQuestion,
  createBankQuestion,
  duplicateProblems,
  isQuestionSetStage,
  stageProblems,
  updateBankQuestion,
  type BankQuestion,
  type BankQuestionInput,
} from '../question-sets/question-bank';
import type { Question } from '../question-sets/question-types';
import { AdminError, type PairAdmin } from '../pairs/pair-admin';
import { problem, requestProblem } from '../workflows/problem-list';

export interface QuestionBankAdminDeps {
  db: RapportPrisma;
  pairs: Pick<PairAdmin, 'addQuestionToStage'>;
}

export function createQuestionBankAdmin({ db, pairs }: QuestionBankAdminDeps) {
  function checked(input: unknown): BankQuestionInput {
    const result = checkBankQuestion(input);
    if (!result.ok) throw new AdminError(422, result.problems);
    return result.value;
  }

  async function activeQuestion(id: string): Promise<BankQuestion> {
    const found = await bankQuestionById(db, id);
    if (!found) throw new AdminError(404, [requestProblem(`There is no bank question ${id}.`)]);
    if (found.archivedAt) throw new AdminError(409, [requestProblem(`The bank question "${found.question.text}" is archived.`)]);
    return found;
  }

  async function refuseDuplicates(question: Question, exceptId?: string): Promise<void> {
    const problems = duplicateProblems(question, await activeBankQuestions(db), exceptId);
    if (problems.length > 0) throw new AdminError(409, problems);
  }

  return {
    /** The active bank; with a stage, the questions hinted for it or for no stage. */
    async list(stage?: unknown): Promise<BankQuestion[]> {
      if (stage === undefined) return activeBankQuestions(db);
      if (!isQuestionSetStage(stage)) throw new AdminError(422, stageProblems(stage));
      return activeBankQuestions(db, stage);
    },
    async add(input: unknown, admin: string): Promise<BankQuestion> {
      const value = checked(input);
      await refuseDuplicates(value.question);
      return createBankQuestion(db, value, admin);
    },
    async edit(bankQuestionId: string, input: unknown): Promise<BankQuestion> {
      const value = checked(input);
      await activeQuestion(bankQuestionId);
      await refuseDuplicates(value.question, bankQuestionId);
      return updateBankQuestion(db, bankQuestionId, value);
    },
    async archive(bankQuestionId: string): Promise<BankQuestion> {
      await activeQuestion(bankQuestionId);
      return archiveBankQuestion(db, bankQuestionId);
    },
    /** Copies a bank question to the end of one of a pair's stages, as a new question-set version. */
    async addToPair(pairId: string, stage: unknown, bankQuestionId: unknown, admin: string) {
      const hasId = typeof bankQuestionId === 'string' && bankQuestionId !== '';
      if (!isQuestionSetStage(stage) || !hasId) {
        throw new AdminError(422, [...stageProblems(stage), ...(hasId ? [] : [problem('bankQuestionId', 'Choose a question that is in the question bank')])]);
      }
      const { question } = await activeQuestion(bankQuestionId);
      return pairs.addQuestionToStage(pairId, stage, question, admin, `added "${question.text}" to ${stage} from the question bank`);
    },
  };
}

export type QuestionBankAdmin = ReturnType<typeof createQuestionBankAdmin>;
