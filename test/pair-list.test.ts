// The admin's pair list and the organisation overview, on the Temporal CLI dev server (whose
// visibility can list stopped runs): search, every filter, the orders, pages, bad parameters, the
// overview and its CSV, all drawn from the database; and drawing them sends Temporal no Query and,
// once a stopped run has been looked into, no describe either (every gRPC call is recorded).
import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { seedPairs, seededKind } from '../bench/admin-list';
import { writePairState } from '../activities/pair-state-writes';
import { storedStatusOf } from '../pairs/pair-state-record';
import { SAMPLE_PAIR, startRapportStack, type RapportStack } from '../harness/rapport-stack';
import { createDevServerEnv } from '../harness/temporal-env';
import { startAdminServer, type AdminServer } from './support/admin-server';
import { waitForStatus } from './support/pair-driver';

let env: TestWorkflowEnvironment;
let stack: RapportStack;
let admin: AdminServer;
let connection: Connection;
/** Every gRPC method the admin's Temporal client called, in order ("QueryWorkflow", …). */
const calls: string[] = [];

const SEEDED = 120;
let seeded: string[] = [];
let running: { pairId: string; handle: Awaited<ReturnType<RapportStack['createPair']>>['handle'] };
let stopped: typeof running;

const recordCalls: Interceptor = (options, nextCall) => {
  calls.push(options.method_definition.path.split('/').pop() ?? '');
  return new InterceptingCall(nextCall(options));
};

beforeAll(async () => {
  env = await createDevServerEnv();
  stack = await startRapportStack(env);
  connection = await Connection.connect({ address: env.address, interceptors: [recordCalls] });
  const client = new Client({ connection, namespace: env.namespace ?? 'default' });
  admin = await startAdminServer({ client } as TestWorkflowEnvironment, stack);
  seeded = await seedPairs(stack.db, { count: SEEDED, tag: 'seed' });
  running = await stack.createPair({
    manager: { name: 'Zoë Ålund', email: 'zoe.alund@example.com' },
    report: { name: 'Quinn Query', email: 'quinn@example.com' },
  });
  stopped = await stack.createPair({ ...SAMPLE_PAIR, report: { name: 'Stella Stopped', email: 'stella@example.com' } });
  for (const pair of [running, stopped]) await waitForStatus(pair.handle, (s) => s.cycle === 1);
}, 120_000);

afterAll(async () => {
  await admin?.close();
  await connection?.close();
  await stack?.stop();
  await env?.teardown();
});

type Listed = {
  pairId: string;
  state: string;
  manager: { name: string; email: string };
  report: { name: string };
  consecutiveSkips: number;
  undeliveredEmails: number;
};
const list = async (query: string) =>
  (await admin.api('GET', `/admin/api/pairs${query}`)).json as { pairs: Listed[]; total: number; page: number; pages: number; pageSize: number };
const page = async (path: string) => {
  const response = await fetch(`${admin.base}${path}`, { headers: { cookie: admin.cookie } });
  return { status: response.status, html: await response.text(), type: response.headers.get('content-type') };
};
const indexesOf = (predicate: (kind: ReturnType<typeof seededKind>) => boolean) => seeded.filter((_id, index) => predicate(seededKind(index)));
const ids = (pairs: Listed[]) => pairs.map((pair) => pair.pairId).sort();

it('finds pairs by either person’s name or address, whatever the case, and by a manager’s key', async () => {
  expect(ids((await list('?q=zo%C3%AB%20%C3%A5lund')).pairs)).toEqual([running.pairId]);
  expect(ids((await list('?q=QUINN@EXAMPLE')).pairs)).toEqual([running.pairId]);
  expect(ids((await list('?q=Report%2017')).pairs)).toEqual([seeded[17]].sort());
  // The older parameter name, and a manager's search key (the id of their first pair).
  expect(ids((await list(`?manager=${encodeURIComponent('manager-3.seed@')}`)).pairs)).toEqual(seeded.slice(15, 20).sort());
  expect(ids((await list(`?q=${seeded[15]}`)).pairs)).toEqual(seeded.slice(15, 20).sort());
  expect((await list('?q=nobody-like-this')).total).toBe(0);
});

