import { randomUUID } from 'node:crypto';
import type { RapportPrisma } from '../prisma/database';
import { DEFAULT_QUESTION_SET } from './default-question-set';
import type { QuestionSetStages } from './question-types';

export const ORG_SCOPE = 'org';

export interface StoredQuestionSet {
  id: string;
  scope: string;
  version: number;
  stages: QuestionSetStages;
}

function toStored(row: { id: string; scope: string; version: number; stages: string }): StoredQuestionSet {
  return { id: row.id, scope: row.scope, version: row.version, stages: JSON.parse(row.stages) as QuestionSetStages };
}

/** Creates version 1 of the organisation default when there is none yet. Safe to call repeatedly. */
export async function ensureOrgQuestionSet(db: RapportPrisma): Promise<StoredQuestionSet> {
  const existing = await db.questionSet.findFirst({ where: { scope: ORG_SCOPE }, orderBy: { version: 'desc' } });
  if (existing) return toStored(existing);
  try {
    const created = await db.questionSet.create({
      data: { id: randomUUID(), scope: ORG_SCOPE, version: 1, stages: JSON.stringify(DEFAULT_QUESTION_SET), createdBy: 'rapport', note: 'built-in default' },
    });
    return toStored(created);
  } catch (error) {
    // Another process created it at the same moment; the unique (scope, version) decides.
    const winner = await db.questionSet.findFirst({ where: { scope: ORG_SCOPE, version: 1 } });
    if (winner) return toStored(winner);
    throw error;
  }
}

/** The question set a pair's next form uses: its own latest version, else the org default's. */
export async function currentQuestionSet(db: RapportPrisma, pairId: string): Promise<StoredQuestionSet> {
  const own = await db.questionSet.findFirst({ where: { scope: pairId }, orderBy: { version: 'desc' } });
  if (own) return toStored(own);
  return ensureOrgQuestionSet(db);
}

export async function questionSetById(db: RapportPrisma, id: string): Promise<StoredQuestionSet | null> {
  const row = await db.questionSet.findUnique({ where: { id } });
  return row ? toStored(row) : null;
}

/** Saves a new version of a pair's question set and returns it. */
export async function savePairQuestionSet(
  db: RapportPrisma,
  pairId: string,
  stages: QuestionSetStages,
  createdBy: string,
  note?: string,
): Promise<StoredQuestionSet> {
  const latest = await currentQuestionSet(db, pairId);
  // Pair versions continue the numbering of the set they replace, so a version number is never reused.
  const row = await db.questionSet.create({
    data: { id: randomUUID(), scope: pairId, version: latest.version + 1, stages: JSON.stringify(stages), createdBy, note },
  });
  return toStored(row);
}

/** Saves a new version of the organisation default and returns it. */
export async function saveOrgQuestionSet(db: RapportPrisma, stages: QuestionSetStages, createdBy: string, note: string) {
  const latest = await ensureOrgQuestionSet(db);
  return db.questionSet.create({
    data: { id: randomUUID(), scope: ORG_SCOPE, version: latest.version + 1, stages: JSON.stringify(stages), createdBy, note },
  });
}
