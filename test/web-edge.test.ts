// The web service's edge, tried as an attacker would, against the real web service, worker,
// Temporal (time-skipping), SMTP and SQLite: every spelling of every admin path meets the admin's
// guards or no route at all (the spellings are made from the router's own table); a link path
// spelled otherwise reaches no other route's handler; signing out ends the session on the server;
// behind a proxy the limits count the real client; body parsers and size caps belong to their
// routes; a slow client is cut off; a pair link cannot flood a pair's agenda.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { mkdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { MAX_PENDING_TOPICS } from '../workflows/pair-types';
import { NO_ROUTE } from '../http/request-log';
import { buildWebServer, type WebDeps } from '../server/web-server';
import { accessibilityViolations } from './support/accessibility';
import { launchChromium, SCREENSHOTS } from './support/browser';
import { pairsAtReflection, type PairAtReflection } from './support/pair-at-reflection';
import { PUBLIC_BASE_URL, startRapportStack, type RapportStack } from '../harness/rapport-stack';
import { routesOf } from './support/route-table';
import { createTimeSkippingEnv } from '../harness/temporal-env';

const ORIGIN = new URL(PUBLIC_BASE_URL).origin;
const PASSWORD = 'correct horse battery staple';
const SECRET = 'edge-tests-session-secret-0123456789abcdef';

let env: TestWorkflowEnvironment;
let stack: RapportStack;
let web: Server;
let cookie: string;
let pair: PairAtReflection;

interface Server {
  app: FastifyInstance;
  port: number;
  /** Every line the request log wrote. */
  log: string[];
}

