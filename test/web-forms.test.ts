// The web service pairs answer from, against the real worker, Temporal (time-skipping), SMTP and
// SQLite: answering, editing, every kind of bad input (with nothing stored), the mail-scanner
// rule that GET changes nothing, answers saved while Temporal is unreachable, topics and records.
import { Connection, Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { hashToken } from '../pairs/link-tokens';
import { redeliverPendingAnswers } from '../web/answer-delivery';
import type { FastifyRequest } from 'fastify';
import { buildWebServer } from '../server/web-server';
import { loggedPath, NO_ROUTE } from '../http/request-log';
import { advanceTo, messageIdOf, sameMessageId, waitForStatus, type PairHandle } from './support/pair-driver';
import { PUBLIC_BASE_URL, SAMPLE_PAIR, type RapportStack } from '../harness/rapport-stack';
import { linksIn, webClient, type WebClient } from './support/web-client';
import { startWebTestStack, stopWebTestStack } from './support/web-test-stack';

let env: TestWorkflowEnvironment;
let stack: RapportStack;
let app: FastifyInstance;
let web: WebClient;
let people = 0;

beforeAll(async () => {
  ({ env, stack, app, web } = await startWebTestStack());
});

afterAll(() => stopWebTestStack({ env, stack, app }));

interface PairAtReflection {
  pairId: string;
  handle: PairHandle;
  report: string;
  manager: string;
  reflectionLink: string;
  prepLink: string;
  stageAt: (stage: string) => number;
}

async function pairAtReflection(): Promise<PairAtReflection> {
  people += 1;
  const report = `ravi${people}@example.com`;
  const manager = `maya${people}@example.com`;
  const { pairId, handle } = await stack.createPair({
    ...SAMPLE_PAIR,
    manager: { name: 'Maya Manager', email: manager },
    report: { name: 'Ravi Report', email: report },
  });
  const status = await waitForStatus(handle, (s) => s.cycle === 1);
  const stageAt = (stage: string) => Date.parse(status.nextEvents.find((e) => e.stage === stage)!.at);
  await advanceTo(env, stageAt('reflection') + 1_000);
  const [reflection] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, 1, 'reflection', 'report')));
  const [prep] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, 1, 'managerPrep', 'manager')));
  const formLink = (text: string) => linksIn(text, PUBLIC_BASE_URL).find((l) => l.includes('/forms/'))!;
  return { pairId, handle, report, manager, reflectionLink: formLink(reflection.text), prepLink: formLink(prep.text), stageAt };
}

const reflectionAnswers = {
  'q.topics': '<script>alert(1)</script> Moving to the platform team',
  'q.wins': '',
  'q.blockers': 'Flaky CI',
  'q.energy': '4',
  'q.growth': 'Staff path',
  'private.growth': 'on',
};
const answersOf = (pairId: string) => stack.db.answer.count({ where: { pairId } });

