// Access to the admin and to the links, and what the logs hold, against the real web service,
// worker, Temporal (time-skipping), SMTP and SQLite: every admin route refuses without a session
// and every admin change without proof it comes from the admin pages; the cookie's flags behind
// https; a token opens only what it was issued for; sign-in is rate limited; and nothing secret
// (tokens, the session cookie, the admin password, the session secret) reaches any log line.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { buildWebServer } from '../server/web-server';
import { pairsAtReflection, type PairAtReflection } from './support/pair-at-reflection';
import { advanceTo, messageIdOf, sameMessageId } from './support/pair-driver';
import { PUBLIC_BASE_URL, startRapportStack, type RapportStack } from '../harness/rapport-stack';
import { createTimeSkippingEnv } from '../harness/temporal-env';
import { routesOf } from './support/route-table';
import { linksIn } from './support/web-client';

const ORIGIN = new URL(PUBLIC_BASE_URL).origin;
const ADMIN_PASSWORD = 'correct horse battery';
const SESSION_SECRET = 'session-secret-for-the-access-tests-0123456789';
const LOG_LEVEL = 'trace';

/** Everything logged while this file runs: the web servers' request logs and the process's own output. */
const logLines: string[] = [];
const logStream = { write: (line: string) => void logLines.push(line) };
let restoreOutput: () => void;

let env: TestWorkflowEnvironment;
let stack: RapportStack;
let app: FastifyInstance;
let base: string;
let cookie: string;
let pairA: PairAtReflection;
let pairB: PairAtReflection;

/** Copies what the process writes to stdout and stderr (the worker's and Temporal's logs) into logLines. */
function captureProcessOutput(): () => void {
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write.bind(stream));
  streams.forEach((stream, index) => {
    // `any`: write has several overloads; every call is passed on unchanged.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    stream.write = ((chunk: any, ...rest: any[]) => {
      logLines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return originals[index](chunk, ...rest);
    }) as typeof stream.write;
  });
  return () => streams.forEach((stream, index) => (stream.write = originals[index]));
}

async function startWeb(): Promise<{ app: FastifyInstance; base: string }> {
  const server = await buildWebServer({
    db: stack.db,
    temporal: env.client,
    publicBaseUrl: PUBLIC_BASE_URL,
    rateLimitPerMinute: 1_000,
    logLevel: LOG_LEVEL,
    logStream,
    admin: { taskQueue: stack.taskQueue, credentials: { user: 'admin', password: ADMIN_PASSWORD }, sessionSecret: SESSION_SECRET, secureCookies: true },
  });
  await server.listen({ port: 0, host: '127.0.0.1' });
  return { app: server, base: `http://127.0.0.1:${(server.server.address() as AddressInfo).port}` };
}