it('filters paused pairs, chronic skippers and pairs with undelivered emails, from the database’s copy of the state', async () => {
  const paused = await list('?filter=paused');
  expect(ids(paused.pairs)).toEqual(indexesOf((kind) => kind.paused && !kind.ended).sort());
  expect(paused.pairs.every((pair) => pair.state === 'paused')).toBe(true);
  expect(ids((await list('?paused=true')).pairs)).toEqual(ids(paused.pairs));

  const chronic = await list('?filter=chronic-skips');
  expect(ids(chronic.pairs)).toEqual(indexesOf((kind) => kind.chronic && !kind.ended).sort());
  expect(chronic.pairs.every((pair) => pair.consecutiveSkips >= 3)).toBe(true);

  const undelivered = await list('?filter=undelivered');
  expect(ids(undelivered.pairs)).toEqual(indexesOf((kind) => kind.undelivered).sort());
  expect(undelivered.pairs.every((pair) => pair.undeliveredEmails === 1)).toBe(true);

  // A state written later by the workflow moves the pair in or out of a filter at once.
  const pairId = seeded[0];
  const row = await stack.db.pair.findUniqueOrThrow({ where: { id: pairId } });
  const status = storedStatusOf(row)!;
  await writePairState(stack.db, { pairId, revision: row.stateRevision + 1, status: { ...status, state: 'paused', consecutiveSkips: 5 } });
  expect(ids((await list('?filter=paused')).pairs)).toContain(pairId);
  expect(ids((await list('?filter=chronic-skips')).pairs)).toContain(pairId);
  await writePairState(stack.db, { pairId, revision: row.stateRevision + 2, status });
  expect(ids((await list('?filter=paused')).pairs)).not.toContain(pairId);
});