it('takes an answer, stops the reminder, and puts the escaped answers first on the agenda', async () => {
  const pair = await pairAtReflection();
  const page = await web.get(pair.reflectionLink);
  expect(page.status).toBe(200);
  expect(page.body).toContain('What do you want to talk about? Your topics come first.');
  expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(page.headers.get('referrer-policy')).toBe('same-origin');

  const saved = await web.post(pair.reflectionLink, reflectionAnswers);
  expect(saved.status).toBe(200);
  expect(saved.body).toContain('Saved, thank you');
  // Editing replaces the answer; it never adds a second one.
  expect((await web.post(pair.reflectionLink, { ...reflectionAnswers, 'q.blockers': 'Flaky CI, and on-call' })).status).toBe(200);
  const stored = await stack.db.answer.findMany({ where: { pairId: pair.pairId } });
  expect(stored).toHaveLength(1);
  expect(stored[0].deliveredAt).not.toBeNull();
  expect(JSON.parse(stored[0].payload).answers).toMatchObject({ blockers: 'Flaky CI, and on-call', energy: 4 });
  expect((await web.get(pair.reflectionLink)).body).toContain('Flaky CI, and on-call');

  await advanceTo(env, pair.stageAt('agenda') + 1_000);
  const [agenda] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pair.pairId, 1, 'agenda', 'manager')));
  const [reportAgenda] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pair.pairId, 1, 'agenda', 'report')));
  const toReport = stack.smtp.messages.filter((m) => m.to.includes(pair.report));
  expect(toReport.some((m) => m.subject.startsWith('Reminder'))).toBe(false);
  expect(stack.smtp.messages.filter((m) => m.to.includes(pair.manager)).some((m) => m.subject.startsWith('Reminder'))).toBe(true);
  expect(agenda.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Moving to the platform team');
  expect(agenda.html).not.toContain('<script>');
  expect(agenda.text).not.toContain('Staff path'); // private: not in the manager's copy
  expect(reportAgenda.text).toContain('Staff path');

  // The form closed with the agenda: late answers are refused and nothing changes.
  const late = await web.post(pair.reflectionLink, { ...reflectionAnswers, 'q.blockers': 'too late' });
  expect(late.status).toBe(409);
  expect(late.body).toContain('This form is closed');
  expect((await web.get(pair.reflectionLink)).status).toBe(410);
  expect(JSON.parse((await stack.db.answer.findFirstOrThrow({ where: { pairId: pair.pairId } })).payload).answers.blockers).toBe('Flaky CI, and on-call');

  // Each person's record: the report sees everything, the manager not what was marked private.
  const reportRecord = linksIn(reportAgenda.text, PUBLIC_BASE_URL).find((l) => l.endsWith('/record'))!;
  const managerRecord = linksIn(agenda.text, PUBLIC_BASE_URL).find((l) => l.endsWith('/record'))!;
  const mine = await web.get(reportRecord);
  expect(mine.body).toContain('Staff path');
  expect(mine.body).toContain('&lt;script&gt;');
  const theirs = await web.get(managerRecord);
  expect(theirs.body).toContain('Flaky CI, and on-call');
  expect(theirs.body).not.toContain('Staff path');
  await pair.handle.executeUpdate('endPair', { args: [{}] });
});

