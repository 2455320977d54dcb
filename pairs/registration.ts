// Creating a pair and talking to its workflow. Used by the main job, the admin API and the CLI.
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { isUniqueViolation, type RapportPrisma } from '../prisma/database';
import { settingsColumns } from './pair-rows';
import { pairSearchText } from './pair-list';
import type { pairWorkflow } from '../workflows/pair-workflow';
import { DEFAULT_FEEDBACK_EVERY_CYCLES, DEFAULT_OFFSETS, DEFAULT_SKIP_NUDGE_AFTER, type PairSettings, type PairState } from '../workflows/pair-types';
import { problem, requestProblem, sentencesOf, type Problem } from '../workflows/problem-list';
import { settingsProblems } from '../workflows/schedule-rules';
import { ensureOrgQuestionSet } from '../question-sets/question-set-repository';
import { ensureManagerKeyAttribute, managerKeyOf, managerSearchAttributes } from './manager-search';
import { emailProblem, nameProblem } from './people';

export interface Person {
  name: string;
  email: string;
}

export interface NewPair {
  manager: Person;
  report: Person;
  settings: Pick<PairSettings, 'cadence' | 'meetingTime' | 'timeZone'> & Partial<PairSettings>;
  formatNote?: string;
}

export class InvalidPairError extends Error {
  constructor(readonly problems: readonly Problem[]) {
    super(sentencesOf(problems).join('; '));
    this.name = 'InvalidPairError';
  }
}

export class PairExistsError extends Error {
  constructor(readonly pairId: string) {
    super(`A pair for this manager and report already exists (pair ${pairId}).`);
    this.name = 'PairExistsError';
  }
}

export function pairWorkflowId(pairId: string): string {
  return `pair-${pairId}`;
}

export function withDefaults(settings: NewPair['settings']): PairSettings {
  return {
    durationMinutes: 30,
    feedbackEveryCycles: DEFAULT_FEEDBACK_EVERY_CYCLES,
    skipNudgeAfter: DEFAULT_SKIP_NUDGE_AFTER,
    ...settings,
    offsets: { ...DEFAULT_OFFSETS, ...(settings.offsets ?? {}) },
  };
}

/** How the pages and messages name a person's role and fields. */
const ROLE_WORDS = { manager: 'Manager', report: 'Report' } as const;

function personProblems(role: 'manager' | 'report', person: Person | undefined): Problem[] {
  const words = ROLE_WORDS[role];
  if (!person) return [problem(role, `${words} name and email are required`)];
  const problems = [nameProblem(`${role}.name`, `${words} name`, person.name), emailProblem(`${role}.email`, `${words} email`, person.email)];
  return problems.filter((found): found is Problem => found !== undefined);
}

function formatNoteProblem(formatNote: unknown): Problem | undefined {
  if (formatNote === undefined) return undefined;
  if (typeof formatNote !== 'string') return problem('formatNote', 'Format or place must be text');
  return formatNote.length > 200 ? problem('formatNote', 'Format or place is too long: at most 200 characters') : undefined;
}

export function newPairProblems(input: NewPair): Problem[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return [requestProblem('A pair needs a manager, a report and settings')];
  const problems = [...personProblems('manager', input.manager), ...personProblems('report', input.report)];
  if (problems.length === 0 && input.manager.email.toLowerCase() === input.report.email.toLowerCase()) {
    problems.push(problem('manager.email', 'The manager and the report must be two people: their email addresses are the same', ['report.email']));
  }
  if (!input.settings) return [...problems, problem('settings', 'Settings are required: cadence, weekday, meeting time and time zone')];
  problems.push(...settingsProblems(withDefaults(input.settings)));
  const formatNote = formatNoteProblem(input.formatNote);
  if (formatNote) problems.push(formatNote);
  return problems;
}

/** Stores a new pair; refuses a second pair for the same manager and report. */
export interface RegisteredPair {
  pairId: string;
  settings: PairSettings;
  /** The manager's search key (see manager-search.ts). */
  managerKey: string;
}

