// The fault scenarios: six on either Temporal, two more on the cluster only. Each runs on a fault stack (faults/fault-stack.ts), breaks one part at
// a chosen moment, brings it back, waits (with a deadline) until everything expected has arrived,
// and counts at the SMTP server and in the database what was expected, delivered, duplicated and
// lost. `problems` lists every target missed; an empty list is a pass.
import { pairHandle } from '../pairs/registration';
import { pairStatusQuery } from '../workflows/pair-messages';
import { adminViewOf } from './admin-view';
import {
  checkSavedAnswers,
  hasStoredAnswer,
  isSavedPage,
  lastSavedTopics,
  notSavedPageProblems,
  submitAnswer,
  tally,
  type SavedAnswersCheck,
  type Submission,
  type SubmissionTally,
} from './answer-stream';
import { acceptedButNotRecorded, countEmails, deliveredSoFar, waitForDelivered, waitUntilSettled, type EmailCount, type EmailExpectation } from './email-count';
import { bringMeetingsForward, createFaultPairs, expectedEmail, reflectionEmails, type ExpectedEmail, type FaultPair, type Unmoved } from './fault-pairs';
import type { FaultDatabase, FaultStack } from './fault-stack';
import { ACCEPT_ALL } from './faulty-smtp-protocol';
import { endedPairWorkflows, type EndedWorkflow } from './pair-workflows';
import { inLanes } from '../harness/in-lanes';
import { halfWrittenRecords } from './record-integrity';
import type { TemporalUnderTest } from '../harness/temporal-under-test';

