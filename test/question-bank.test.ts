// The organisation's question bank: adding, listing, editing and archiving questions with the same
// checks as the question-set editor, and adding one to a pair's stage as a new question-set version
// that the running workflow's next form asks.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DEFAULT_QUESTION_SET } from '../question-sets/default-question-set';
import { ADMIN_ORIGIN, startAdminServer, type AdminServer } from './support/admin-server';
import { advanceTo, messageIdOf, sameMessageId, waitForStatus } from './support/pair-driver';
import { startRapportStack, type RapportStack } from '../harness/rapport-stack';
import { createTimeSkippingEnv } from '../harness/temporal-env';

const BANK = '/admin/api/question-bank';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let env: TestWorkflowEnvironment;
let stack: RapportStack;
let admin: AdminServer;
const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => admin.api(method, path, body, headers);

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

let questions = 0;
/** A valid bank question with a text and id no other test uses. */
function bankBody(overrides: Record<string, unknown> = {}, stage: string | null = 'reflection') {
  questions += 1;
  return { question: { id: `bank${questions}`, text: `Bank question number ${questions}?`, type: 'text', required: false, ...overrides }, stage };
}

let people = 0;
async function newPair(): Promise<string> {
  people += 1;
  const created = await api('POST', '/admin/api/pairs', {
    manager: { name: 'Maya Manager', email: `bank-maya${people}@example.com` },
    report: { name: 'Ravi Report', email: `bank-ravi${people}@example.com` },
    settings: { cadence: { kind: 'weekly', everyWeeks: 1, weekday: 4 }, meetingTime: '10:00', timeZone: 'Europe/Berlin' },
  });
  expect(created.status).toBe(201);
  return created.json.pairId as string;
}

const bankTexts = async (stage?: string) =>
  (await api('GET', stage ? `${BANK}?stage=${stage}` : BANK)).json.questions.map((b: { question: { text: string } }) => b.question.text);

it('refuses every question-bank route without a session, and changes not sent from the admin pages', async () => {
  const apiRoutes: [string, string][] = [
    ['GET', BANK],
    ['GET', `${BANK}?stage=reflection`],
    ['POST', BANK],
    ['PUT', `${BANK}/x`],
    ['DELETE', `${BANK}/x`],
    ['POST', '/admin/api/pairs/x/question-set/from-bank'],
  ];
  const forged = 'rapport_admin=' + Buffer.from(JSON.stringify({ u: 'admin', exp: Date.now() + 1e9 })).toString('base64url') + '.bad';
  for (const [method, path] of apiRoutes) {
    const refusedHeaders: Record<string, string>[] = [{ origin: ADMIN_ORIGIN }, { origin: ADMIN_ORIGIN, cookie: forged }];
    for (const headers of refusedHeaders) {
      const status = (await api(method, path, method === 'GET' ? undefined : bankBody(), headers)).status;
      expect({ method, path, status }).toEqual({ method, path, status: 401 });
    }
    if (method !== 'GET')
      expect({ method, path, status: (await api(method, path, bankBody(), { cookie: admin.cookie })).status }).toEqual({ method, path, status: 403 });
  }
  const pageRoutes: [string, string][] = [
    ['GET', '/admin/question-bank'],
    ['POST', '/admin/question-bank'],
    ['POST', '/admin/question-bank/x/archive'],
    ['POST', '/admin/pairs/x/question-set/from-bank'],
  ];
  for (const [method, path] of pageRoutes) {
    const response = await fetch(`${admin.base}${path}`, { method, redirect: 'manual', headers: { origin: ADMIN_ORIGIN } });
    expect({ method, path, status: response.status, location: response.headers.get('location') }).toEqual({
      method,
      path,
      status: 303,
      location: '/admin/login',
    });
  }
  expect(await bankTexts()).toEqual([]);
});