it('refuses bad input with a clear response and stores nothing', async () => {
  const pair = await pairAtReflection();
  const token = pair.reflectionLink.split('/').pop()!;
  const tampered = pair.reflectionLink.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
  const invalid = await web.get(tampered);
  expect(invalid.status).toBe(404);
  expect(invalid.body).toContain('This link does not work');
  expect((await web.post(tampered, reflectionAnswers)).status).toBe(404);

  // A pair-page token is not a form token.
  const [prep] = stack.smtp.messages.filter((m) => sameMessageId(m, messageIdOf(pair.pairId, 1, 'managerPrep', 'manager')));
  const pairPage = linksIn(prep.text, PUBLIC_BASE_URL).find((l) => l.endsWith('/topic'))!;
  const pairToken = pairPage.split('/').slice(-2)[0];
  expect((await web.get(`${PUBLIC_BASE_URL}/forms/${pairToken}`)).status).toBe(404);
  // A form token opens only its own form: the manager's link shows the manager's prep form.
  expect((await web.get(pair.prepLink)).body).toContain('Manager&#x27;s preparation');

  const cases: [string, Record<string, string | string[]>, number, string][] = [
    ['missing required answer', { ...reflectionAnswers, 'q.topics': '  ' }, 422, 'This question needs an answer.'],
    ['oversized text', { ...reflectionAnswers, 'q.blockers': 'x'.repeat(2_001) }, 422, 'Please keep this to 2000 characters'],
    ['unknown question id', { ...reflectionAnswers, 'q.salary': '1000000' }, 422, 'does not ask for'],
    ['scale out of range', { ...reflectionAnswers, 'q.energy': '7' }, 422, 'Choose a value from 1 to 5.'],
    ['two answers to one question', { ...reflectionAnswers, 'q.energy': ['3', '4'] }, 422, 'Give one answer to this question.'],
  ];
  for (const [, fields, status, text] of cases) {
    const response = await web.post(pair.reflectionLink, fields);
    expect({ status: response.status, hasText: response.body.includes(text) }).toEqual({ status, hasText: true });
  }
  // The form comes back with what was typed.
  const again = await web.post(pair.reflectionLink, { ...reflectionAnswers, 'q.topics': '' });
  expect(again.body).toContain('Flaky CI');
  expect(again.body).toContain('aria-invalid="true"');

  const huge = await web.post(pair.reflectionLink, { ...reflectionAnswers, 'q.blockers': 'x'.repeat(70_000) });
  expect(huge.status).toBe(413);

  // No CSRF proof: no Origin and no Sec-Fetch-Site, a foreign Origin, a cross-site fetch.
  const noProof: Record<string, string>[] = [
    {},
    { origin: 'https://evil.example' },
    { 'sec-fetch-site': 'cross-site', origin: new URL(PUBLIC_BASE_URL).origin },
  ];
  for (const headers of noProof) {
    const response = await web.post(pair.reflectionLink, reflectionAnswers, headers);
    expect(response.status).toBe(403);
  }

  // Expired and revoked links get the same page as a wrong one.
  const link = await stack.db.formLink.findUniqueOrThrow({ where: { tokenHash: hashToken(token) } });
  await stack.db.formLink.update({ where: { id: link.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
  const expired = await web.get(pair.reflectionLink);
  await stack.db.formLink.update({ where: { id: link.id }, data: { expiresAt: new Date(Date.now() + 86_400_000), revokedAt: new Date() } });
  const revoked = await web.post(pair.reflectionLink, reflectionAnswers);
  expect([expired.status, revoked.status]).toEqual([404, 404]);
  expect(expired.body).toBe(invalid.body);

  expect(await answersOf(pair.pairId)).toBe(0);
  await pair.handle.executeUpdate('endPair', { args: [{}] });
});

it('changes nothing when a mail scanner opens every link', async () => {
  const pair = await pairAtReflection();
  const links = stack.smtp.messages.filter((m) => m.to.includes(pair.report) || m.to.includes(pair.manager)).flatMap((m) => linksIn(m.text, PUBLIC_BASE_URL));
  expect(links.length).toBeGreaterThanOrEqual(6);
  const snapshot = async () => ({
    answers: await stack.db.answer.findMany(),
    topics: await stack.db.topic.findMany(),
    items: await stack.db.actionItem.findMany(),
    forms: await stack.db.form.findMany({ where: { pairId: pair.pairId } }),
    links: await stack.db.formLink.findMany(),
    pairLinks: await stack.db.pairLink.findMany(),
    events: (await pair.handle.fetchHistory()).events?.length,
  });
  const before = await snapshot();
  for (const link of links) expect((await web.get(link)).status).toBe(200);
  expect(await snapshot()).toEqual(before);
  await pair.handle.executeUpdate('endPair', { args: [{}] });
});

it('keeps an answer sent while Temporal is unreachable and delivers it later', async () => {
  const pair = await pairAtReflection();
  const unreachable = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  const offline = await buildWebServer({
    db: stack.db,
    temporal: unreachable,
    publicBaseUrl: PUBLIC_BASE_URL,
    rateLimitPerMinute: 1_000,
    updateTimeoutMs: 1_000,
  });
  await offline.listen({ port: 0, host: '127.0.0.1' });
  try {
    const response = await webClient(offline, PUBLIC_BASE_URL).post(pair.reflectionLink, reflectionAnswers);
    expect(response.status).toBe(202);
    expect(response.body).toContain('Your answers are saved');
  } finally {
    await offline.close();
    await unreachable.connection.close();
  }
  const saved = await stack.db.answer.findFirstOrThrow({ where: { pairId: pair.pairId } });
  expect(saved.deliveredAt).toBeNull();

  expect(await redeliverPendingAnswers({ db: stack.db, temporal: env.client, updateTimeoutMs: 5_000 }, 0)).toBe(1);
  expect((await stack.db.answer.findFirstOrThrow({ where: { pairId: pair.pairId } })).deliveredAt).not.toBeNull();
  await advanceTo(env, pair.stageAt('reminder') + 1_000);
  await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pair.pairId, 1, 'reminder-managerPrep', 'manager')));
  expect(stack.smtp.messages.some((m) => sameMessageId(m, messageIdOf(pair.pairId, 1, 'reminder-reflection', 'report')))).toBe(false);
  await pair.handle.executeUpdate('endPair', { args: [{}] });
});