const signIn = (at: string, password: string, headers: Record<string, string> = { origin: ORIGIN }) =>
  fetch(`${at}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user: 'admin', password }),
  });

beforeAll(async () => {
  restoreOutput = captureProcessOutput();
  env = await createTimeSkippingEnv();
  stack = await startRapportStack(env);
  ({ app, base } = await startWeb());
  const signedIn = await signIn(base, ADMIN_PASSWORD);
  cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0];
  [pairA, pairB] = await pairsAtReflection(env, stack, [
    { manager: { name: 'Ada Manager', email: 'ada.access@example.com' }, report: { name: 'Ben Report', email: 'ben.access@example.com' } },
    { manager: { name: 'Cy Manager', email: 'cy.access@example.com' }, report: { name: 'Di Report', email: 'di.access@example.com' } },
  ]);
});

afterAll(async () => {
  restoreOutput?.();
  await app?.close();
  await stack?.stop();
  await env?.teardown();
});

const local = (link: string) => link.replace(PUBLIC_BASE_URL, base);
const tokenOf = (link: string) => new URL(link).pathname.split('/')[2];

async function storedState() {
  const [pairs, questionSets, bankQuestions, suggestions, topics, answers, pairRows] = await Promise.all([
    stack.db.pair.count(),
    stack.db.questionSet.count(),
    stack.db.bankQuestion.count(),
    stack.db.questionSuggestion.findMany({ orderBy: { id: 'asc' } }),
    stack.db.topic.count(),
    stack.db.answer.count(),
    stack.db.pair.findMany({ orderBy: { id: 'asc' }, select: { id: true, status: true, meetingTime: true } }),
  ]);
  return { pairs, questionSets, bankQuestions, suggestions, topics, answers, pairRows };
}

// ---- Every admin route, read from the router ---------------------------------------------------------

/** Every route under /admin as the router lists it. */
const adminRoutes = (server: FastifyInstance) => routesOf(server).filter((route) => route.path.startsWith('/admin'));

/** A real id for each parameter, so that a handler that ran would change something. */
async function withRealIds(path: string): Promise<string> {
  const bankQuestion = await stack.db.bankQuestion.findFirst();
  const suggestion = await stack.db.questionSuggestion.findFirst();
  return path
    .replace(':pairId', pairA.pairId)
    .replace(':action', 'end')
    .replace(':bankQuestionId', bankQuestion?.id ?? 'none')
    .replace(':suggestionId', suggestion?.id ?? 'none');
}

it('finds every admin route in the router, pages and API', () => {
  const routes = adminRoutes(app);
  expect(routes.length).toBeGreaterThan(40);
  expect(routes).toEqual(
    expect.arrayContaining([
      { method: 'POST', path: '/admin/pairs/:pairId/actions/:action' },
      { method: 'DELETE', path: '/admin/api/question-bank/:bankQuestionId' },
    ]),
  );
});

it('signs in with a cookie that is HttpOnly, SameSite=Strict and Secure behind https, and signs out the same way', async () => {
  const signedIn = await signIn(base, ADMIN_PASSWORD);
  expect(signedIn.headers.get('set-cookie')).toMatch(/^rapport_admin=[^;]+; Path=\/admin; HttpOnly; SameSite=Strict; Max-Age=28800; Secure$/);
  const signedOut = await fetch(`${base}/admin/logout`, { method: 'POST', redirect: 'manual', headers: { origin: ORIGIN, cookie } });
  expect(signedOut.headers.get('set-cookie')).toBe('rapport_admin=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0; Secure');
});

it('refuses every admin page and API route without a session, changing nothing', async () => {
  await stack.db.bankQuestion.create({
    data: { id: 'bank-access', question: JSON.stringify({ id: 'access', text: 'Access?', type: 'text', required: false }), stage: null, createdBy: 'test' },
  });
  const before = await storedState();
  const answers: { route: string; status: number; location: string | null }[] = [];
  for (const { method, path } of adminRoutes(app)) {
    if (path === '/admin/login') continue;
    const response = await fetch(`${base}${await withRealIds(path)}`, {
      method,
      redirect: 'manual',
      headers: { origin: ORIGIN, ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) },
      body: method === 'GET' ? undefined : '{}',
    });
    await response.arrayBuffer();
    answers.push({ route: `${method} ${path}`, status: response.status, location: response.headers.get('location') });
  }
  const refused = (route: string) =>
    route.includes(' /admin/api/') ? { route, status: 401, location: null } : { route, status: 303, location: '/admin/login' };
  expect(answers).toEqual(answers.map(({ route }) => refused(route)));
  expect(await storedState()).toEqual(before);
});

it('refuses every admin change without proof that it comes from the admin pages, even signed in', async () => {
  const before = await storedState();
  const noProof: Record<string, string>[] = [
    {},
    { origin: 'https://evil.example' },
    { origin: ORIGIN, 'sec-fetch-site': 'cross-site' },
    { 'sec-fetch-site': 'same-site' },
  ];
  const changes = adminRoutes(app).filter((route) => route.method !== 'GET');
  for (const { method, path } of changes) {
    for (const headers of noProof) {
      const response = await fetch(`${base}${await withRealIds(path)}`, {
        method,
        redirect: 'manual',
        headers: { ...headers, cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'user=admin&password=correct+horse+battery&decision=accepted&stage=reflection',
      });
      const body = (await response.json()) as { problems?: string[] };
      expect({ route: `${method} ${path}`, headers, status: response.status, problems: body.problems }).toEqual({
        route: `${method} ${path}`,
        headers,
        status: 403,
        problems: ['Admin changes must come from the admin pages (Origin or Sec-Fetch-Site).'],
      });
    }
  }
  expect(await storedState()).toEqual(before);
});

it('opens with a form token only its own form: not a pair page, and nothing of another pair', async () => {
  const before = await storedState();
  for (const formLink of [pairA.reflectionLink, pairA.prepLink]) {
    const token = tokenOf(formLink);
    for (const [method, path] of [
      ['GET', `/pairs/${token}/topic`],
      ['POST', `/pairs/${token}/topic`],
      ['GET', `/pairs/${token}/record`],
    ]) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
        body: method === 'POST' ? 'text=Hijack' : undefined,
      });
      expect({ path: path.replace(token, '[form token]'), status: response.status, page: (await response.text()).includes('This link does not work') }).toEqual(
        {
          path: path.replace(token, '[form token]'),
          status: 404,
          page: true,
        },
      );
    }
  }
  expect(await storedState()).toEqual(before);

  // Each pair's links reach that pair alone.
  const post = (link: string, fields: Record<string, string>) =>
    fetch(local(link), { method: 'POST', headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
  expect((await post(pairA.reflectionLink, { 'q.topics': 'Only for pair A' })).status).toBe(200);
  expect((await post(pairB.reflectionLink, { 'q.topics': 'Only for pair B' })).status).toBe(200);
  expect((await post(pairA.reportTopicLink, { text: 'Topic of pair A' })).status).toBe(200);
  expect(await stack.db.topic.findMany({ where: { text: 'Topic of pair A' }, select: { pairId: true } })).toEqual([{ pairId: pairA.pairId }]);
  const recordOfA = await (await fetch(local(pairA.reportRecordLink))).text();
  const formOfA = await (await fetch(local(pairA.reflectionLink))).text();
  expect({
    own: recordOfA.includes('Only for pair A'),
    other: recordOfA.includes('Only for pair B'),
    otherNames: recordOfA.includes('Cy Manager') || recordOfA.includes('Di Report'),
  }).toEqual({ own: true, other: false, otherNames: false });
  expect({ own: formOfA.includes('Only for pair A'), other: formOfA.includes('Only for pair B') }).toEqual({ own: true, other: false });
});

it('limits sign-in attempts: the eleventh in a minute gets 429, even with the right password', async () => {
  const fresh = await startWeb();
  try {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 10; attempt += 1) statuses.push((await signIn(fresh.base, `wrong ${attempt}`)).status);
    const eleventh = await signIn(fresh.base, ADMIN_PASSWORD);
    expect([...statuses, eleventh.status]).toEqual([...Array(10).fill(401), 429]);
    expect(eleventh.headers.get('set-cookie')).toBeNull();
    expect(await eleventh.text()).toContain('Too many requests');
  } finally {
    await fresh.app.close();
  }
});

it('keeps tokens, the session cookie, the admin password and the session secret out of every log line', async () => {
  // The rest of a cycle, so that the agenda and follow-up activities log too, and a few bad requests.
  await fetch(`${base}/forms/${tokenOf(pairA.reflectionLink)}x`);
  await fetch(`${base}/forms/%E0%A4%A${tokenOf(pairA.reflectionLink)}`);
  await fetch(`${base}/admin/api/pairs/${pairA.pairId}`, { headers: { cookie } });
  await advanceTo(env, pairA.stageAt('followUp') + 1_000);
  await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairA.pairId, 1, 'followUpManager', 'manager')));
  const followUp = stack.smtp.messages.find((m) => sameMessageId(m, messageIdOf(pairA.pairId, 1, 'followUpManager', 'manager')))!;
  const followUpLink = linksIn(followUp.text, PUBLIC_BASE_URL).find((link) => link.includes('/forms/'))!;
  expect(
    (
      await fetch(local(followUpLink), {
        method: 'POST',
        headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'q.held=yes&ai.text.0=Ship+it',
      })
    ).status,
  ).toBe(200);

  const tokens = [...new Set(stack.smtp.messages.flatMap((m) => linksIn(m.text, PUBLIC_BASE_URL)).map(tokenOf))];
  expect(tokens.length).toBeGreaterThanOrEqual(8);
  const secrets = [...tokens, cookie.split('=')[1], ADMIN_PASSWORD, encodeURIComponent(ADMIN_PASSWORD).replace(/%20/g, '+'), SESSION_SECRET];
  const log = logLines.join('');
  // The logs were captured: requests to token routes are there, with the token blanked out.
  expect(log).toContain('"url":"/forms/[token]"');
  expect(log).toContain('"url":"/admin/login"');
  expect(log).toContain('Worker state changed');
  const leaked = secrets.filter((secret) => log.includes(secret)).map((secret) => `${secret.slice(0, 6)}…`);
  expect(leaked).toEqual([]);
});