export const SCENARIOS = [
  'worker-kill',
  'smtp-outage',
  'smtp-refusals',
  'temporal-restart',
  'database-outage',
  'web-kill',
  'cluster-server-kill',
  'cluster-postgres-restart',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Scenarios that break a part only a real Temporal cluster has. */
const CLUSTER_ONLY: readonly ScenarioName[] = ['cluster-server-kill', 'cluster-postgres-restart'];

export const needsCluster = (scenario: ScenarioName): boolean => CLUSTER_ONLY.includes(scenario);

/** The scenarios that run on this Temporal: on the dev server, all but the cluster's own. */
export function scenariosFor(temporal: TemporalUnderTest): ScenarioName[] {
  return SCENARIOS.filter((scenario) => temporal === 'cluster' || !needsCluster(scenario));
}

export const SCENARIO_TITLES: Record<ScenarioName, string> = {
  'worker-kill': 'kill -9 the worker halfway through a burst of reflection emails, then start it again',
  'smtp-outage': 'the SMTP server refuses connections during a burst, then comes back',
  'smtp-refusals': 'the SMTP server answers 451 to one message in three, and 550 to one recipient',
  'temporal-restart': 'the Temporal dev server is stopped halfway through a burst and started again; answers are posted meanwhile',
  'database-outage': 'PostgreSQL is stopped during a burst and during a stream of answers, then started again',
  'web-kill': 'kill -9 the web service during a stream of answers, then start it again',
  'cluster-server-kill': "cluster only: kill -9 the Temporal cluster's server halfway through a burst, then start it again; answers are posted meanwhile",
  'cluster-postgres-restart': "cluster only: the cluster's PostgreSQL is stopped halfway through a burst and started again; answers are posted meanwhile",
};

const MINUTE = 60_000;

export interface Scale {
  name: 'reduced' | 'full';
  /** Pairs in a burst: two emails each. */
  pairs: number;
  /** Pairs whose forms are answered through the web service: two forms each. */
  answerPairs: number;
  smtpDownMs: number;
  databaseDownMs: number;
  temporalDownMs: number;
  /** How long a scenario waits for everything to arrive before it reports what did. */
  deadlineMs: number;
}

export const SCALES: Record<Scale['name'], Scale> = {
  reduced: { name: 'reduced', pairs: 20, answerPairs: 6, smtpDownMs: 10_000, databaseDownMs: 10_000, temporalDownMs: 5_000, deadlineMs: 4 * MINUTE },
  full: { name: 'full', pairs: 200, answerPairs: 50, smtpDownMs: 60_000, databaseDownMs: 30_000, temporalDownMs: 30_000, deadlineMs: 20 * MINUTE },
};

/** The database a scenario needs; the others run on either. */
export function databaseFor(scenario: ScenarioName): FaultDatabase | null {
  return scenario === 'database-outage' ? 'postgres' : null;
}

export interface CountRow {
  what: 'emails' | 'answers';
  expected: number;
  delivered: number;
  /** null where a copy cannot exist (an answer is one row per form, edited in place). */
  duplicated: number | null;
  lost: number;
}

export interface ScenarioResult {
  scenario: ScenarioName;
  rows: CountRow[];
  submissions: SubmissionTally | null;
  notes: string[];
  problems: string[];
  /** Figures the tests check: that the fault hit something, and what it left. */
  facts: Record<string, number | boolean>;
  seconds: number;
}

interface Context {
  stack: FaultStack;
  scale: Scale;
  log: (line: string) => void;
  startedAt: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

// ---- Shared steps ------------------------------------------------------------------------------

interface Burst {
  pairs: FaultPair[];
  emails: ExpectedEmail[];
  /** Resolves once every meeting was moved, with the pairs whose workflow refused. */
  triggered: Promise<Unmoved[]>;
}

/** N new pairs whose reflection emails start going out now. */
async function startBurst(ctx: Context, count: number): Promise<Burst> {
  const pairs = await createFaultPairs(ctx.stack, count);
  const emails = reflectionEmails(pairs);
  ctx.log(`${count} pairs created; their ${emails.length} reflection and prep emails go out now`);
  return { pairs, emails, triggered: bringMeetingsForward(ctx.stack, pairs) };
}

/** Waits until `share` of the burst's emails arrived; the fault then catches the rest in flight. */
async function untilShareDelivered(ctx: Context, burst: Burst, share: number, problems: string[]): Promise<number> {
  const reached = await waitForDelivered(ctx.stack, burst.emails, Math.ceil(burst.emails.length * share), ctx.scale.deadlineMs);
  if (!reached) problems.push(`the burst never reached ${Math.round(share * 100)}% delivered before the fault`);
  return deliveredSoFar(ctx.stack, new Set(burst.emails.map((email) => email.messageId)));
}

/**
 * Waits for everything expected, lets late copies arrive, and counts. A pair whose workflow has
 * ended will send nothing more: its emails are no longer waited for (and count as lost).
 */
async function finishEmails(ctx: Context, expectation: EmailExpectation, problems: string[]): Promise<EmailCount> {
  const pairIds = [...new Set(expectation.emails.map((email) => email.pairId))];
  const deadline = ctx.startedAt + ctx.scale.deadlineMs;
  let ended: EndedWorkflow[] = [];
  let settled = false;
  while (!settled && Date.now() < deadline) {
    const endedPairs = new Set(ended.map((workflow) => workflow.pairId));
    const waitingFor = { ...expectation, emails: expectation.emails.filter((email) => !endedPairs.has(email.pairId)) };
    settled = await waitUntilSettled(ctx.stack, waitingFor, Math.min(deadline, Date.now() + 10_000));
    ended = await endedPairWorkflows(ctx.stack, pairIds);
  }
  if (ended.length > 0) problems.push(`${ended.length} pair workflow(s) ended, e.g. ${ended[0].description}`);
  if (!settled) problems.push(`gave up waiting for the emails after ${seconds(ctx.scale.deadlineMs)}`);
  else ctx.log(`every email still expected arrived and was recorded, ${seconds(Date.now() - ctx.startedAt)} into the scenario`);
  await sleep(2_000);
  const count = await countEmails(ctx.stack, expectation);
  problems.push(...count.problems);
  return count;
}

function emailRow(count: EmailCount): CountRow {
  return { what: 'emails', expected: count.expected, delivered: count.delivered, duplicated: count.duplicated, lost: count.lost };
}

function answerRow(saved: Map<string, string>, check: SavedAnswersCheck): CountRow {
  return { what: 'answers', expected: saved.size, delivered: check.complete, duplicated: null, lost: saved.size - check.complete };
}

/** Messages whose first copy was accepted between from and to. */
function firstAcceptedBetween(stack: FaultStack, emails: ExpectedEmail[], from: number, to: number): Set<string> {
  const expected = new Set(emails.map((email) => email.messageId));
  const first = new Map<string, number>();
  for (const message of stack.smtp.accepted) {
    if (expected.has(message.messageId) && !first.has(message.messageId)) first.set(message.messageId, message.at);
  }
  return new Set([...first].filter(([, at]) => at >= from && at <= to).map(([id]) => id));
}

/** How many of these messages the SMTP server accepted more than once. */
function duplicatedAmong(stack: FaultStack, messageIds: Set<string>): number {
  const copies = new Map<string, number>();
  for (const { messageId } of stack.smtp.accepted) if (messageIds.has(messageId)) copies.set(messageId, (copies.get(messageId) ?? 0) + 1);
  return [...copies.values()].filter((count) => count > 1).length;
}

/** When the last expected email arrived, relative to the moment a fault was over. */
function lastArrival(stack: FaultStack, emails: ExpectedEmail[], since: number, event: string): string {
  const expected = new Set(emails.map((email) => email.messageId));
  const last = Math.max(0, ...stack.smtp.accepted.filter((message) => expected.has(message.messageId)).map((message) => message.at));
  return last < since ? `every email in before ${event}` : `last email ${seconds(last - since)} after ${event}`;
}

function duplicateNote(count: EmailCount, crash?: string): string {
  if (count.duplicated === 0) return 'no duplicates';
  if (!crash) return `${count.duplicated} duplicate(s), with no crash to explain them`;
  return `${count.duplicated} duplicate(s), ${count.explainedDuplicates} explained by ${crash} (accepted, not yet recorded)`;
}

function unmovedProblems(unmoved: Unmoved[]): string[] {
  return unmoved.length > 0 ? [`${unmoved.length} meeting(s) could not be moved forward, e.g. "${unmoved[0].reason}"`] : [];
}

async function checkTriggered(burst: Burst, problems: string[]): Promise<void> {
  problems.push(...unmovedProblems(await burst.triggered));
}

function formLinksOf(stack: FaultStack, emails: ExpectedEmail[]): string[] {
  const ids = new Set(emails.map((email) => email.messageId));
  const links = new Map<string, string>();
  for (const message of stack.smtp.accepted) if (ids.has(message.messageId) && message.formLink) links.set(message.messageId, message.formLink);
  return [...links.values()];
}

/** Pairs at their reflection stage with every form email delivered: the forms to answer. */
async function formsToAnswer(ctx: Context, problems: string[]): Promise<{ pairs: FaultPair[]; emails: ExpectedEmail[]; links: string[] }> {
  const pairs = await createFaultPairs(ctx.stack, ctx.scale.answerPairs);
  const emails = reflectionEmails(pairs);
  problems.push(...unmovedProblems(await bringMeetingsForward(ctx.stack, pairs)));
  if (!(await waitUntilSettled(ctx.stack, { emails }, Date.now() + ctx.scale.deadlineMs))) problems.push('the forms to answer never all arrived');
  const links = formLinksOf(ctx.stack, emails);
  ctx.log(`${links.length} forms to answer`);
  return { pairs, emails, links };
}

// ---- 1. kill -9 the worker ---------------------------------------------------------------------

async function workerKill(ctx: Context): Promise<Omit<ScenarioResult, 'scenario' | 'seconds'>> {
  const { stack } = ctx;
  const problems: string[] = [];
  const burst = await startBurst(ctx, ctx.scale.pairs);
  const deliveredAtKill = await untilShareDelivered(ctx, burst, 0.5, problems);
  await stack.killWorker();
  const killedAt = Date.now();
  ctx.log(`worker killed with ${deliveredAtKill}/${burst.emails.length} delivered`);
  // Messages whose data was on the wire as the worker died are accepted a moment later.
  await sleep(500);
  const inWindow = await acceptedButNotRecorded(stack, burst.emails);
  await stack.startWorker();
  ctx.log(`worker started again; ${inWindow.size} email(s) were accepted but not yet recorded as sent at the kill`);
  await checkTriggered(burst, problems);
  const count = await finishEmails(ctx, { emails: burst.emails, inFaultWindow: inWindow }, problems);
  problems.push(
    ...(await halfWrittenRecords(
      stack,
      burst.pairs.map((pair) => pair.pairId),
    )),
  );
  const inFlight = burst.emails.length - deliveredAtKill;
  if (inFlight === 0) problems.push('the kill came after every email had arrived: nothing was in flight');
  return {
    rows: [emailRow(count)],
    submissions: null,
    notes: [
      `killed at ${deliveredAtKill}/${count.expected} delivered`,
      `${inWindow.size} accepted but not recorded at the kill`,
      duplicateNote(count, 'the kill'),
      lastArrival(stack, burst.emails, killedAt, 'the kill'),
    ],
    problems,
    facts: { inFlightAtFault: inFlight, inCrashWindow: inWindow.size, duplicated: count.duplicated, explainedDuplicates: count.explainedDuplicates },
  };
}

// ---- 2. the SMTP server refuses connections ----------------------------------------------------

async function smtpOutage(ctx: Context): Promise<Omit<ScenarioResult, 'scenario' | 'seconds'>> {
  const { stack, scale } = ctx;
  const problems: string[] = [];
  const burst = await startBurst(ctx, scale.pairs);
  await untilShareDelivered(ctx, burst, 0.25, problems);
  await stack.smtp.refuseConnections();
  const ids = new Set(burst.emails.map((email) => email.messageId));
  const deliveredAtClose = deliveredSoFar(stack, ids);
  ctx.log(`SMTP server refusing connections with ${deliveredAtClose}/${burst.emails.length} delivered`);
  await sleep(scale.smtpDownMs);
  const deliveredWhileClosed = deliveredSoFar(stack, ids) - deliveredAtClose;
  await stack.smtp.acceptConnections();
  const reopenedAt = Date.now();
  ctx.log('SMTP server accepting connections again');
  await checkTriggered(burst, problems);
  const count = await finishEmails(ctx, { emails: burst.emails }, problems);
  problems.push(
    ...(await halfWrittenRecords(
      stack,
      burst.pairs.map((pair) => pair.pairId),
    )),
  );
  const inFlight = burst.emails.length - deliveredAtClose;
  if (inFlight === 0) problems.push('the SMTP server closed after every email had arrived: nothing was in flight');
  if (deliveredWhileClosed > 0) problems.push(`${deliveredWhileClosed} email(s) arrived while the SMTP server was refusing connections`);
  return {
    rows: [emailRow(count)],
    submissions: null,
    notes: [
      `closed for ${seconds(scale.smtpDownMs)} at ${deliveredAtClose}/${count.expected} delivered`,
      lastArrival(stack, burst.emails, reopenedAt, 'it came back'),
      duplicateNote(count),
    ],
    problems,
    facts: { inFlightAtFault: inFlight, duplicated: count.duplicated },
  };
}

// ---- 3. 451 to one in three, 550 to one recipient ----------------------------------------------

async function smtpRefusals(ctx: Context): Promise<Omit<ScenarioResult, 'scenario' | 'seconds'>> {
  const { stack } = ctx;
  const problems: string[] = [];
  const pairs = await createFaultPairs(stack, ctx.scale.pairs);
  const refusedPair = pairs[0];
  await stack.smtp.setPolicy({ tempFailOneIn: 3, rejectRecipients: [refusedPair.reportEmail] });
  const reflection = reflectionEmails(pairs);
  const refusedReflection = expectedEmail(refusedPair, 'reflection', 'report');
  const refusedForGood = new Set([refusedReflection.messageId]);
  ctx.log(`451 to one message in three, 550 to ${refusedPair.reportEmail}; ${reflection.length} emails go out now`);
  problems.push(...unmovedProblems(await bringMeetingsForward(stack, pairs)));
  if (!(await waitUntilSettled(stack, { emails: reflection, refusedForGood }, ctx.startedAt + ctx.scale.deadlineMs))) {
    problems.push('the reflection emails never all settled');
  }
  // The refused report's pair carries on: its agenda goes out, to the manager and (refused again) the report.
  problems.push(...unmovedProblems(await bringMeetingsForward(stack, [refusedPair], 59)));
  const agenda = [expectedEmail(refusedPair, 'agenda', 'manager'), expectedEmail(refusedPair, 'agenda', 'report')];
  refusedForGood.add(agenda[1].messageId);
  const emails = [...reflection, ...agenda];
  const count = await finishEmails(ctx, { emails, refusedForGood }, problems);
  await stack.smtp.setPolicy(ACCEPT_ALL);
  const deferred = new Set(stack.smtp.refused.filter((refusal) => refusal.code === 451).map((refusal) => refusal.messageId));
  const deferredExpected = emails.filter((email) => deferred.has(email.messageId)).length;
  if (deferredExpected === 0) problems.push('no message was answered 451');
  const status = await pairHandle(stack.client, refusedPair.pairId).query(pairStatusQuery);
  const managerAgendaArrived = stack.smtp.accepted.some((message) => message.messageId === agenda[0].messageId);
  const pairWentOn = managerAgendaArrived && status.stage === 'meeting';
  if (!pairWentOn) problems.push(`the refused report's pair did not go on to its agenda (stage ${status.stage})`);
  const view = await adminViewOf(stack, refusedPair.pairId);
  const shownInApi = view.undeliveredEmails.some(
    (email) => email.stage === 'reflection' && email.toAddress === refusedPair.reportEmail && /550/.test(email.lastError ?? ''),
  );
  const shownOnPage = view.page.includes('Emails not delivered') && view.page.includes(refusedPair.reportEmail);
  if (!shownInApi || !shownOnPage) problems.push('the refused email is not shown to admins');
  problems.push(
    ...(await halfWrittenRecords(
      stack,
      pairs.map((pair) => pair.pairId),
    )),
  );
  return {
    rows: [emailRow(count)],
    submissions: null,
    notes: [
      `451 to ${deferredExpected} first attempts, all delivered on retry`,
      `550: ${count.recordedFailed} email(s) recorded failed, shown to admins`,
      pairWentOn ? "that pair's agenda went out" : "that pair's workflow stopped",
      duplicateNote(count),
    ],
    problems,
    facts: { deferred451: deferredExpected, recordedFailed: count.recordedFailed, shownInApi, shownOnPage, pairWentOn, duplicated: count.duplicated },
  };
}

// ---- 4. Temporal stopped and started again (and, on the cluster, 7 and 8) -----------------------

/** One way of taking Temporal away mid-burst and bringing it back. */
interface TemporalFault {
  /** "the Temporal dev server stopped", for the log and the notes. */
  done: string;
  cause(stack: FaultStack): Promise<void>;
  /** Brings back what cause() took away; returns notes on what it found. */
  mend(stack: FaultStack): Promise<string[]>;
}

const STOPPED_TEMPORAL: TemporalFault = {
  done: 'Temporal stopped',
  cause: (stack) => stack.stopTemporal(),
  mend: async (stack) => {
    await stack.startTemporal();
    return [];
  },
};

const KILLED_CLUSTER_SERVER: TemporalFault = {
  done: "the cluster's server killed with -9",
  cause: (stack) => stack.killTemporal(),
  mend: async (stack) => {
    await stack.startTemporal();
    return [];
  },
};

const STOPPED_CLUSTER_POSTGRES: TemporalFault = {
  done: "the cluster's PostgreSQL stopped",
  cause: (stack) => stack.stopTemporalDatabase(),
  mend: async (stack) => {
    await stack.startTemporalDatabase();
    // The server is left running through the outage; had it exited, it is started again (and said so).
    const exited = !stack.temporalRunning();
    await stack.startTemporal();
    return [exited ? 'the server exited while its PostgreSQL was down and was started again' : 'the server rode out the outage'];
  },
};

function temporalRestart(ctx: Context): Promise<Omit<ScenarioResult, 'scenario' | 'seconds'>> {
  const fault =
    ctx.stack.temporalKind === 'cluster'
      ? { ...STOPPED_TEMPORAL, done: "the cluster's server stopped" }
      : { ...STOPPED_TEMPORAL, done: 'Temporal dev server stopped' };
  return temporalOutage(ctx, fault);
}

function needCluster(ctx: Context, scenario: ScenarioName): void {
  if (ctx.stack.temporalKind !== 'cluster') throw new Error(`the ${scenario} scenario needs the Temporal cluster (--temporal cluster)`);
}

function clusterServerKill(ctx: Context): Promise<Omit<ScenarioResult, 'scenario' | 'seconds'>> {
  needCluster(ctx, 'cluster-server-kill');
  return temporalOutage(ctx, KILLED_CLUSTER_SERVER);
}

function clusterPostgresRestart(ctx: Context): Promise<Omit<ScenarioResult, 'scenario' | 'seconds'>> {
  needCluster(ctx, 'cluster-postgres-restart');
  return temporalOutage(ctx, STOPPED_CLUSTER_POSTGRES);
}

async function temporalOutage(ctx: Context, fault: TemporalFault): Promise<Omit<ScenarioResult, 'scenario' | 'seconds'>> {
  const { stack, scale } = ctx;
  const problems: string[] = [];
  const burst = await startBurst(ctx, scale.pairs);
  const deliveredAtStop = await untilShareDelivered(ctx, burst, 0.5, problems);
  await fault.cause(stack);
  const stoppedAt = Date.now();
  ctx.log(`${fault.done} with ${deliveredAtStop}/${burst.emails.length} delivered`);
  // Checked beside the answers, so that both fall within the outage.
  const refusing = temporalRefuses(stack);
  // People keep answering the forms that arrived: the answers are saved and delivered later.
  const links = formLinksOf(stack, burst.emails).slice(0, Math.max(4, Math.round(scale.answerPairs / 2)));
  const submissions = await Promise.all(links.map((link, index) => submitAnswer(stack, link, `Answered while Temporal was down (${index})`)));
  const temporalDown = await refusing;
  if (!temporalDown) problems.push(`Temporal still listed workflows after ${fault.done}: the fault did not take`);
  await sleep(stoppedAt + scale.temporalDownMs - Date.now());
  const mended = await fault.mend(stack);
  const restartedAt = Date.now();
  ctx.log(`Temporal back ${seconds(restartedAt - stoppedAt)} after the fault${mended.length > 0 ? `; ${mended.join('; ')}` : ''}`);
  await checkTriggered(burst, problems);
  const count = await finishEmails(ctx, { emails: burst.emails }, problems);
  const saved = lastSavedTopics(submissions);
  const answers = await checkSavedAnswers(stack, saved, Date.now() + MINUTE);
  problems.push(...answers.problems, ...unsavedProblems(submissions));
  problems.push(
    ...(await halfWrittenRecords(
      stack,
      burst.pairs.map((pair) => pair.pairId),
    )),
  );
  const inFlight = burst.emails.length - deliveredAtStop;
  if (inFlight === 0) problems.push(`${fault.done} after every email had arrived: nothing was in flight`);
  return {
    rows: [emailRow(count), answerRow(saved, answers)],
    submissions: tally(submissions),
    notes: [
      `${fault.done} at ${deliveredAtStop}/${count.expected} delivered, back ${seconds(restartedAt - stoppedAt)} later`,
      ...mended,
      lastArrival(stack, burst.emails, restartedAt, 'the restart'),
      `${saved.size} answers saved while it was down`,
      duplicateNote(count),
    ],
    problems,
    facts: { inFlightAtFault: inFlight, temporalDown, savedWhileDown: saved.size, duplicated: count.duplicated },
  };
}

/** Whether Temporal fails to list workflows (a read of its persistence) within a few seconds, as it must while broken. */
async function temporalRefuses(stack: FaultStack): Promise<boolean> {
  const { connection } = stack.client;
  const listed = connection.withDeadline(Date.now() + 3_000, () =>
    connection.workflowService.countWorkflowExecutions({ namespace: stack.client.options.namespace }),
  );
  return listed.then(
    () => false,
    () => true,
  );
}

/** Answers posted while only Temporal is down must all be saved. */
function unsavedProblems(submissions: Submission[]): string[] {
  const unsaved = submissions.filter((submission) => !isSavedPage(submission.status));
  return unsaved.length > 0 ? [`${unsaved.length} answer(s) not saved while Temporal was down (${unsaved.map((s) => s.status).join(', ')})`] : [];
}

// ---- 5. PostgreSQL stopped during sends and answers --------------------------------------------

/** Posts to each link until its page says saved, as a person told to try again would. */
async function answerUntilSaved(ctx: Context, links: string[], label: string, submissions: Submission[], until: number): Promise<void> {
  await inLanes(links, 8, async (link, index) => {
    for (let attempt = 1; Date.now() < until; attempt += 1) {
      const submission = await submitAnswer(ctx.stack, link, `${label} ${index}, attempt ${attempt}`);
      submissions.push(submission);
      if (isSavedPage(submission.status) || (typeof submission.status === 'number' && submission.status < 500)) return;
      await sleep(2_000);
    }
  });
}

async function databaseOutage(ctx: Context): Promise<Omit<ScenarioResult, 'scenario' | 'seconds'>> {
  const { stack, scale } = ctx;
  const problems: string[] = [];
  if (stack.databaseKind !== 'postgres') throw new Error('the database-outage scenario needs PostgreSQL');
  const forms = await formsToAnswer(ctx, problems);
  // A third of the people get the "not saved" page once and leave it there; the rest try again.
  const givenUp = forms.links.slice(0, Math.ceil(forms.links.length / 3));
  const retried = forms.links.slice(givenUp.length);
  // Half the burst is sending when the database stops; the other half falls due during the outage.
  const dueDuring = await createFaultPairs(stack, Math.floor(scale.pairs / 2));
  const burst = await startBurst(ctx, scale.pairs - dueDuring.length);
  const deliveredAtStop = await untilShareDelivered(ctx, burst, 0.25, problems);
  const stoppingAt = Date.now();
  await stack.stopDatabase();
  const stoppedAt = Date.now();
  ctx.log(`PostgreSQL stopped with ${deliveredAtStop}/${burst.emails.length} delivered; ${dueDuring.length} more pairs fall due now`);
  const triggeredDuring = bringMeetingsForward(stack, dueDuring);
  const submissions: Submission[] = [];
  const givenUpSubmissions = await Promise.all(givenUp.map((link, index) => submitAnswer(stack, link, `Given up ${index}`)));
  submissions.push(...givenUpSubmissions);
  const answering = answerUntilSaved(ctx, retried, 'Tried again', submissions, ctx.startedAt + scale.deadlineMs);
  await sleep(stoppedAt + scale.databaseDownMs - Date.now());
  const sentDuringOutage = deliveredSoFar(stack, new Set(reflectionEmails(dueDuring).map((email) => email.messageId)));
  await stack.startDatabase();
  const restartedAt = Date.now();
  ctx.log('PostgreSQL started again');
  await answering;
  await checkTriggered(burst, problems);
  problems.push(...unmovedProblems(await triggeredDuring));
  const emails = [...forms.emails, ...burst.emails, ...reflectionEmails(dueDuring)];
  // No crash here: a copy is a send accepted while the database could not record it, which the
  // target does not allow (only a crash may fall between acceptance and recording).
  const count = await finishEmails(ctx, { emails }, problems);
  const sentUnrecorded = duplicatedAmong(stack, firstAcceptedBetween(stack, emails, stoppingAt, restartedAt));
  const saved = lastSavedTopics(submissions);
  const answers = await checkSavedAnswers(stack, saved, Date.now() + MINUTE);
  problems.push(...answers.problems, ...notSavedPageProblems(submissions));
  const neverSaved = retried.filter((link) => !saved.has(link)).length;
  if (neverSaved > 0) problems.push(`${neverSaved} answer(s) tried again until the deadline were never saved`);
  const notSavedThenLeft = givenUpSubmissions.filter((submission) => submission.status === 503);
  const storedAnyway = (await Promise.all(notSavedThenLeft.map((submission) => hasStoredAnswer(stack, submission.link)))).filter(Boolean).length;
  if (storedAnyway > 0) problems.push(`${storedAnyway} answer(s) whose page said "not saved" were stored anyway`);
  problems.push(
    ...(await halfWrittenRecords(
      stack,
      [...forms.pairs, ...burst.pairs, ...dueDuring].map((pair) => pair.pairId),
    )),
  );
  const inFlight = burst.emails.length - deliveredAtStop;
  const notSaved = submissions.filter((submission) => submission.status === 503).length;
  if (inFlight === 0) problems.push('PostgreSQL stopped after every email had arrived: nothing was in flight');
  if (sentDuringOutage > 0) problems.push(`${sentDuringOutage} email(s) due during the outage went out without their outbox row`);
  if (notSaved === 0) problems.push('no answer was posted while PostgreSQL was down');
  return {
    rows: [emailRow(count), answerRow(saved, answers)],
    submissions: tally(submissions),
    notes: [
      `stopped ${seconds(scale.databaseDownMs)} at ${deliveredAtStop}/${burst.emails.length} of a burst delivered; ${dueDuring.length * 2} more fell due meanwhile and waited`,
      lastArrival(stack, emails, restartedAt, 'the restart'),
      `${notSaved} "not saved, try again" pages (503); ${notSavedThenLeft.length - storedAnyway}/${notSavedThenLeft.length} left there stored nothing`,
      count.duplicated === 0
        ? 'no duplicates'
        : `${count.duplicated} duplicate(s): ${sentUnrecorded} first accepted while the database was stopping or down, sent again as their sending could not be recorded`,
    ],
    problems,
    facts: {
      inFlightAtFault: inFlight,
      dueDuringOutage: dueDuring.length * 2,
      notSavedPages: notSaved,
      notSavedThenLeft: notSavedThenLeft.length,
      storedAnyway,
      duplicated: count.duplicated,
    },
  };
}

// ---- 6. kill -9 the web service during a stream of answers -------------------------------------

async function webKill(ctx: Context): Promise<Omit<ScenarioResult, 'scenario' | 'seconds'>> {
  const { stack, scale } = ctx;
  const problems: string[] = [];
  const forms = await formsToAnswer(ctx, problems);
  // Every form answered, then every answer edited: a stream twice as long as the forms.
  const jobs = [1, 2].flatMap((round) => forms.links.map((link, index) => ({ link, topic: `Round ${round} of form ${index}` })));
  const submissions: Submission[] = [];
  const savedCount = () => submissions.filter((submission) => isSavedPage(submission.status)).length;
  const until = ctx.startedAt + scale.deadlineMs;
  const streaming = inLanes(jobs, 4, async ({ link, topic }) => {
    while (Date.now() < until) {
      const submission = await submitAnswer(stack, link, topic);
      submissions.push(submission);
      if (typeof submission.status === 'number' && submission.status < 500) return;
      await sleep(500);
    }
  });
  while (savedCount() < jobs.length / 2 && Date.now() < until) await sleep(10);
  await stack.killWeb();
  const savedAtKill = savedCount();
  ctx.log(`web service killed with ${savedAtKill}/${jobs.length} answers saved`);
  await stack.startWeb();
  ctx.log('web service started again');
  await streaming;
  const saved = lastSavedTopics(submissions);
  const answers = await checkSavedAnswers(stack, saved, Date.now() + MINUTE);
  problems.push(...answers.problems, ...notSavedPageProblems(submissions));
  const refused = submissions.filter((submission) => typeof submission.status === 'number' && submission.status >= 400 && submission.status < 500);
  if (refused.length > 0) problems.push(`${refused.length} answer(s) refused (${[...new Set(refused.map((s) => s.status))].join(', ')})`);
  const pairIds = forms.pairs.map((pair) => pair.pairId);
  const ended = await endedPairWorkflows(stack, pairIds);
  if (ended.length > 0) problems.push(`${ended.length} pair workflow(s) ended, e.g. ${ended[0].description}`);
  problems.push(...(await halfWrittenRecords(stack, pairIds)));
  const cut = tally(submissions).noAnswer;
  if (savedAtKill >= jobs.length) problems.push('the kill came after the stream ended');
  return {
    rows: [answerRow(saved, answers)],
    submissions: tally(submissions),
    notes: [`killed at ${savedAtKill}/${jobs.length} saved`, `${cut} request(s) cut by the kill, sent again`, `${saved.size} forms with a saved answer`],
    problems,
    facts: { savedAtKill, cutByKill: cut, saved: saved.size },
  };
}

const RUNNERS: Record<ScenarioName, (ctx: Context) => Promise<Omit<ScenarioResult, 'scenario' | 'seconds'>>> = {
  'worker-kill': workerKill,
  'smtp-outage': smtpOutage,
  'smtp-refusals': smtpRefusals,
  'temporal-restart': temporalRestart,
  'database-outage': databaseOutage,
  'web-kill': webKill,
  'cluster-server-kill': clusterServerKill,
  'cluster-postgres-restart': clusterPostgresRestart,
};

export async function runScenario(scenario: ScenarioName, stack: FaultStack, scale: Scale, log: (line: string) => void = () => {}): Promise<ScenarioResult> {
  const startedAt = Date.now();
  const prefixed = (line: string) => log(`[${scenario}] ${line}`);
  const result = await RUNNERS[scenario]({ stack, scale, log: prefixed, startedAt });
  const elapsed = (Date.now() - startedAt) / 1000;
  prefixed(`done in ${elapsed.toFixed(0)} s${result.problems.length > 0 ? `; problems: ${result.problems.join('; ')}` : ''}`);
  return { scenario, ...result, seconds: elapsed };
}
