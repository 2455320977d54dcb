// What an admin can do to pairs and their question sets, for the admin API and the CLI alike:
// one set of checks and one set of messages. Failures are AdminErrors carrying an HTTP-like status.
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { pairSettingsFromRow } from './pair-rows';
import { InvalidPairError, PairExistsError, pairHandle, registerPair, sendToPair, startPairWorkflow, type NewPair } from './registration';
import { MANAGER_KEY_ORDER, managerKeyOf, managerKeysOf, managerSearchQuery } from './manager-search';
import type { RapportPrisma } from '../prisma/database';
import { currentQuestionSet, ensureOrgQuestionSet, saveOrgQuestionSet, type StoredQuestionSet } from '../question-sets/question-set-repository';
import { describeQuestionSetChange, questionSetProblems } from '../question-sets/question-set-rules';
import type { Question, QuestionSetStage, QuestionSetStages } from '../question-sets/question-types';
import { changeScheduleUpdate, endPairUpdate, pauseUpdate, rescheduleMeetingUpdate, resumeUpdate, skipMeetingUpdate } from '../workflows/pair-messages';
import type { ScheduleChange } from '../workflows/pair-types';
import { isProblem, listedProblems, problem, requestProblem, sentencesOf, type Problem } from '../workflows/problem-list';
import { exportPairCsv, exportPairJson } from './pair-export';
import { pairHistory } from './pair-history';
import { importPairs, type ImportReport } from './pair-import';
import { reasonProblems, storeReason } from './pair-notes';
import { newSubmissionId, updateIdFor } from './submission-ids';
import { storedStatusOf } from './pair-state-record';
import { LIVENESS_DEADLINE_MS, livenessOf, stoppedPairs, type StoppedRun } from './pair-liveness';
import { PairRestartRefused, restartPair } from './pair-restart';
import { pairStatusView, withTexts } from './pair-status-view';
import { decideSuggestion, editQuestionSet, isSuggestionDecision, saveQuestionSetVersion } from './pair-questions';

/**
 * Its problems are what the API and the CLI show as sentences, and the admin pages beside their
 * fields: at most a few are listed.
 */
export class AdminError extends Error {
  readonly problems: readonly Problem[];

  constructor(
    readonly status: 404 | 409 | 422 | 503,
    problems: readonly Problem[],
  ) {
    const listed = listedProblems(problems);
    super(sentencesOf(listed).join('; '));
    this.name = 'AdminError';
    this.problems = listed;
  }

  /** The problems as the API answers them: `{ "problems": [sentence, ...] }`. */
  get sentences(): string[] {
    return sentencesOf(this.problems);
  }
}

const isSentenceList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.length > 0 && value.every((sentence) => typeof sentence === 'string');
const isProblemList = (value: unknown): value is Problem[] => Array.isArray(value) && value.length > 0 && value.every(isProblem);

/** The problems a workflow's validator listed (see rejectIf): with their fields, else as sentences, else its one message. */
function refusalProblems(error: WorkflowUpdateFailedError): Problem[] {
  const cause = error.cause;
  const [sentences, problems] = cause instanceof ApplicationFailure ? (cause.details ?? []) : [];
  if (isProblemList(problems)) return problems;
  if (isSentenceList(sentences)) return sentences.map(requestProblem);
  return [requestProblem(cause?.message ?? 'refused')];
}

export interface PairAdminDeps {
  db: RapportPrisma;
  temporal: Client;
  taskQueue: string;
  updateTimeoutMs?: number;
}

export interface PairFilter {
  manager?: string;
  paused?: boolean;
  chronicSkips?: boolean;
}