it('sorts by manager, report, next event, skips and age, and pages 50 at a time with the total', async () => {
  const first = await list('');
  expect(first).toMatchObject({ total: SEEDED + 2, page: 1, pages: 3, pageSize: 50 });
  expect(first.pairs).toHaveLength(50);
  const names = first.pairs.map((pair) => pair.manager.name);
  expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  const everyPage = [...first.pairs, ...(await list('?page=2')).pairs, ...(await list('?page=3')).pairs];
  expect(everyPage).toHaveLength(SEEDED + 2);
  expect(new Set(everyPage.map((pair) => pair.pairId)).size).toBe(SEEDED + 2);

  const bySkips = (await list('?sort=skips')).pairs.map((pair) => pair.consecutiveSkips);
  expect(bySkips).toEqual([...bySkips].sort((a, b) => b - a));
  const byNext = (await list('?sort=next&page=1')).pairs.map((pair) => (pair as unknown as { nextEvent: { at: string } | null }).nextEvent?.at ?? 'none');
  const timed = byNext.filter((at) => at !== 'none');
  expect(timed).toEqual([...timed].sort());
  const byReport = (await list('?sort=report')).pairs.map((pair) => pair.report.name);
  expect(byReport).toEqual([...byReport].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  expect((await list('?sort=newest')).pairs[0].pairId).toBe(stopped.pairId);

  // The page shows readable times and stage names, never a cycle number as the meeting.
  const { html } = await page('/admin?q=quinn');
  expect(html).toMatch(/<td>\w{3} \d{1,2} \w{3}( \d{4})?, 10:00 Berlin<\/td>/);
  expect(html).toMatch(/<span class="hint">(Reflection|Planning|Reminder|Agenda)<\/span>/);
  expect(html).not.toContain('<td>1</td><td>');
  const second = (await page('/admin?sort=report&page=2')).html.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
  expect(second).toContain('href="/admin?sort=report&page=3" rel="next"');
  expect(second).toContain('href="/admin?sort=report" rel="prev"');
});

it('answers a bad parameter with what is wrong, on the API and the page', async () => {
  const cases: [string, string][] = [
    ['?filter=bogus', 'There is no filter "bogus": choose paused, chronic-skips, undelivered or stopped.'],
    ['?sort=age', 'There is no sort "age": choose manager, report, next, skips or newest.'],
    ['?page=0', 'The page must be a whole number from 1, like 2 (not "0").'],
    ['?page=two', 'The page must be a whole number from 1, like 2 (not "two").'],
    ['?page=9', 'There is no page 9: the list has 3 pages.'],
    ['?filter=paused&filter=stopped', 'Give one filter at a time.'],
    [`?q=${'x'.repeat(201)}`, 'The search can be at most 200 characters.'],
  ];
  for (const [query, message] of cases) {
    expect({ query, answer: await admin.api('GET', `/admin/api/pairs${query}`) }).toEqual({ query, answer: { status: 422, json: { problems: [message] } } });
  }
  const shown = await page('/admin?filter=bogus');
  expect(shown.status).toBe(422);
  expect(shown.html).toContain('<li>There is no filter &quot;bogus&quot;: choose paused, chronic-skips, undelivered or stopped.</li>');
  expect(shown.html).toContain('<h2>Add a pair</h2>');
  expect((await page('/admin/overview?weeks=0')).status).toBe(422);
  expect(await page('/admin/overview.csv?weeks=1000')).toMatchObject({
    status: 422,
    html: 'The number of weeks must be a whole number from 1 to 104 (not "1000").',
  });
});

it('shows an organisation overview with a link to each pair, and its table as CSV', async () => {
  const { status, html } = await page('/admin/overview?weeks=3');
  expect(status).toBe(200);
  for (const heading of [
    'Not met in 3 weeks',
    'Skipped again and again',
    'Forms answered, by manager, in the last 3 weeks',
    'Emails not delivered',
    'Paused',
    'Stopped in Temporal',
  ]) {
    expect(html).toContain(`>${heading}</h2>`);
  }
  // Unconfirmed meetings do not count as met (nor do skipped ones); ended pairs are not listed.
  const notMet = indexesOf((kind) => (kind.unconfirmed || kind.chronic) && !kind.ended);
  for (const pairId of notMet) expect(html).toContain(`href="/admin/pairs/${pairId}"`);
  expect(html).toContain('No confirmed meeting yet');

  const csv = await page('/admin/overview.csv?weeks=3');
  expect(csv.type).toBe('text/csv; charset=utf-8');
  const lines = csv.html.trimEnd().split('\r\n');
  expect(lines[0]).toBe('section,pair_id,manager,manager_email,report,report_email,detail');
  const sectionCount = (section: string) => lines.filter((line) => line.startsWith(`${section},`)).length;
  expect(sectionCount('Not met')).toBe(notMet.length);
  expect(sectionCount('Chronic skips')).toBe(indexesOf((kind) => kind.chronic && !kind.ended).length);
  expect(sectionCount('Undelivered')).toBe(indexesOf((kind) => kind.undelivered && !kind.ended).length);
  expect(sectionCount('Paused')).toBe(indexesOf((kind) => kind.paused && !kind.ended).length);
  // Five reports per manager; 24 managers among the seeded pairs, each with a rate.
  expect(sectionCount('Response rate')).toBe(SEEDED / 5);
  expect(lines.find((line) => line.startsWith('Response rate,'))).toMatch(
    /,\d+ pairs?,,"\d+%: \d+ of \d+ forms answered \(manager \d+ of \d+, reports \d+ of \d+\)"$/,
  );
});

it('shows a stopped pair, and draws the list again without a Query or a describe of any workflow', async () => {
  await stopped.handle.terminate('ops mistake');
  const deadline = Date.now() + 20_000;
  while (ids((await list('?filter=stopped')).pairs).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  const found = await list('?filter=stopped');
  expect(found.pairs).toEqual([
    expect.objectContaining({
      pairId: stopped.pairId,
      state: 'stopped',
      stopped: { status: 'TERMINATED', reason: 'ops mistake', stoppedAt: expect.any(String) },
    }),
  ]);
  expect(ids((await list('?filter=paused')).pairs)).not.toContain(stopped.pairId);

  calls.length = 0;
  await list('');
  await list('?filter=stopped&q=stella');
  const shown = await page('/admin?filter=stopped');
  expect(shown.html).toContain('<td>stopped <span class="hint">(TERMINATED: ops mistake, since ');
  expect((await page('/admin/overview')).html).toContain('TERMINATED: ops mistake');
  // One visibility list per drawing, and nothing else: no Query, no describe, no history read.
  expect(calls).toEqual(Array(4).fill('ListWorkflowExecutions'));

  // A restart from here is seen at once; the pair is running and its page of the list says so.
  expect((await admin.api('POST', `/admin/api/pairs/${stopped.pairId}/restart`, {})).status).toBe(200);
  expect(ids((await list('?filter=stopped')).pairs)).toEqual([]);
  expect((await list('?q=stella')).pairs[0].state).toBe('active');
  await stopped.handle.executeUpdate('endPair', { args: [{}] });
});