it('adds, lists by stage, edits and archives bank questions', async () => {
  const reflection = await api('POST', BANK, {
    question: { id: 'curious', text: '  What are you curious about lately?  ', type: 'text', required: false },
    stage: 'reflection',
  });
  expect(reflection.status).toBe(201);
  expect(reflection.json).toMatchObject({
    question: { id: 'curious', text: 'What are you curious about lately?', type: 'text', required: false },
    stage: 'reflection',
    createdBy: 'admin',
    archivedAt: null,
  });
  expect(reflection.json.id).toMatch(UUID);
  const anyStage = await api('POST', BANK, {
    question: { id: 'focus', text: 'Where should we focus?', type: 'choice', required: true, options: ['people', 'work'] },
  });
  expect(anyStage.json.stage).toBeNull();
  const followUp = await api('POST', BANK, { question: { id: 'agreed', text: 'What did we agree?', type: 'actionItems', required: false }, stage: 'followUp' });
  expect(followUp.status).toBe(201);

  expect(await bankTexts()).toEqual(['What are you curious about lately?', 'Where should we focus?', 'What did we agree?']);
  expect(await bankTexts('reflection')).toEqual(['What are you curious about lately?', 'Where should we focus?']);
  expect(await bankTexts('followUp')).toEqual(['Where should we focus?', 'What did we agree?']);

  const edited = await api('PUT', `${BANK}/${anyStage.json.id}`, {
    question: { id: 'focus', text: 'Where should we focus next?', type: 'choice', required: true, options: ['people', 'work', 'growth'] },
    stage: 'managerPrep',
  });
  expect(edited.status).toBe(200);
  expect(edited.json).toMatchObject({
    id: anyStage.json.id,
    stage: 'managerPrep',
    question: { text: 'Where should we focus next?', options: ['people', 'work', 'growth'] },
  });
  // Keeping its own text and id is no duplicate.
  expect((await api('PUT', `${BANK}/${anyStage.json.id}`, { ...edited.json, stage: null })).status).toBe(200);

  const archived = await api('DELETE', `${BANK}/${reflection.json.id}`);
  expect(archived.status).toBe(200);
  expect(archived.json.archivedAt).not.toBeNull();
  expect(await bankTexts()).toEqual(['Where should we focus next?', 'What did we agree?']);
  expect(await api('DELETE', `${BANK}/${reflection.json.id}`)).toEqual({
    status: 409,
    json: { problems: ['The bank question "What are you curious about lately?" is archived.'] },
  });
  expect((await api('PUT', `${BANK}/${reflection.json.id}`, bankBody())).status).toBe(409);
  // An archived question's text and id are free again.
  expect((await api('POST', BANK, { question: { id: 'curious', text: 'What are you curious about lately?', type: 'text', required: false } })).status).toBe(
    201,
  );

  for (const { id } of (await api('GET', BANK)).json.questions) await api('DELETE', `${BANK}/${id}`);
});

it('refuses invalid bank questions with every problem, in the question-set editor’s words', async () => {
  const refused = async (body: unknown) => {
    const answer = await api('POST', BANK, body);
    expect(answer.status).toBe(422);
    return answer.json.problems;
  };
  expect(await refused(bankBody({ text: '   ' }))).toEqual(['Bank question: the question needs text']);
  expect(await refused(bankBody({ id: 'Not an id' }))).toEqual([
    'Bank question: the id must start with a lowercase letter and use only letters, digits, - or _ (at most 40)',
  ]);
  expect(await refused(bankBody({ type: 'mood' }))).toEqual(['Bank question: unknown type "mood": use text, scale, yesNo, choice or actionItems']);
  expect(await refused(bankBody({ type: 'choice' }))).toEqual(['Bank question: a choice question needs at least two options']);
  expect(await refused(bankBody({ type: 'choice', options: ['same', 'same'] }))).toEqual(['Bank question: two options are the same']);
  expect(await refused(bankBody({ required: 'yes' }))).toEqual(['Bank question: whether an answer is required must be yes or no (true or false)']);
  expect(await refused(bankBody({ text: 'x'.repeat(301) }))).toEqual(['Bank question: the question is too long: at most 300 characters']);
  expect(await refused(bankBody({}, 'retro'))).toEqual(['Unknown stage "retro": choose one of reflection, managerPrep, followUp, feedback']);
  expect(await refused(bankBody({ type: 'actionItems' }))).toEqual(['Bank question: action items belong on the follow-up form']);
  expect(await refused(bankBody({ id: '', text: '', type: 'mood' }, 'retro'))).toEqual([
    'Unknown stage "retro": choose one of reflection, managerPrep, followUp, feedback',
    'Bank question: the id must start with a lowercase letter and use only letters, digits, - or _ (at most 40)',
    'Bank question: the question needs text',
    'Bank question: unknown type "mood": use text, scale, yesNo, choice or actionItems',
  ]);
  expect(await refused({ stage: 'reflection' })).toEqual(['Bank question: this must be a question with an id, text and type']);
  expect(await refused(null)).toEqual(['Send a bank question as an object with a question and, if you like, a stage']);
  expect(await api('GET', `${BANK}?stage=retro`)).toEqual({
    status: 422,
    json: { problems: ['Unknown stage "retro": choose one of reflection, managerPrep, followUp, feedback'] },
  });

  const kept = await api('POST', BANK, { question: { id: 'mood', text: 'How is your mood this week?', type: 'scale', required: false }, stage: null });
  expect(kept.status).toBe(201);
  expect(await api('POST', BANK, bankBody({ text: '  how IS your   mood this week? ' }))).toEqual({
    status: 409,
    json: { problems: ['the question bank already has the question "How is your mood this week?"'] },
  });
  expect(await api('POST', BANK, bankBody({ id: 'mood' }))).toEqual({
    status: 409,
    json: { problems: ['the question bank already has a question with id "mood" ("How is your mood this week?")'] },
  });
  const other = await api('POST', BANK, bankBody());
  expect((await api('PUT', `${BANK}/${other.json.id}`, bankBody({ text: 'How is your mood this week?' }))).json.problems).toEqual([
    'the question bank already has the question "How is your mood this week?"',
  ]);
  expect((await api('PUT', `${BANK}/${other.json.id}`, bankBody({ type: 'mood' }))).status).toBe(422);
  expect(await api('PUT', `${BANK}/nope`, bankBody())).toEqual({ status: 404, json: { problems: ['There is no bank question nope.'] } });
  expect(await api('DELETE', `${BANK}/nope`)).toEqual({ status: 404, json: { problems: ['There is no bank question nope.'] } });
  expect(await bankTexts()).toEqual(['How is your mood this week?', other.json.question.text]);

  await api('DELETE', `${BANK}/${kept.json.id}`);
  await api('DELETE', `${BANK}/${other.json.id}`);
});