async function startWeb(overrides: Partial<WebDeps> = {}): Promise<Server> {
  const log: string[] = [];
  const app = await buildWebServer({
    db: stack.db,
    temporal: env.client,
    publicBaseUrl: PUBLIC_BASE_URL,
    rateLimitPerMinute: 100_000,
    logLevel: 'info',
    logStream: { write: (line) => void log.push(line) },
    admin: { taskQueue: stack.taskQueue, credentials: { user: 'admin', password: PASSWORD }, sessionSecret: SECRET, secureCookies: false },
    ...overrides,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, port: (app.server.address() as AddressInfo).port, log };
}

interface Answer {
  status: number;
  location?: string;
  body: string;
}

/** A request whose path is sent exactly as written (fetch would normalize it). */
function send(server: Server, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        method,
        path,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function signIn(server: Server, headers: Record<string, string> = {}, user = 'admin', password = PASSWORD): Promise<Answer & { cookie?: string }> {
  return new Promise((resolve, reject) => {
    const body = new URLSearchParams({ user, password }).toString();
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: '/admin/login',
        headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const setCookie = res.headers['set-cookie']?.[0];
          resolve({
            status: res.statusCode ?? 0,
            location: res.headers.location,
            body: Buffer.concat(chunks).toString('utf8'),
            cookie: setCookie?.split(';')[0],
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The route the request log says the last request matched. */
function lastMatchedRoute(server: Server): string {
  for (let i = server.log.length - 1; i >= 0; i -= 1) {
    const line = JSON.parse(server.log[i]) as { msg?: string; req?: { url?: string } };
    if (line.msg === 'incoming request') return line.req?.url ?? NO_ROUTE;
  }
  return NO_ROUTE;
}

async function storedState() {
  const [pairs, questionSets, bankQuestions, suggestions, topics, answers, pairEvents, pairRows] = await Promise.all([
    stack.db.pair.count(),
    stack.db.questionSet.count(),
    stack.db.bankQuestion.count(),
    stack.db.questionSuggestion.count(),
    stack.db.topic.count(),
    stack.db.answer.count(),
    stack.db.pairEvent.count(),
    stack.db.pair.findMany({ orderBy: { id: 'asc' }, select: { id: true, status: true, meetingTime: true } }),
  ]);
  return { pairs, questionSets, bankQuestions, suggestions, topics, answers, pairEvents, pairRows };
}

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  stack = await startRapportStack(env);
  web = await startWeb();
  const signedIn = await signIn(web);
  cookie = signedIn.cookie!;
  [pair] = await pairsAtReflection(env, stack, [
    { manager: { name: 'Eve Manager', email: 'eve.edge@example.com' }, report: { name: 'Finn Report', email: 'finn.edge@example.com' } },
  ]);
  await stack.db.bankQuestion.create({
    data: { id: 'bank-edge', question: JSON.stringify({ id: 'edge', text: 'Edge?', type: 'text', required: false }), stage: null, createdBy: 'test' },
  });
});

afterAll(async () => {
  await web?.app.close();
  await stack?.stop();
  await env?.teardown();
});

// ---- Spellings, from the router's own table ------------------------------------------------------

const encodeAt = (path: string, index: number, hex: (code: number) => string) =>
  `${path.slice(0, index)}%${hex(path.charCodeAt(index))}${path.slice(index + 1)}`;
const upperHex = (code: number) => code.toString(16).toUpperCase().padStart(2, '0');
const lowerHex = (code: number) => code.toString(16).padStart(2, '0');

/** Paths that differ from `path` only in spelling. */
function spellingsOf(path: string): string[] {
  const out = new Set<string>();
  for (let i = 0; i < path.length; i += 1) {
    if (/[A-Za-z]/.test(path[i])) out.add(encodeAt(path, i, i % 2 === 0 ? upperHex : lowerHex));
  }
  const slashes = [...path].flatMap((char, index) => (char === '/' ? [index] : []));
  for (const at of slashes) {
    if (at > 0) out.add(encodeAt(path, at, upperHex));
    out.add(`${path.slice(0, at)}//${path.slice(at + 1)}`);
    out.add(`${path.slice(0, at)}/./${path.slice(at + 1)}`);
    out.add(`${path.slice(0, at)}/x/../${path.slice(at + 1)}`);
  }
  out.add(`${path}/`);
  out.add(`${path}/.`);
  out.add(path.toUpperCase());
  out.add(path.replace(/\/([a-z])/g, (_m, letter: string) => `/${letter.toUpperCase()}`));
  out.add(`${path}?x=1`);
  out.add(`${path}?`);
  out.add(`${path}#x`);
  out.add(`${path};x=1`);
  out.delete(path);
  return [...out];
}

async function withRealIds(path: string): Promise<string> {
  const suggestion = await stack.db.questionSuggestion.findFirst();
  return path
    .replace(':pairId', pair.pairId)
    .replace(':action', 'end')
    .replace(':bankQuestionId', 'bank-edge')
    .replace(':suggestionId', suggestion?.id ?? 'none');
}

const adminRoutes = () => routesOf(web.app).filter((route) => route.path.startsWith('/admin') && route.path !== '/admin/login');

it('makes its spellings from every admin route the router holds, pages and API', () => {
  const routes = adminRoutes();
  expect(routes.length).toBeGreaterThan(40);
  expect(spellingsOf('/admin/api/pairs')).toEqual(
    expect.arrayContaining([
      '/%61dmin/api/pairs',
      '/admin%2Fapi/pairs',
      '/admin//api/pairs',
      '/admin/./api/pairs',
      '/ADMIN/API/PAIRS',
      '/admin/api/pairs?x=1',
      '/admin/api/pairs/',
    ]),
  );
});

it('answers every spelling of every admin path without a session with the sign-in guard or no route, changing nothing', async () => {
  const before = await storedState();
  const wrong: string[] = [];
  let guarded = 0;
  for (const { method, path } of adminRoutes()) {
    const real = await withRealIds(path);
    for (const spelled of [real, ...spellingsOf(real)]) {
      const answer = await send(web, method, spelled, { origin: ORIGIN, 'content-type': 'application/json' }, method === 'GET' ? undefined : '{}');
      const matched = lastMatchedRoute(web);
      const signInGuard = answer.status === 401 || (answer.status === 303 && answer.location === '/admin/login');
      // A path under /admin/api that matched no route still meets the API's guard before its 404.
      const ok = (matched === NO_ROUTE && (answer.status === 404 || signInGuard)) || (matched.startsWith('/admin') && signInGuard);
      if (matched.startsWith('/admin/api/') && answer.status !== 401) wrong.push(`${method} ${spelled}: an API route answered ${answer.status}`);
      if (matched !== NO_ROUTE) guarded += 1;
      if (!ok) wrong.push(`${method} ${spelled} → ${answer.status} (${matched})`);
    }
  }
  expect(wrong).toEqual([]);
  // The percent-encoded letters and the query strings reached the routes, and met the guard there.
  expect(guarded).toBeGreaterThan(adminRoutes().length * 10);
  expect(await storedState()).toEqual(before);
});

it('answers every spelling of every admin change without the origin proof with 403 or no route, even signed in', async () => {
  const before = await storedState();
  const wrong: string[] = [];
  for (const { method, path } of adminRoutes().filter((route) => route.method !== 'GET')) {
    const real = await withRealIds(path);
    for (const spelled of [real, ...spellingsOf(real)]) {
      const answer = await send(
        web,
        method,
        spelled,
        { cookie, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
        'decision=accepted&stage=reflection',
      );
      const matched = lastMatchedRoute(web);
      const ok = (matched === NO_ROUTE && (answer.status === 404 || answer.status === 403)) || (matched.startsWith('/admin') && answer.status === 403);
      if (!ok) wrong.push(`${method} ${spelled} → ${answer.status} (${matched})`);
    }
  }
  expect(wrong).toEqual([]);
  expect(await storedState()).toEqual(before);
});

it('lets no spelling of a link path reach another route: the same route, or none', async () => {
  const reportToken = new URL(pair.reportTopicLink).pathname.split('/')[2];
  const formToken = new URL(pair.reflectionLink).pathname.split('/')[2];
  const linkRoutes = routesOf(web.app).filter((route) => route.path.startsWith('/forms/') || route.path.startsWith('/pairs/'));
  expect(linkRoutes.map((route) => `${route.method} ${route.path}`).sort()).toEqual([
    'GET /forms/:token',
    'GET /pairs/:token/meeting',
    'GET /pairs/:token/questions',
    'GET /pairs/:token/record',
    'GET /pairs/:token/record.csv',
    'GET /pairs/:token/record.json',
    'GET /pairs/:token/topic',
    'POST /forms/:token',
    'POST /forms/:token/suggestion',
    'POST /pairs/:token/meeting/move',
    'POST /pairs/:token/meeting/pause',
    'POST /pairs/:token/meeting/skip',
    'POST /pairs/:token/questions',
    'POST /pairs/:token/questions/suggestions',
    'POST /pairs/:token/topic',
  ]);
  const before = await storedState();
  const wrong: string[] = [];
  for (const { method, path } of linkRoutes) {
    const real = path.replace(':token', path.startsWith('/forms/') ? formToken : reportToken);
    // Spellings of the route's own words only: a changed token is simply another (invalid) token.
    for (const spelled of spellingsOf(real)) {
      // A cross-site POST, so that a POST that reached any handler would be refused there, not saved.
      const answer = await send(
        web,
        method,
        spelled,
        { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
        method === 'POST' ? 'text=x&suggestion=x' : undefined,
      );
      const matched = lastMatchedRoute(web);
      if (matched === NO_ROUTE || matched === path.replace(':token', '[token]')) continue;
      // An encoded slash folds the rest of the path into the token: the route's token check turns it away.
      if (answer.status === 404 && answer.body.includes('This link does not work')) continue;
      wrong.push(`${method} ${spelled} reached ${matched} (${answer.status})`);
    }
  }
  expect(wrong).toEqual([]);
  expect(await storedState()).toEqual(before);
});

// ---- Sessions -------------------------------------------------------------------------------------

it('ends the session on the server at sign-out: the signed-out cookie is refused afterwards', async () => {
  const session = (await signIn(web)).cookie!;
  expect((await send(web, 'GET', '/admin/api/pairs', { cookie: session })).status).toBe(200);
  const signedOut = await send(web, 'POST', '/admin/logout', { cookie: session, origin: ORIGIN });
  expect({ status: signedOut.status, location: signedOut.location }).toEqual({ status: 303, location: '/admin/login' });
  expect((await send(web, 'GET', '/admin/api/pairs', { cookie: session })).status).toBe(401);
  expect((await send(web, 'GET', '/admin', { cookie: session })).location).toBe('/admin/login');
  // Other sessions go on.
  expect((await send(web, 'GET', '/admin/api/pairs', { cookie })).status).toBe(200);
});

it('signs everyone out when SESSION_SECRET changes', async () => {
  const rotated = await startWeb({
    admin: { taskQueue: stack.taskQueue, credentials: { user: 'admin', password: PASSWORD }, sessionSecret: `${SECRET}-rotated`, secureCookies: false },
  });
  try {
    expect((await send(rotated, 'GET', '/admin/api/pairs', { cookie })).status).toBe(401);
    expect((await send(web, 'GET', '/admin/api/pairs', { cookie })).status).toBe(200);
  } finally {
    await rotated.app.close();
  }
});

// ---- Behind a proxy -------------------------------------------------------------------------------

it('behind a trusted proxy counts sign-in attempts per real client, so that failures elsewhere do not lock the admin out', async () => {
  const proxied = await startWeb({ trustProxy: ['127.0.0.1'] });
  try {
    const attacker = { 'x-forwarded-for': '203.0.113.7' };
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 11; attempt += 1) statuses.push((await signIn(proxied, attacker, 'admin', `wrong ${attempt}`)).status);
    expect(statuses).toEqual([...Array(10).fill(401), 429]);
    expect((await signIn(proxied, attacker)).status).toBe(429);
    // The admin, elsewhere, signs in; the log shows each client's own address.
    expect((await signIn(proxied, { 'x-forwarded-for': '198.51.100.20' })).status).toBe(303);
    expect(proxied.log.join('')).toContain('"remoteAddress":"203.0.113.7"');
    expect(proxied.log.join('')).toContain('"remoteAddress":"198.51.100.20"');
  } finally {
    await proxied.app.close();
  }
});

it('counts one client address trying many user names, and one trying many passwords for one name', async () => {
  const fresh = await startWeb();
  try {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 31; attempt += 1) statuses.push((await signIn(fresh, {}, `user${attempt}`, 'wrong password')).status);
    expect(statuses).toEqual([...Array(30).fill(401), 429]);
  } finally {
    await fresh.app.close();
  }
});

it('without TRUST_PROXY ignores X-Forwarded-For: a client cannot pick its own address', async () => {
  const direct = await startWeb({ rateLimitPerMinute: 3 });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await send(direct, 'GET', `/forms/${'b'.repeat(43)}`, { 'x-forwarded-for': `192.0.2.${i}` })).status);
    expect(statuses).toEqual([404, 404, 404, 429]);
  } finally {
    await direct.app.close();
  }
});

it('limits a link per token as well as per client address', async () => {
  const proxied = await startWeb({ rateLimitPerMinute: 3, trustProxy: 1 });
  try {
    const token = new URL(pair.reportRecordLink).pathname.split('/')[2];
    const statuses: number[] = [];
    // Each request from another address: only the token's own limit can stop the fourth.
    for (let i = 0; i < 4; i += 1) statuses.push((await send(proxied, 'GET', `/pairs/${token}/record`, { 'x-forwarded-for': `192.0.2.${i}` })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await send(proxied, 'GET', `/pairs/${token}/record`, { 'x-forwarded-for': '192.0.2.99' });
    expect(refused.body).toContain('Too many requests');
    // Another pair's link, from an address already seen, still opens.
    const other = new URL(pair.managerRecordLink).pathname.split('/')[2];
    expect((await send(proxied, 'GET', `/pairs/${other}/record`, { 'x-forwarded-for': '192.0.2.0' })).status).toBe(200);
  } finally {
    await proxied.app.close();
  }
});

// ---- Bodies and slow clients ------------------------------------------------------------------------

it('reads a body only with the parser of its own route', async () => {
  const formPath = new URL(pair.reflectionLink).pathname;
  const before = await storedState();
  const csvToLink = await send(web, 'POST', formPath, { origin: ORIGIN, 'content-type': 'text/csv' }, 'a,b\n1,2\n');
  const jsonToLink = await send(web, 'POST', formPath, { origin: ORIGIN, 'content-type': 'application/json' }, '{"q.topics":"json"}');
  const csvToApi = await send(web, 'POST', '/admin/api/pairs', { origin: ORIGIN, cookie, 'content-type': 'text/csv' }, 'a,b\n1,2\n');
  const csvToPage = await send(web, 'POST', '/admin/pairs', { origin: ORIGIN, cookie, 'content-type': 'text/csv' }, 'a,b\n1,2\n');
  expect([csvToLink.status, jsonToLink.status, csvToApi.status, csvToPage.status]).toEqual([415, 415, 415, 415]);
  expect(csvToLink.body).toContain('This form must be sent as a web form');
  expect(JSON.parse(csvToApi.body)).toEqual({ problems: [expect.stringContaining('type this route does not take')] });
  expect(await storedState()).toEqual(before);
});

it('refuses a link request over 64 KiB before reading it, whatever its content type', async () => {
  const formPath = new URL(pair.reflectionLink).pathname;
  const big = 'x'.repeat(64 * 1024 + 1);
  const before = await storedState();
  for (const type of ['application/x-www-form-urlencoded', 'application/octet-stream', 'text/csv']) {
    const answer = await send(web, 'POST', formPath, { origin: ORIGIN, 'content-type': type }, `q.topics=${big}`);
    expect({ type, status: answer.status, page: answer.body.includes('Too much text') }).toEqual({ type, status: 413, page: true });
  }
  expect(await storedState()).toEqual(before);
});

it('cuts off a client that sends its body one byte at a time, before it is done', async () => {
  const slow = await startWeb({ timeouts: { requestMs: 1_500, headersMs: 1_000, keepAliveMs: 1_000, connectionMs: 60_000 } });
  try {
    const formPath = new URL(pair.reflectionLink).pathname;
    const body = 'q.topics=' + 'y'.repeat(40);
    const outcome = await new Promise<{ bytesSent: number; answer: string }>((resolve) => {
      const socket = connect(slow.port, '127.0.0.1');
      let bytesSent = 0;
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
      const finish = () => {
        clearInterval(drip);
        resolve({ bytesSent, answer });
      };
      socket.on('close', finish);
      socket.on('error', finish);
      socket.write(
        `POST ${formPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: ${ORIGIN}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      // One byte every 200 ms: the whole body would take 10 s.
      const drip = setInterval(() => {
        if (bytesSent >= body.length || socket.destroyed) return;
        socket.write(body[bytesSent]);
        bytesSent += 1;
      }, 200);
    });
    expect(outcome.bytesSent).toBeLessThan(body.length);
    expect(outcome.answer).toMatch(/^HTTP\/1\.1 408/);
  } finally {
    await slow.app.close();
  }
});

// ---- What a link can do -----------------------------------------------------------------------------

it(`takes at most ${MAX_PENDING_TOPICS} waiting topics per pair, and the topic page then says so plainly`, async () => {
  const topicPath = new URL(pair.reportTopicLink).pathname;
  const post = (text: string) =>
    send(web, 'POST', topicPath, { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' }, new URLSearchParams({ text }).toString());
  const waiting = await stack.db.topic.count({ where: { pairId: pair.pairId } });
  const statuses: number[] = [];
  for (let i = waiting; i < MAX_PENDING_TOPICS; i += 1) statuses.push((await post(`Topic ${i}`)).status);
  expect(statuses.every((status) => status === 200)).toBe(true);
  const refused = await post('One too many');
  expect(refused.status).toBe(409);
  expect(refused.body).toContain('The agenda is full');
  expect(await stack.db.topic.count({ where: { pairId: pair.pairId } })).toBe(MAX_PENDING_TOPICS);
  const page = await send(web, 'GET', topicPath);
  expect(page.status).toBe(200);
  expect(page.body).toContain('The agenda is full.');
  expect(page.body).not.toContain('<textarea');
});

it('shows the full agenda plainly in a browser, with no accessibility violations', async () => {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${web.port}${new URL(pair.reportTopicLink).pathname}`);
    await page.getByText('The agenda is full.').waitFor();
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'topic-agenda-full.png'), fullPage: true });
    expect(await accessibilityViolations(page)).toEqual([]);
  } finally {
    await browser.close();
  }
});