it('adds a topic from the link in any email, and validates it', async () => {
  const pair = await pairAtReflection();
  const [reflection] = stack.smtp.messages.filter((m) => sameMessageId(m, messageIdOf(pair.pairId, 1, 'reflection', 'report')));
  const topicLink = linksIn(reflection.text, PUBLIC_BASE_URL).find((l) => l.endsWith('/topic'))!;
  expect((await web.get(topicLink)).body).toContain('Add a topic to your next 1:1');
  expect((await web.post(topicLink, { text: '   ' })).status).toBe(422);
  expect((await web.post(topicLink, { text: 'x'.repeat(501) })).status).toBe(422);
  expect((await web.post(topicLink, { text: 'ok', extra: 'field' })).status).toBe(422);
  expect((await web.post(topicLink, { text: 'ok' }, {})).status).toBe(403);
  expect(await stack.db.topic.count({ where: { pairId: pair.pairId } })).toBe(0);

  const added = await web.post(topicLink, { text: 'Conference talk <proposal>' });
  expect(added.status).toBe(200);
  expect(added.body).toContain('meeting 1');
  await advanceTo(env, pair.stageAt('agenda') + 1_000);
  const [agenda] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pair.pairId, 1, 'agenda', 'manager')));
  expect(agenda.html).toContain('Conference talk &lt;proposal&gt;');
  await pair.handle.executeUpdate('endPair', { args: [{}] });
});

it('records action items from the follow-up form and offers them as done next time', async () => {
  const pair = await pairAtReflection();
  await advanceTo(env, pair.stageAt('followUp') + 1_000);
  const [followUp] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pair.pairId, 1, 'followUpManager', 'manager')));
  const link = linksIn(followUp.text, PUBLIC_BASE_URL).find((l) => l.includes('/forms/'))!;
  await waitForStatus(pair.handle, (s) => s.cycle === 2);
  expect(
    (
      await web.post(link, {
        'q.held': 'yes',
        'q.notes': '',
        'ai.text.0': 'Write the RFC',
        'ai.owner.0': 'report',
        'ai.text.1': 'x'.repeat(501),
        'ai.owner.1': 'manager',
      })
    ).status,
  ).toBe(422);
  const saved = await web.post(link, { 'q.held': 'yes', 'q.notes': 'Good talk', 'ai.text.0': 'Write the RFC', 'ai.owner.0': 'report' });
  expect(saved.status).toBe(200);
  const items = await stack.db.actionItem.findMany({ where: { pairId: pair.pairId } });
  expect(items.map((i) => [i.text, i.owner, i.done])).toEqual([['Write the RFC', 'report', false]]);
  // The workflow carries the item's id and owner; its text stays in the database.
  const status = await waitForStatus(pair.handle, (s) => s.openActionItems.length === 1);
  expect(status.openActionItems).toEqual([{ id: items[0].id, cycle: 1, owner: 'report' }]);
  await pair.handle.executeUpdate('endPair', { args: [{}] });
});

it('limits the rate of requests to token routes', async () => {
  const limited = await buildWebServer({ db: stack.db, temporal: env.client, publicBaseUrl: PUBLIC_BASE_URL, rateLimitPerMinute: 3 });
  await limited.listen({ port: 0, host: '127.0.0.1' });
  try {
    const client = webClient(limited, PUBLIC_BASE_URL);
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await client.get(`${PUBLIC_BASE_URL}/forms/${'a'.repeat(43)}`)).status);
    expect(statuses).toEqual([404, 404, 404, 429]);
  } finally {
    await limited.close();
  }
});

it('logs the route a request matched, with tokens blanked, and no path for a request that matched none', () => {
  const token = 'Abc_def-123'.padEnd(43, 'x');
  const matched = (url: string, params: Record<string, string>) => ({ routeOptions: { url } as FastifyRequest['routeOptions'], params });
  expect(loggedPath(matched('/forms/:token', { token }))).toBe('/forms/[token]');
  expect(loggedPath(matched('/pairs/:token/record', { token }))).toBe('/pairs/[token]/record');
  expect(loggedPath(matched('/admin/api/pairs/:pairId', { pairId: 'p-1' }))).toBe('/admin/api/pairs/p-1');
  expect(loggedPath(matched('/healthz', {}))).toBe('/healthz');
  expect(loggedPath({ routeOptions: {} as FastifyRequest['routeOptions'], params: {} })).toBe(NO_ROUTE);
});