it('adds a bank question to a pair’s stage as a new version that the next reflection email asks, in the same run', async () => {
  const pairId = await newPair();
  const path = `/admin/api/pairs/${pairId}/question-set`;
  const handle = env.client.workflow.getHandle(`pair-${pairId}`);
  const status = await waitForStatus(handle as never, (s) => s.cycle === 1);
  const runBefore = (await handle.describe()).runId;
  const learning = (
    await api('POST', BANK, {
      question: { id: 'learning', text: 'What did you learn from the question bank?', type: 'text', required: false },
      stage: 'reflection',
    })
  ).json;
  const agreed = (
    await api('POST', BANK, {
      question: { id: 'agreed', text: 'What did we agree on, per the bank?', type: 'actionItems', required: false },
      stage: 'followUp',
    })
  ).json;

  const added = await api('POST', `${path}/from-bank`, { stage: 'reflection', bankQuestionId: learning.id });
  expect(added).toEqual({
    status: 200,
    json: { version: 2, change: 'added "What did you learn from the question bank?" to reflection from the question bank', notified: true },
  });
  const stages = (await api('GET', path)).json.stages;
  expect(stages.reflection).toEqual([...DEFAULT_QUESTION_SET.reflection, learning.question]);
  const versions = (await api('GET', `${path}/versions`)).json.versions;
  expect(versions.at(-1)).toMatchObject({ version: 2, scope: 'pair', createdBy: 'admin', note: added.json.change });

  expect(await api('POST', `${path}/from-bank`, { stage: 'reflection', bankQuestionId: learning.id })).toEqual({
    status: 409,
    json: { problems: ['reflection already has a question with id "learning"'] },
  });
  expect(await api('POST', `${path}/from-bank`, { stage: 'retro' })).toEqual({
    status: 422,
    json: { problems: ['Unknown stage "retro": choose one of reflection, managerPrep, followUp, feedback', 'Choose a question that is in the question bank'] },
  });
  expect(await api('POST', `${path}/from-bank`, { stage: 'feedback', bankQuestionId: 'nope' })).toEqual({
    status: 404,
    json: { problems: ['There is no bank question nope.'] },
  });
  expect(await api('POST', '/admin/api/pairs/nope/question-set/from-bank', { stage: 'feedback', bankQuestionId: learning.id })).toEqual({
    status: 404,
    json: { problems: ['There is no pair nope.'] },
  });
  // The bank hint is no restriction, but a set's own rules still apply.
  expect(await api('POST', `${path}/from-bank`, { stage: 'reflection', bankQuestionId: agreed.id })).toEqual({
    status: 422,
    json: { problems: ['Reflection question 7: action items belong on the follow-up form'] },
  });
  await api('DELETE', `${BANK}/${agreed.id}`);
  expect((await api('POST', `${path}/from-bank`, { stage: 'followUp', bankQuestionId: agreed.id })).status).toBe(409);
  expect((await api('GET', `${path}/versions`)).json.versions).toHaveLength(versions.length);

  await advanceTo(env, Date.parse(status.nextEvents[0].at) + 1_000);
  const [reflection] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, 1, 'reflection', 'report')));
  expect(reflection.text).toContain('What did you learn from the question bank?');
  expect((await handle.describe()).runId).toBe(runBefore);

  await api('DELETE', `${BANK}/${learning.id}`);
  await api('POST', `/admin/api/pairs/${pairId}/end`, {});
});

