// What a person or admin types to go with a message to a pair's workflow (the reason for a skip or
// an end) is stored here first; the message carries the note's id, so the text never enters
// Temporal's history.
import type { RapportPrisma } from '../prisma/database';
import { MAX_REASON_LENGTH } from '../workflows/pair-types';
import { problem, type Problem } from '../workflows/problem-list';

export type NoteKind = 'skipReason' | 'endReason';

export function reasonProblems(reason: unknown): Problem[] {
  if (reason === undefined || reason === null) return [];
  if (typeof reason !== 'string' || reason.length > MAX_REASON_LENGTH)
    return [problem('reason', `The reason must be text of at most ${MAX_REASON_LENGTH} characters`)];
  return [];
}

/** The id of the note a submission stores: the same submission sent again names the same note. */
export const noteIdFor = (kind: NoteKind, submissionId: string): string => `${kind}-${submissionId}`;

/**
 * Stores a reason under an id made from the submission, so that a repeated submission writes the
 * same row. Returns the note's id, or undefined when no reason was given.
 */
export async function storeReason(
  db: RapportPrisma,
  pairId: string,
  kind: NoteKind,
  reason: string | undefined,
  submissionId: string,
): Promise<string | undefined> {
  const text = reason?.trim();
  if (!text) return undefined;
  const id = noteIdFor(kind, submissionId);
  await db.pairNote.upsert({ where: { id }, create: { id, pairId, kind, text }, update: {} });
  return id;
}
