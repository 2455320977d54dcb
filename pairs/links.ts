// Turning a token from a link back into what it opens. Invalid, expired and revoked tokens all
// come back as null, so that every such link gets the same page.
import { hashToken, TOKEN_BYTES } from './link-tokens';
import { suggestionsTakenUp } from './pair-questions';
import type { RapportPrisma } from '../prisma/database';
import { questionSetById } from '../question-sets/question-set-repository';
import { STAGE_OF_FORM, type Question } from '../question-sets/question-types';
import type { FormKind, Role } from '../workflows/pair-types';

type Rows<K extends 'pair' | 'form'> = NonNullable<Awaited<ReturnType<RapportPrisma[K]['findUnique']>>>;
export type PairRow = Rows<'pair'>;
export type FormRow = Rows<'form'>;

const TOKEN_SHAPE = new RegExp(`^[A-Za-z0-9_-]{${Math.ceil((TOKEN_BYTES * 4) / 3)}}$`);
const TOKEN_LENGTH = Math.ceil((TOKEN_BYTES * 4) / 3);

/** Whether a value could be a link token at all (length first, then one linear pattern). */
export const hasTokenShape = (value: unknown): value is string => typeof value === 'string' && value.length === TOKEN_LENGTH && TOKEN_SHAPE.test(value);

export interface OpenedForm {
  form: FormRow & { kind: FormKind; recipientRole: Role };
  pair: PairRow;
  questions: Question[];
  /** On the report's forms: their suggestions taken up since their previous form, as sentences (pair-questions.ts). */
  suggestionsTakenUp: string[];
}

export interface OpenedPairLink {
  pair: PairRow;
  role: Role;
}

function usable(link: { expiresAt: Date; revokedAt: Date | null } | null): boolean {
  return link !== null && link.revokedAt === null && link.expiresAt.getTime() > Date.now();
}

export async function openFormLink(db: RapportPrisma, token: string): Promise<OpenedForm | null> {
  if (!hasTokenShape(token)) return null;
  const link = await db.formLink.findUnique({ where: { tokenHash: hashToken(token) } });
  if (!link || !usable(link)) return null;
  const form = await db.form.findUnique({ where: { id: link.formId } });
  if (!form) return null;
  const [pair, questionSet] = await Promise.all([db.pair.findUnique({ where: { id: form.pairId } }), questionSetById(db, form.questionSetId)]);
  if (!pair || !questionSet) return null;
  const kind = form.kind as FormKind;
  return {
    form: { ...form, kind, recipientRole: form.recipientRole as Role },
    pair,
    questions: questionSet.stages[STAGE_OF_FORM[kind]],
    suggestionsTakenUp: await suggestionsTakenUp(db, form, pair),
  };
}

export async function openPairLink(db: RapportPrisma, token: string): Promise<OpenedPairLink | null> {
  if (!hasTokenShape(token)) return null;
  const link = await db.pairLink.findUnique({ where: { tokenHash: hashToken(token) } });
  if (!link || !usable(link)) return null;
  const pair = await db.pair.findUnique({ where: { id: link.pairId } });
  return pair ? { pair, role: link.role as Role } : null;
}