export function createPairAdmin({ db, temporal, taskQueue, updateTimeoutMs = 5_000 }: PairAdminDeps) {
  const withDeadline = <T>(ms: number, fn: () => Promise<T>) => temporal.connection.withDeadline(Date.now() + ms, fn);

  async function pairRow(pairId: string) {
    const pair = await db.pair.findUnique({ where: { id: pairId } });
    if (!pair) throw new AdminError(404, [requestProblem(`There is no pair ${pairId}.`)]);
    return pair;
  }

  /** Why a pair's workflow cannot be told anything: it ended, or it stopped and waits for a restart. */
  async function notRunningMessage(pairId: string): Promise<string> {
    const row = await db.pair.findUnique({ where: { id: pairId } });
    if (!row || row.status === 'ended') return 'This pair has ended.';
    return `This pair's workflow has stopped, so nothing can be changed: restart it first (the Restart button on its page, or pairs restart ${pairId}).`;
  }

  /** Sends an Update to the pair's workflow, turning its refusal into a clear 422. */
  async function tell<T>(pairId: string, send: (handle: ReturnType<typeof pairHandle>) => Promise<T>): Promise<T> {
    await pairRow(pairId);
    try {
      return await withDeadline(updateTimeoutMs, () => sendToPair(temporal, pairId, send));
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) throw new AdminError(422, refusalProblems(error));
      if (error instanceof WorkflowNotFoundError) throw new AdminError(409, [requestProblem(await notRunningMessage(pairId))]);
      throw new AdminError(503, [requestProblem(`The pair's workflow could not be reached: ${(error as Error).message}`)]);
    }
  }

  /**
   * The pairs among these whose workflow stopped without the pair ending (pair-liveness.ts). When
   * Temporal cannot be asked, none is shown stopped: lists and pages still show what the database holds.
   */
  async function stoppedAmong(pairs: readonly { id: string; status: string }[]): Promise<Map<string, StoppedRun>> {
    const notEnded = pairs.filter((pair) => pair.status !== 'ended').map((pair) => pair.id);
    return withDeadline(LIVENESS_DEADLINE_MS, () => stoppedPairs(temporal, notEnded)).catch(() => new Map<string, StoppedRun>());
  }

  async function stoppedRunOf(pair: { id: string; status: string }): Promise<StoppedRun | null> {
    if (pair.status === 'ended') return null;
    const liveness = await withDeadline(LIVENESS_DEADLINE_MS, () => livenessOf(temporal, pair.id)).catch(() => null);
    return liveness?.kind === 'stopped' ? liveness.run : null;
  }

  /** Starts a stored pair's workflow if it is not running (a start that failed half-way); attaching is harmless. */
  async function ensureWorkflow(pairId: string): Promise<void> {
    const row = await pairRow(pairId);
    if (row.status === 'ended') return;
    await startPairWorkflow(temporal, taskQueue, pairId, pairSettingsFromRow(row), await managerKeyOf(db, row.managerEmail)).catch(() => undefined);
  }

  async function createPair(input: NewPair): Promise<{ pairId: string }> {
    try {
      const { pairId, settings, managerKey } = await registerPair(db, input);
      await startPairWorkflow(temporal, taskQueue, pairId, settings, managerKey);
      return { pairId };
    } catch (error) {
      if (error instanceof InvalidPairError) throw new AdminError(422, error.problems);
      if (error instanceof PairExistsError) {
        await ensureWorkflow(error.pairId);
        throw new AdminError(409, [requestProblem(error.message)]);
      }
      throw error;
    }
  }

  /** Emails the relay refused for good (a 5xx): they will not be sent again, so an admin must act. */
  async function undeliveredEmails(pairId: string) {
    const rows = await db.outboxEmail.findMany({
      where: { pairId, status: 'failed' },
      orderBy: [{ cycleNumber: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
      select: { cycleNumber: true, stage: true, recipientRole: true, toAddress: true, lastError: true, attempts: true, createdAt: true },
    });
    return rows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() }));
  }

  async function undeliveredCounts(): Promise<Map<string, number>> {
    const groups = await db.outboxEmail.groupBy({ by: ['pairId'], where: { status: 'failed' }, _count: { _all: true } });
    return new Map(groups.map((group) => [group.pairId, group._count._all]));
  }

  async function listPairs(filter: PairFilter = {}) {
    const [pairs, undelivered] = await Promise.all([db.pair.findMany({ orderBy: MANAGER_KEY_ORDER }), undeliveredCounts()]);
    const keyOf = managerKeysOf(pairs);
    const manager = filter.manager?.trim().toLowerCase();
    const matches = (pair: (typeof pairs)[number]) =>
      !manager || pair.managerName.toLowerCase().includes(manager) || pair.managerEmail.includes(manager) || keyOf.get(pair.managerEmail) === manager;
    const matching = pairs.filter(matches);
    const stopped = await stoppedAmong(matching);
    return matching
      .map((pair) => ({ pair, status: pairStatusView(pair, stopped.get(pair.id) ?? null) }))
      .filter(({ status }) => !filter.paused || status.state === 'paused')
      .filter(({ pair, status }) => !filter.chronicSkips || (status.consecutiveSkips ?? 0) >= pair.skipNudgeAfter)
      .map(({ pair, status }) => ({
        pairId: pair.id,
        manager: { name: pair.managerName, email: pair.managerEmail, key: keyOf.get(pair.managerEmail) },
        report: { name: pair.reportName, email: pair.reportEmail },
        state: status.state,
        stage: status.stage,
        cycle: status.cycle,
        nextEvent: status.nextEvents[0] ?? null,
        consecutiveSkips: status.consecutiveSkips,
        /** What Temporal says of a workflow that stopped without the pair ending; null otherwise. */
        stopped: stopped.get(pair.id) ?? null,
        undeliveredEmails: undelivered.get(pair.id) ?? 0,
      }));
  }

  const questionSetView = (set: StoredQuestionSet) => ({ version: set.version, scope: set.scope === 'org' ? 'org' : 'pair', stages: set.stages });

  /** Saves a new version and tells the running workflow; the save stands even if it cannot be told (pair-questions.ts). */
  const saveVersion = (pairId: string, stages: QuestionSetStages, admin: string, note: string) =>
    saveQuestionSetVersion({ db, temporal, updateTimeoutMs }, pairId, stages, admin, note);

  return {
    createPair,
    listPairs,
    importPairs: (csv: string): Promise<ImportReport> => importPairs(csv, createPair),
    async showPair(pairId: string) {
      const pair = await pairRow(pairId);
      const managerKey = (await managerKeyOf(db, pair.managerEmail)) ?? pair.id;
      const [stopped, undelivered] = await Promise.all([stoppedRunOf(pair), undeliveredEmails(pairId)]);
      const status = await withTexts(db, pairStatusView(pair, stopped));
      // The workflow's state is answered parsed, as `status`, not also as the column's JSON.
      const { state: _stateJson, ...row } = pair;
      return { pair: row, status, stopped, search: { managerKey, temporalQuery: managerSearchQuery(managerKey) }, undeliveredEmails: undelivered };
    },
    // Each message's update id comes from the submission (a form's hidden id, an API request's
    // Idempotency-Key): the same submission sent twice is applied once.
    pause: (pairId: string, submissionId = newSubmissionId()) =>
      tell(pairId, (h) => h.executeUpdate(pauseUpdate, { args: [{ by: 'admin' }], updateId: updateIdFor('pause', submissionId) })),
    resume: (pairId: string, submissionId = newSubmissionId()) =>
      tell(pairId, (h) => h.executeUpdate(resumeUpdate, { updateId: updateIdFor('resume', submissionId) })),
    async skip(pairId: string, reason?: unknown, submissionId = newSubmissionId()) {
      const problems = reasonProblems(reason);
      if (problems.length > 0) throw new AdminError(422, problems);
      const row = await pairRow(pairId);
      const reasonId = await storeReason(db, pairId, 'skipReason', reason as string | undefined, submissionId);
      // The skip names the meeting it means, so that a repeated skip never skips the one after.
      const cycle = storedStatusOf(row)?.upcomingMeeting;
      const request = { by: 'admin' as const, ...(reasonId ? { reasonId } : {}), ...(cycle ? { cycle } : {}) };
      return tell(pairId, (h) => h.executeUpdate(skipMeetingUpdate, { args: [request], updateId: updateIdFor('skip', submissionId) }));
    },
    reschedule: (pairId: string, meetingAt: string, submissionId = newSubmissionId()) =>
      tell(pairId, (h) => h.executeUpdate(rescheduleMeetingUpdate, { args: [{ meetingAt }], updateId: updateIdFor('reschedule', submissionId) })),
    changeSchedule: (pairId: string, change: ScheduleChange, submissionId = newSubmissionId()) =>
      tell(pairId, (h) => h.executeUpdate(changeScheduleUpdate, { args: [change], updateId: updateIdFor('schedule', submissionId) })),
    async end(pairId: string, reason?: unknown, submissionId = newSubmissionId()) {
      const problems = reasonProblems(reason);
      if (problems.length > 0) throw new AdminError(422, problems);
      await pairRow(pairId);
      const reasonId = await storeReason(db, pairId, 'endReason', reason as string | undefined, submissionId);
      return tell(pairId, (h) => h.executeUpdate(endPairUpdate, { args: [reasonId ? { reasonId } : {}], updateId: updateIdFor('end', submissionId) }));
    },
    async questionSet(pairId: string) {
      await pairRow(pairId);
      return questionSetView(await currentQuestionSet(db, pairId));
    },
    async saveQuestionSet(pairId: string, stages: unknown, admin: string) {
      const problems = questionSetProblems(stages);
      if (problems.length > 0) throw new AdminError(422, problems);
      await pairRow(pairId);
      const edit = await editQuestionSet({ db, temporal, updateTimeoutMs }, pairId, stages, admin);
      if (edit.outcome === 'refused') throw new AdminError(422, edit.problems);
      if (edit.outcome === 'unchanged') throw new Error('editQuestionSet skipped a save it was asked to make');
      return edit.saved;
    },
    async questionSetVersions(pairId: string) {
      await pairRow(pairId);
      const rows = await db.questionSet.findMany({ where: { scope: { in: [pairId, 'org'] } }, orderBy: [{ version: 'asc' }, { scope: 'asc' }] });
      return rows.map((r) => ({ version: r.version, scope: r.scope === 'org' ? 'org' : 'pair', createdBy: r.createdBy, createdAt: r.createdAt, note: r.note }));
    },
    async rollbackQuestionSet(pairId: string, version: unknown, admin: string) {
      if (!Number.isInteger(version)) throw new AdminError(422, [problem('version', 'version must be a whole number')]);
      await pairRow(pairId);
      const target =
        (await db.questionSet.findFirst({ where: { scope: pairId, version: version as number } })) ??
        (await db.questionSet.findFirst({ where: { scope: 'org', version: version as number } }));
      if (!target) throw new AdminError(422, [problem('version', `there is no version ${String(version)}`)]);
      return saveVersion(pairId, JSON.parse(target.stages) as QuestionSetStages, admin, `rolled back to version ${target.version}`);
    },
    /** Appends one question to a stage as a new version; a question with the same id already there is refused. */
    async addQuestionToStage(pairId: string, stage: QuestionSetStage, question: Question, admin: string, note: string) {
      await pairRow(pairId);
      const { stages } = await currentQuestionSet(db, pairId);
      if (stages[stage].some((q) => q.id === question.id))
        throw new AdminError(409, [problem('bankQuestionId', `${stage} already has a question with id "${question.id}"`)]);
      const next: QuestionSetStages = { ...stages, [stage]: [...stages[stage], question] };
      const problems = questionSetProblems(next);
      if (problems.length > 0) throw new AdminError(422, problems);
      return saveVersion(pairId, next, admin, note);
    },
    async orgQuestionSet() {
      return questionSetView(await ensureOrgQuestionSet(db));
    },
    /** A new version of the organisation default: every pair without questions of its own uses it from its next form. */
    async saveOrgQuestionSet(stages: unknown, admin: string) {
      const problems = questionSetProblems(stages);
      if (problems.length > 0) throw new AdminError(422, problems);
      const before = await ensureOrgQuestionSet(db);
      const saved = await saveOrgQuestionSet(db, stages as QuestionSetStages, admin, describeQuestionSetChange(before.stages, stages as QuestionSetStages));
      return { version: saved.version, change: saved.note };
    },
    async suggestions(pairId: string) {
      await pairRow(pairId);
      const rows = await db.questionSuggestion.findMany({ where: { pairId }, orderBy: { createdAt: 'asc' } });
      return rows.map((r) => ({ id: r.id, by: r.byRole, text: r.text, status: r.status, createdAt: r.createdAt, decidedBy: r.decidedBy }));
    },
    async decideSuggestion(pairId: string, suggestionId: string, decision: unknown, admin: string) {
      if (!isSuggestionDecision(decision)) throw new AdminError(422, [problem('decision', 'decision must be "accepted" or "dismissed"')]);
      await pairRow(pairId);
      if (!(await decideSuggestion(db, pairId, suggestionId, decision, admin)))
        throw new AdminError(409, [requestProblem('That suggestion does not exist or was already decided.')]);
      return { id: suggestionId, status: decision };
    },
    async history(pairId: string) {
      await pairRow(pairId);
      return pairHistory(db, pairId);
    },
    async exportJson(pairId: string) {
      await pairRow(pairId);
      return exportPairJson(db, pairId);
    },
    async exportCsv(pairId: string) {
      await pairRow(pairId);
      return exportPairCsv(db, pairId);
    },
    /** Starts a stopped pair's workflow again, carrying on from the database (pair-restart.ts); refused unless it is stopped. */
    async restart(pairId: string) {
      try {
        return await restartPair({ db, temporal, taskQueue }, pairId);
      } catch (error) {
        if (error instanceof PairRestartRefused) throw new AdminError(error.status, [requestProblem(error.message)]);
        throw error;
      }
    },
  };
}

export type PairAdmin = ReturnType<typeof createPairAdmin>;
