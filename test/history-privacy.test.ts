// Temporal's history is read by ops people with Temporal's own tools, so nothing a person typed may
// be in it. Types a distinct marker into every place a person or admin can type, runs a whole
// cycle and a skipped one through the web pages and the admin API, then reads every event of every
// run of the pair's workflow (continue-as-new input included) and finds no marker, name or address.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { temporal } from '@temporalio/proto';
import { DEFAULT_QUESTION_SET } from '../question-sets/default-question-set';
import { advanceTo, messageIdOf, sameMessageId, waitForStatus, type PairHandle } from './support/pair-driver';
import { ADMIN_ORIGIN, startAdminServer, type AdminServer } from './support/admin-server';
import { PUBLIC_BASE_URL, startRapportStack, type RapportStack } from '../harness/rapport-stack';
import { createTimeSkippingEnv } from '../harness/temporal-env';
import { linksIn } from './support/web-client';

let env: TestWorkflowEnvironment;
let stack: RapportStack;
let admin: AdminServer;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  stack = await startRapportStack(env);
  admin = await startAdminServer(env, stack);
});

afterAll(async () => {
  await admin?.close();
  await stack?.stop();
  await env?.teardown();
});

const MARK = {
  managerName: 'Mxmanagername',
  managerEmail: 'mxmanager@mark.example',
  reportName: 'Mxreportname',
  reportEmail: 'mxreport@mark.example',
  formatNote: 'Mxformatnote',
  question: 'Mxquestiontext?',
  reflection: 'Mxreflectionanswer',
  privateAnswer: 'Mxprivateanswer',
  prep: 'Mxprepanswer',
  topic: 'Mxtopictext',
  actionItem: 'Mxactionitem',
  followUpNote: 'Mxfollowupnote',
  feedback: 'Mxfeedbackanswer',
  suggestion: 'Mxsuggestion',
  skipReason: 'Mxskipreason',
  endReason: 'Mxendreason',
};

/** Every text in a value: strings, and payload bytes read as UTF-8. */
function textsIn(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value);
  else if (value instanceof Uint8Array) into.push(Buffer.from(value).toString('utf8'));
  else if (Array.isArray(value)) value.forEach((item) => textsIn(item, into));
  else if (value && typeof value === 'object') Object.values(value).forEach((item) => textsIn(item, into));
  return into;
}

/** Every event of every run of the workflow, from its first run along the continue-as-new chain. */
async function everyRunsHistory(handle: PairHandle, firstRunId: string): Promise<temporal.api.history.v1.IHistoryEvent[]> {
  const events: temporal.api.history.v1.IHistoryEvent[] = [];
  let runId: string | null | undefined = firstRunId;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
    events.push(...(history.events ?? []));
    const last: temporal.api.history.v1.IHistoryEvent | undefined = history.events?.[history.events.length - 1];
    runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return events;
}

const post = (url: string, fields: Record<string, string>) =>
  fetch(url.replace(PUBLIC_BASE_URL, admin.base), {
    method: 'POST',
    headers: { origin: ADMIN_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });

async function formLink(pairId: string, cycle: number, stage: string, role: 'report' | 'manager'): Promise<string> {
  const [email] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, cycle, stage, role)));
  return linksIn(email.text, PUBLIC_BASE_URL).find((link) => link.includes('/forms/'))!;
}