export async function registerPair(db: RapportPrisma, input: NewPair): Promise<RegisteredPair> {
  const problems = newPairProblems(input);
  if (problems.length > 0) throw new InvalidPairError(problems);
  const settings = withDefaults(input.settings);
  await ensureOrgQuestionSet(db);
  const managerEmail = input.manager.email.trim().toLowerCase();
  const reportEmail = input.report.email.trim().toLowerCase();
  const pairId = randomUUID();
  try {
    await db.pair.create({
      data: {
        id: pairId,
        managerName: input.manager.name.trim(),
        managerEmail,
        reportName: input.report.name.trim(),
        reportEmail,
        formatNote: input.formatNote,
        searchText: pairSearchText({ managerName: input.manager.name, managerEmail, reportName: input.report.name, reportEmail }),
        ...settingsColumns(settings),
      },
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const existing = await db.pair.findUniqueOrThrow({ where: { managerEmail_reportEmail: { managerEmail, reportEmail } } });
    throw new PairExistsError(existing.id);
  }
  return { pairId, settings, managerKey: (await managerKeyOf(db, managerEmail)) ?? pairId };
}

/** How a start differs from a new pair's: a restart carries state on under other id policies (pair-restart.ts). */
export interface PairWorkflowStart {
  /** The state the new run carries on from. */
  carried?: PairState;
  /** REJECT_DUPLICATE unless given: a restart passes ALLOW_DUPLICATE_FAILED_ONLY, which a completed (ended) run refuses. */
  workflowIdReusePolicy?: WorkflowIdReusePolicy;
  /** USE_EXISTING unless given: a restart passes FAIL, so that of two restarts at once only one starts a run. */
  workflowIdConflictPolicy?: WorkflowIdConflictPolicy;
}

/**
 * Starts the pair's workflow. Starting it again while it runs attaches to the running one, and a
 * pair that has ended is never started a second time under the same id.
 */
export async function startPairWorkflow(
  client: Client,
  taskQueue: string,
  pairId: string,
  settings: PairSettings,
  managerKey?: string,
  start: PairWorkflowStart = {},
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof pairWorkflow>> {
  const searchable = managerKey !== undefined && (await ensureManagerKeyAttribute(client));
  return client.workflow.start<typeof pairWorkflow>('pairWorkflow', {
    taskQueue,
    workflowId: pairWorkflowId(pairId),
    args: [{ pairId, settings, ...(start.carried ? { carried: start.carried } : {}) }],
    workflowIdConflictPolicy: start.workflowIdConflictPolicy ?? 'USE_EXISTING',
    workflowIdReusePolicy: start.workflowIdReusePolicy ?? 'REJECT_DUPLICATE',
    ...(searchable ? { typedSearchAttributes: managerSearchAttributes(managerKey) } : {}),
  });
}

export function pairHandle(client: Client, pairId: string): WorkflowHandle<typeof pairWorkflow> {
  return client.workflow.getHandle<typeof pairWorkflow>(pairWorkflowId(pairId));
}

/** How many times a message is sent again after it met a run that had just continued as new. */
const SENDS_ACROSS_CONTINUE_AS_NEW = 3;

/**
 * Sends a message (an Update) to a pair's workflow. An Update that arrives while a run is
 * continuing as new is answered "not found" by servers before 1.25 and by the Java test server
 * (newer servers retry it on the new run themselves). The workflow never saw it, so when the pair
 * still has a running run it is sent again; "not found" stands only for a pair that has ended.
 */
export async function sendToPair<T>(client: Client, pairId: string, send: (handle: WorkflowHandle<typeof pairWorkflow>) => Promise<T>): Promise<T> {
  const handle = pairHandle(client, pairId);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await send(handle);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError) || attempt >= SENDS_ACROSS_CONTINUE_AS_NEW) throw error;
      const running = await handle.describe().then(
        (description) => description.status.name === 'RUNNING',
        () => false,
      );
      if (!running) throw error;
    }
  }
}