it('adds and archives on the question bank page, and adds to a pair from the pair’s page', async () => {
  const page = await fetch(`${admin.base}/admin/question-bank`, { headers: { cookie: admin.cookie } });
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('The bank is empty.');

  const fields = { text: 'What would make next week great?', questionId: '', type: 'text', options: '', stage: 'reflection' };
  const refused = await admin.form('/admin/question-bank', { ...fields, type: 'choice', options: 'only one', questionId: 'Bad id' });
  expect(refused.status).toBe(422);
  const refusedPage = await refused.text();
  expect(refusedPage).toContain('Bank question: the id must start with a lowercase letter');
  expect(refusedPage).toContain('Bank question: a choice question needs at least two options');
  expect(refusedPage).toContain('value="What would make next week great?"');
  expect(refusedPage).toContain('<option value="choice" selected>');

  const added = await admin.form('/admin/question-bank', fields);
  expect(added.status).toBe(303);
  expect(added.headers.get('location')).toBe('/admin/question-bank?done=added');
  const [entry] = (await api('GET', BANK)).json.questions;
  expect(entry).toMatchObject({ stage: 'reflection', question: { id: 'q-what-would-make-next-week-gr', text: fields.text, type: 'text', required: false } });
  const duplicate = await admin.form('/admin/question-bank', { ...fields, text: 'what would make next week GREAT?' });
  expect(duplicate.status).toBe(409);
  expect(await duplicate.text()).toContain('the question bank already has the question &quot;What would make next week great?&quot;');

  const pairId = await newPair();
  const pairPage = await (await fetch(`${admin.base}/admin/pairs/${pairId}`, { headers: { cookie: admin.cookie } })).text();
  expect(pairPage).toContain(`<option value="${entry.id}">What would make next week great?</option>`);
  expect(pairPage).toContain('Feedback on the manager (to the report): <span class="hint">nothing in the bank');

  const fromBank = await admin.form(`/admin/pairs/${pairId}/question-set/from-bank`, { stage: 'reflection', bankQuestionId: entry.id });
  expect(fromBank.status).toBe(303);
  expect(fromBank.headers.get('location')).toBe(`/admin/pairs/${pairId}?done=from-bank`);
  expect((await api('GET', `/admin/api/pairs/${pairId}/question-set`)).json.stages.reflection.at(-1)).toEqual(entry.question);
  const after = await (await fetch(`${admin.base}/admin/pairs/${pairId}?done=from-bank`, { headers: { cookie: admin.cookie } })).text();
  expect(after).toContain('Added from the question bank as a new version');
  expect(after).not.toContain(`<option value="${entry.id}">`);

  const again = await admin.form(`/admin/pairs/${pairId}/question-set/from-bank`, { stage: 'reflection', bankQuestionId: entry.id });
  expect(again.status).toBe(422);
  expect(await again.text()).toContain('reflection already has a question with id &quot;q-what-would-make-next-week-gr&quot;');
  const unknown = await admin.form(`/admin/pairs/${pairId}/question-set/from-bank`, { stage: 'reflection', bankQuestionId: 'nope' });
  expect(unknown.status).toBe(422);
  expect(await unknown.text()).toContain('There is no bank question nope.');
  expect((await admin.form('/admin/pairs/nope/question-set/from-bank', { stage: 'reflection', bankQuestionId: entry.id })).status).toBe(404);

  const archived = await admin.form(`/admin/question-bank/${entry.id}/archive`, {});
  expect(archived.status).toBe(303);
  expect(archived.headers.get('location')).toBe('/admin/question-bank?done=archived');
  expect(await bankTexts()).toEqual([]);
  const archivedAgain = await admin.form(`/admin/question-bank/${entry.id}/archive`, {});
  expect(archivedAgain.status).toBe(409);
  expect(await archivedAgain.text()).toContain('is archived.');
  expect((await admin.form('/admin/question-bank/nope/archive', {})).status).toBe(404);
  // The pair keeps its copy.
  expect((await api('GET', `/admin/api/pairs/${pairId}/question-set`)).json.stages.reflection.at(-1)).toEqual(entry.question);
  await api('POST', `/admin/api/pairs/${pairId}/end`, {});
});