it('keeps every text a person or admin typed out of every run of the pair’s history', async () => {
  const created = await admin.api('POST', '/admin/api/pairs', {
    manager: { name: MARK.managerName, email: MARK.managerEmail },
    report: { name: MARK.reportName, email: MARK.reportEmail },
    settings: { cadence: { kind: 'weekly', everyWeeks: 1, weekday: 4 }, meetingTime: '10:00', timeZone: 'Europe/Berlin', feedbackEveryCycles: 1 },
    formatNote: MARK.formatNote,
  });
  expect(created.status).toBe(201);
  const pairId = created.json.pairId as string;
  const handle: PairHandle = env.client.workflow.getHandle(`pair-${pairId}`);
  const firstRunId = (await handle.describe()).runId;
  const reflection = [...DEFAULT_QUESTION_SET.reflection, { id: 'marked', text: MARK.question, type: 'text', required: false }];
  expect((await admin.api('PUT', `/admin/api/pairs/${pairId}/question-set`, { stages: { ...DEFAULT_QUESTION_SET, reflection } })).status).toBe(200);

  const status = await waitForStatus(handle, (s) => s.cycle === 1);
  const at = (stage: string) => Date.parse(status.nextEvents.find((e) => e.stage === stage)!.at);
  await advanceTo(env, at('reflection') + 1_000);
  const reflectionLink = await formLink(pairId, 1, 'reflection', 'report');
  const prepLink = await formLink(pairId, 1, 'managerPrep', 'manager');
  const answered = await post(reflectionLink, {
    'q.topics': MARK.reflection,
    'q.energy': '4',
    'q.growth': MARK.privateAnswer,
    'private.growth': 'on',
    'q.marked': MARK.reflection,
  });
  expect(answered.status).toBe(200);
  expect((await post(prepLink, { 'q.topics': MARK.prep, 'q.recognition': MARK.prep, 'q.owed': MARK.prep })).status).toBeLessThan(300);
  expect((await post(`${reflectionLink}/suggestion`, { suggestion: MARK.suggestion })).status).toBe(200);
  const [reflectionEmail] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, 1, 'reflection', 'report')));
  const topicLink = linksIn(reflectionEmail.text, PUBLIC_BASE_URL).find((link) => link.endsWith('/topic'))!;
  const topic = await post(topicLink, { text: MARK.topic });
  expect(await topic.text()).toContain('Added to the agenda');

  await advanceTo(env, at('followUp') + 1_000);
  const followUps = { report: await formLink(pairId, 1, 'followUpReport', 'report'), manager: await formLink(pairId, 1, 'followUpManager', 'manager') };
  const followUpAnswer = { 'q.held': 'yes', 'q.notes': MARK.followUpNote, 'ai.text.0': MARK.actionItem, 'ai.owner.0': 'manager' };
  expect((await post(followUps.manager, followUpAnswer)).status).toBe(200);
  expect((await post(followUps.report, { 'q.held': 'yes', 'q.notes': MARK.followUpNote })).status).toBe(200);
  const feedbackLink = await formLink(pairId, 1, 'feedback', 'report');
  const feedback = { 'q.keep': MARK.feedback, 'q.change': MARK.feedback, 'q.usefulness': '4', feedbackSharing: 'pooled' };
  expect((await post(feedbackLink, feedback)).status).toBeLessThan(300);

  // The second meeting is skipped with a reason, then the pair ends with one.
  const second = await waitForStatus(handle, (s) => s.cycle === 2);
  expect(second.openActionItems).toHaveLength(1);
  expect((await admin.api('POST', `/admin/api/pairs/${pairId}/skip`, { reason: MARK.skipReason })).status).toBe(200);
  await waitForStatus(handle, (s) => s.cycle === 3);
  expect((await admin.api('POST', `/admin/api/pairs/${pairId}/end`, { reason: MARK.endReason })).status).toBe(200);
  await waitForStatus(handle, (s) => s.state === 'ended');

  // What was typed reached the database, which owns it…
  const cycles = await stack.db.cycle.findMany({ where: { pairId }, orderBy: { number: 'asc' } });
  expect(cycles.map((c) => [c.number, c.status, c.skipReason])).toEqual([
    [1, 'held', null],
    [2, 'skipped', MARK.skipReason],
    [3, 'cancelled', null],
  ]);
  expect((await stack.db.actionItem.findMany({ where: { pairId } })).map((item) => item.text)).toEqual([MARK.actionItem]);
  expect((await stack.db.topic.findMany({ where: { pairId } })).map((t) => [t.text, t.forCycle])).toEqual([[MARK.topic, 1]]);
  const [agenda] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, 1, 'agenda', 'manager')));
  expect(agenda.text).toContain(MARK.topic);
  expect(agenda.text).toContain(MARK.reflection);

  // …and none of it is in Temporal's history.
  const events = await everyRunsHistory(handle, firstRunId);
  expect(events.some((e) => e.workflowExecutionContinuedAsNewEventAttributes)).toBe(true);
  const history = textsIn(events).join('\n');
  expect(history).toContain(pairId);
  for (const [place, marker] of Object.entries(MARK)) expect({ place, found: history.includes(marker) }).toEqual({ place, found: false });
  expect(history).not.toMatch(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/);
});
