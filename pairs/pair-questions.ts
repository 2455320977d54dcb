// Shaping a pair's questions: a new version of its question set, and the report's suggestions
// accepted or dismissed. One code path for the admin (pair-admin.ts) and the manager's own page
// (web/manager-page.ts), so both give the same checks, versions and audit (who saved it, what
// changed), and both tell the running workflow, whose next form then uses the new version.
import type { Client } from '@temporalio/client';
import type { RapportPrisma } from '../prisma/database';
import { currentQuestionSet, savePairQuestionSet } from '../question-sets/question-set-repository';
import { describeQuestionSetChange, questionSetProblems, sameQuestions } from '../question-sets/question-set-rules';
import type { QuestionSetStages } from '../question-sets/question-types';
import { questionSetChangedUpdate } from '../workflows/pair-messages';
import { problem, type Problem } from '../workflows/problem-list';
import type { FormRow, PairRow } from './links';
import { sendToPair } from './registration';

export interface PairQuestionsDeps {
  db: RapportPrisma;
  temporal: Client;
  updateTimeoutMs: number;
}

export interface SavedVersion {
  version: number;
  /** What changed, as the audit records it ("followUp: edited notes"). */
  change: string;
  /** Whether the running workflow was told; the save stands either way. */
  notified: boolean;
}

/** Who saved a version (QuestionSet.createdBy): an admin's user name, or the pair's manager. */
export const MANAGER = 'manager';

/**
 * Saves a new version of the pair's question set and tells its running workflow. With an update id
 * (made from a submission), telling it twice is applied once.
 */
export async function saveQuestionSetVersion(
  deps: PairQuestionsDeps,
  pairId: string,
  stages: QuestionSetStages,
  createdBy: string,
  note: string,
  updateId?: string,
): Promise<SavedVersion> {
  const saved = await savePairQuestionSet(deps.db, pairId, stages, createdBy, note);
  const notified = await deps.temporal.connection
    .withDeadline(Date.now() + deps.updateTimeoutMs, () =>
      sendToPair(deps.temporal, pairId, (handle) =>
        handle.executeUpdate(questionSetChangedUpdate, { args: [{ version: saved.version }], ...(updateId ? { updateId } : {}) }),
      ),
    )
    .then(
      () => true,
      () => false,
    );
  return { version: saved.version, change: note, notified };
}

/**
 * Feedback on the manager is the report's to give: the manager's editor may not change its
 * questions nor switch it off (an admin can).
 */
function feedbackKeptProblems(before: QuestionSetStages, edited: QuestionSetStages): Problem[] {
  const switchedOff = (stages: QuestionSetStages) => stages.disabledStages?.includes('feedback') ?? false;
  if (sameQuestions(before.feedback, edited.feedback) && switchedOff(before) === switchedOff(edited)) return [];
  return [problem('feedback', 'the feedback questions are the report’s way to tell you how the 1:1s go: an admin sets them, so they stay as they are here')];
}

export type QuestionSetEdit = { outcome: 'saved'; saved: SavedVersion } | { outcome: 'refused'; problems: Problem[] } | { outcome: 'unchanged' };

/**
 * Checks an edited question set with the editor's rules and saves it as a new version; nothing is
 * stored on a refusal. `skipUnchanged` answers "unchanged" instead of saving a version that changes
 * nothing (a page sent twice).
 */
export async function editQuestionSet(
  deps: PairQuestionsDeps,
  pairId: string,
  stages: unknown,
  createdBy: string,
  options: { skipUnchanged?: boolean; updateId?: string } = {},
): Promise<QuestionSetEdit> {
  const problems = questionSetProblems(stages);
  if (problems.length > 0) return { outcome: 'refused', problems };
  const edited = stages as QuestionSetStages;
  const before = await currentQuestionSet(deps.db, pairId);
  if (createdBy === MANAGER) {
    const kept = feedbackKeptProblems(before.stages, edited);
    if (kept.length > 0) return { outcome: 'refused', problems: kept };
  }
  const change = describeQuestionSetChange(before.stages, edited);
  if (options.skipUnchanged && change === 'no change') return { outcome: 'unchanged' };
  return { outcome: 'saved', saved: await saveQuestionSetVersion(deps, pairId, edited, createdBy, change, options.updateId) };
}

export type SuggestionDecision = 'accepted' | 'dismissed';
export const isSuggestionDecision = (value: unknown): value is SuggestionDecision => value === 'accepted' || value === 'dismissed';

/** Decides an open suggestion of the pair; false when there is no such open suggestion (already decided, or another pair's). */
export async function decideSuggestion(
  db: RapportPrisma,
  pairId: string,
  suggestionId: string,
  decision: SuggestionDecision,
  decidedBy: string,
): Promise<boolean> {
  const decided = await db.questionSuggestion.updateMany({
    where: { id: suggestionId, pairId, status: 'open' },
    data: { status: decision, decidedAt: new Date(), decidedBy },
  });
  return decided.count > 0;
}

/** The report's suggestions still waiting for a decision, oldest first. */
export async function openReportSuggestions(db: RapportPrisma, pairId: string): Promise<{ id: string; text: string }[]> {
  const rows = await db.questionSuggestion.findMany({ where: { pairId, byRole: 'report', status: 'open' }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  return rows.map((row) => ({ id: row.id, text: row.text }));
}

/**
 * What a report's form tells them of their suggestions: each one accepted after the report's
 * previous form went out and by the time this one did, so that every accepted suggestion is told
 * once, in the first form after it was taken up. Derived from the times alone, so nothing is marked.
 */
export async function suggestionsTakenUp(db: RapportPrisma, form: FormRow, pair: PairRow): Promise<string[]> {
  if (form.recipientRole !== 'report') return [];
  const previous = await db.form.findFirst({
    where: { pairId: form.pairId, recipientRole: 'report', sentAt: { lt: form.sentAt } },
    orderBy: { sentAt: 'desc' },
  });
  const rows = await db.questionSuggestion.findMany({
    where: { pairId: form.pairId, byRole: 'report', status: 'accepted', decidedAt: { lte: form.sentAt, ...(previous ? { gt: previous.sentAt } : {}) } },
    orderBy: [{ decidedAt: 'asc' }, { id: 'asc' }],
  });
  return rows.map((row) => `Your suggestion “${row.text}” was taken up${row.decidedBy === MANAGER ? ` by ${pair.managerName}` : ''}.`);
}
