// What an admin can do to pairs and their question sets, for the admin API and the CLI alike:
// one set of checks and one set of messages. Failures are AdminErrors carrying an HTTP-like status.
import { ApplicationFailure, isGrpcServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { pairSettingsFromRow } from './pair-rows';
import { InvalidPairError, PairExistsError, pairHandle, registerPair, sendToPair, startPairWorkflow, type NewPair } from './registration';
import { managerKeyOf, managerSearchQuery } from './manager-search';
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
import { LIVENESS_DEADLINE_MS, livenessOf, STOPPED_RUNS_QUERY, stoppedPairs, type StoppedRun } from './pair-liveness';
import { organisationOverview, slowOverviewParts, type OrganisationOverview, type SlowOverviewParts } from './org-overview';
import { PageOutOfRange, pairList, pairListQuery, pairListView, type PairListQuery, type PairListResult, type PairListView } from './pair-list';
import { PairRestartRefused, restartPair } from './pair-restart';
import { endReasonOf, pairStatusView, withTexts } from './pair-status-view';
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

/** gRPC's UNIMPLEMENTED: the Java time-skipping test server has no ListWorkflowExecutions. */
const GRPC_UNIMPLEMENTED = 12;
const PAIR_WORKFLOW_PREFIX = 'pair-';
/** How long the overview keeps what it read of every pair's meetings and forms. */
const OVERVIEW_CACHE_MS = 30_000;

/** A stopped run as visibility lists it. */
interface ListedStoppedRun {
  pairId: string;
  runId: string;
}

/** Every stopped run of a pair workflow, from one visibility list; null where visibility cannot list. */
async function listStoppedRuns(temporal: Client): Promise<ListedStoppedRun[] | null> {
  const runs: ListedStoppedRun[] = [];
  try {
    for await (const run of temporal.workflow.list({ query: STOPPED_RUNS_QUERY })) {
      if (run.workflowId.startsWith(PAIR_WORKFLOW_PREFIX)) runs.push({ pairId: run.workflowId.slice(PAIR_WORKFLOW_PREFIX.length), runId: run.runId });
    }
  } catch (error) {
    const cause = (error as Error).cause;
    if (isGrpcServiceError(cause) && Number(cause.code) === GRPC_UNIMPLEMENTED) return null;
    throw error;
  }
  return runs;
}

/** What was found when a stopped run was last looked into, and how far the pair's state had got then. */
interface CheckedRun {
  pairId: string;
  stopped: StoppedRun | null;
  stateRevision: number;
}

/**
 * Which pairs are stopped, for lists, at the cost of one visibility list per list drawn. A stopped
 * run is looked into (a describe of its pair's latest run and the close event's reason) only when
 * it is first seen, or when its pair has written its state since it was last looked into (a restart,
 * or an activity finishing late): a restarted pair keeps its stopped run in visibility for good, and
 * is not asked about again on every load. Where visibility cannot list (the Java time-skipping test
 * server), every pair not ended is asked, as pair-liveness.ts does.
 */
function createStoppedWatch(db: RapportPrisma, temporal: Client) {
  const checked = new Map<string, CheckedRun>();

  async function lookInto(pairId: string, stateRevision: number): Promise<CheckedRun> {
    const liveness = await livenessOf(temporal, pairId);
    return { pairId, stopped: liveness.kind === 'stopped' ? liveness.run : null, stateRevision };
  }

  async function fromVisibility(runs: ListedStoppedRun[]): Promise<Map<string, StoppedRun>> {
    const rows = await db.pair.findMany({
      where: { id: { in: [...new Set(runs.map((run) => run.pairId))] }, status: { not: 'ended' } },
      select: { id: true, stateRevision: true },
    });
    const revisionOf = new Map(rows.map((row) => [row.id, row.stateRevision]));
    const found = new Map<string, StoppedRun>();
    for (const run of runs) {
      const revision = revisionOf.get(run.pairId);
      if (revision === undefined) continue;
      let known = checked.get(run.runId);
      if (!known || revision > known.stateRevision) {
        known = await lookInto(run.pairId, revision);
        checked.set(run.runId, known);
      }
      if (known.stopped) found.set(run.pairId, known.stopped);
    }
    return found;
  }

  async function everyPairAsked(): Promise<Map<string, StoppedRun>> {
    const notEnded = await db.pair.findMany({ where: { status: { not: 'ended' } }, select: { id: true } });
    return stoppedPairs(
      temporal,
      notEnded.map((pair) => pair.id),
    );
  }

  return {
    async current(): Promise<Map<string, StoppedRun>> {
      const runs = await listStoppedRuns(temporal);
      return runs === null ? everyPairAsked() : fromVisibility(runs);
    },
    /** A pair restarted from here is looked into again at the next list. */
    forget(pairId: string): void {
      for (const [runId, run] of checked) if (run.pairId === pairId) checked.delete(runId);
    },
  };
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

  const stoppedWatch = createStoppedWatch(db, temporal);

  /**
   * The pairs whose workflow stopped without the pair ending. When Temporal cannot be asked, none is
   * shown stopped: lists and pages still show what the database holds.
   */
  const stoppedNow = (): Promise<Map<string, StoppedRun>> =>
    withDeadline(LIVENESS_DEADLINE_MS, () => stoppedWatch.current()).catch(() => new Map<string, StoppedRun>());

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

  /**
   * One page of the list (pair-list.ts): filtered, sorted and paged in SQL, from the database's copy
   * of each workflow's state. A bad parameter or a page past the end is a 422 saying so.
   */
  async function pairListPage(query: PairListQuery): Promise<PairListResult> {
    const stopped = await stoppedNow();
    try {
      return await pairList({ db, stopped }, query);
    } catch (error) {
      if (error instanceof PageOutOfRange) throw new AdminError(422, [problem('page', error.message)]);
      throw error;
    }
  }

  /** The list page for query-string parameters (q, filter, sort, page), each checked. */
  async function listPage(raw: Record<string, unknown>): Promise<PairListResult & { query: PairListQuery }> {
    const { query, problems } = pairListQuery(raw);
    if (problems.length > 0) throw new AdminError(422, problems);
    return { ...(await pairListPage(query)), query };
  }

  /**
   * The list part of the pairs page. Parameters that cannot be read are shown as problems above the
   * first page of every pair (status 422), so the page still works.
   */
  async function listView(raw: Record<string, unknown>, viewerZone?: string): Promise<{ status: 200 | 422; list: PairListView }> {
    const { query, problems } = pairListQuery(raw);
    const shown = problems.length > 0 ? { ...pairListQuery({}).query } : query;
    try {
      const result = await pairListPage(shown);
      return { status: problems.length > 0 ? 422 : 200, list: pairListView(result, shown, sentencesOf(problems), viewerZone) };
    } catch (error) {
      if (!(error instanceof AdminError)) throw error;
      const first = await pairListPage({ ...shown, page: 1 });
      return { status: 422, list: pairListView(first, { ...shown, page: 1 }, error.sentences, viewerZone) };
    }
  }

  /**
   * Its meetings-and-forms part reads every pair's last weeks of cycles, answers and forms (about a
   * second at 10,000 pairs on SQLite), so it is kept OVERVIEW_CACHE_MS per number of weeks; the
   * rest (skips, emails, paused, stopped) is read at every drawing.
   */
  const slowParts = new Map<number, { at: number; parts: Promise<SlowOverviewParts> }>();
  function cachedSlowParts(weeks: number, now: number): Promise<SlowOverviewParts> {
    const kept = slowParts.get(weeks);
    if (kept && now - kept.at < OVERVIEW_CACHE_MS) return kept.parts;
    const parts = slowOverviewParts(db, weeks, now);
    slowParts.set(weeks, { at: now, parts });
    parts.catch(() => slowParts.delete(weeks));
    return parts;
  }

  /** The organisation overview over the last `weeks` weeks (org-overview.ts), from the stored records. */
  async function overview(weeks: number): Promise<OrganisationOverview> {
    const now = Date.now();
    return organisationOverview({ db, stopped: await stoppedNow() }, weeks, now, cachedSlowParts(weeks, now));
  }

  /** Every pair matching the command line's filter, in the list's order (no pages). */
  async function listPairs(filter: PairFilter = {}) {
    const manager = filter.manager?.trim().toLowerCase();
    const query: PairListQuery = {
      q: manager || undefined,
      filter: filter.paused ? 'paused' : filter.chronicSkips ? 'chronic-skips' : undefined,
      sort: 'manager',
      page: 1,
      pageSize: null,
    };
    return (await pairListPage(query)).pairs;
  }

  const questionSetView = (set: StoredQuestionSet) => ({ version: set.version, scope: set.scope === 'org' ? 'org' : 'pair', stages: set.stages });

  /** Saves a new version and tells the running workflow; the save stands even if it cannot be told (pair-questions.ts). */
  const saveVersion = (pairId: string, stages: QuestionSetStages, admin: string, note: string) =>
    saveQuestionSetVersion({ db, temporal, updateTimeoutMs }, pairId, stages, admin, note);

  return {
    createPair,
    listPairs,
    listPage,
    listView,
    pairListPage,
    overview,
    importPairs: (csv: string): Promise<ImportReport> => importPairs(csv, createPair),
    async showPair(pairId: string) {
      const pair = await pairRow(pairId);
      const managerKey = (await managerKeyOf(db, pair.managerEmail)) ?? pair.id;
      const [stopped, undelivered] = await Promise.all([stoppedRunOf(pair), undeliveredEmails(pairId)]);
      const status = await withTexts(db, pairStatusView(pair, stopped));
      // The workflow's state is answered parsed, as `status`, not also as the column's JSON.
      const { state: _stateJson, ...row } = pair;
      const endReason = pair.status === 'ended' ? await endReasonOf(db, pairId) : null;
      return { pair: row, status, stopped, endReason, search: { managerKey, temporalQuery: managerSearchQuery(managerKey) }, undeliveredEmails: undelivered };
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
    /** The editor's page: as saveQuestionSet, but a set that changes nothing saves no version (null). */
    async saveChangedQuestionSet(pairId: string, stages: unknown, admin: string) {
      await pairRow(pairId);
      const edit = await editQuestionSet({ db, temporal, updateTimeoutMs }, pairId, stages, admin, { skipUnchanged: true });
      if (edit.outcome === 'refused') throw new AdminError(422, edit.problems);
      return edit.outcome === 'saved' ? edit.saved : null;
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
        const restarted = await restartPair({ db, temporal, taskQueue }, pairId);
        stoppedWatch.forget(pairId);
        return restarted;
      } catch (error) {
        if (error instanceof PairRestartRefused) throw new AdminError(error.status, [requestProblem(error.message)]);
        throw error;
      }
    },
  };
}

export type PairAdmin = ReturnType<typeof createPairAdmin>;
