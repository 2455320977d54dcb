// Property tests of the form links against the real web service, worker, Temporal (time-skipping),
// SMTP and SQLite: garbage posts never get a 5xx, a refused post stores nothing, and the page
// says what was wrong.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { buildWebServer } from '../server/web-server';
import { createInputTally } from '../harness/input-tally';
import { advanceTo, messageIdOf, sameMessageId } from './support/pair-driver';
import { pairAtReflection, type PairAtReflection } from './support/pair-at-reflection';
import { PUBLIC_BASE_URL, startRapportStack, type RapportStack } from '../harness/rapport-stack';
import { createTimeSkippingEnv } from '../harness/temporal-env';
import { linksIn, webClient, type WebClient } from './support/web-client';

const ORIGIN = new URL(PUBLIC_BASE_URL).origin;
const tally = createInputTally('forms');
let env: TestWorkflowEnvironment;
let stack: RapportStack;
let app: FastifyInstance;
let web: WebClient;
let pair: PairAtReflection;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  stack = await startRapportStack(env);
  app = await buildWebServer({ db: stack.db, temporal: env.client, publicBaseUrl: PUBLIC_BASE_URL, rateLimitPerMinute: 100_000, updateTimeoutMs: 5_000 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  web = webClient(app, PUBLIC_BASE_URL);
  pair = await pairAtReflection(env, stack, {
    manager: { name: 'Maya Manager', email: 'maya.fuzz@example.com' },
    report: { name: 'Ravi Report', email: 'ravi.fuzz@example.com' },
  });
});

afterAll(async () => {
  tally.write();
  await app?.close();
  await stack?.stop();
  await env?.teardown();
});

// ---- What is stored, and what a refusal must say -------------------------------------------------

/** Everything a form, topic or suggestion post could change. */
async function storedState() {
  const [answers, topics, suggestions, actionItems] = await Promise.all([
    stack.db.answer.findMany({ orderBy: { id: 'asc' }, select: { id: true, payload: true } }),
    stack.db.topic.count(),
    stack.db.questionSuggestion.count(),
    stack.db.actionItem.findMany({ orderBy: { id: 'asc' }, select: { id: true, text: true, done: true } }),
  ]);
  return { answers, topics, suggestions, actionItems };
}

/** What each refusal's page must say, so that the person knows what to fix. */
const PROBLEM_WORDING: Record<number, RegExp> = {
  400: /could not be read/,
  403: /must be sent from its own page/,
  404: /This link does not work/,
  409: /This form is closed|Not added|The agenda is full/,
  413: /Too much text/,
  415: /sent as a web form/,
  422: /class="error"|class="errors"|Please write your suggestion/,
};

interface Answer {
  status: number;
  body: string;
}

/** Posts, and checks the answer: never a 5xx; a refusal stores nothing and names the problem. */
async function postAndCheck(target: string, post: () => Promise<Answer>): Promise<Answer> {
  const before = await storedState();
  const answer = await post();
  tally.recordStatus(target, answer.status);
  expect(answer.status).toBeLessThan(500);
  if (answer.status >= 400) {
    expect(await storedState()).toEqual(before);
    expect({ status: answer.status, explained: PROBLEM_WORDING[answer.status]?.test(answer.body) ?? false }).toEqual({
      status: answer.status,
      explained: true,
    });
  }
  return answer;
}

function localUrl(link: string): string {
  return link.replace(PUBLIC_BASE_URL, web.address);
}

async function postRaw(link: string, body: string | undefined, contentType: string | undefined): Promise<Answer> {
  const headers: Record<string, string> = { origin: ORIGIN };
  if (contentType !== undefined) headers['content-type'] = contentType;
  const response = await fetch(localUrl(link), { method: 'POST', headers, body, redirect: 'manual' });
  return { status: response.status, body: await response.text() };
}

// ---- Arbitraries -----------------------------------------------------------------------------------

const VALID_REFLECTION: Record<string, string> = {
  'q.topics': 'Moving teams',
  'q.wins': '',
  'q.blockers': 'CI',
  'q.energy': '4',
  'q.growth': '',
  'private.growth': 'on',
};
const KNOWN_NAMES = [
  ...Object.keys(VALID_REFLECTION),
  'q.',
  'private.',
  'private.topics',
  'done',
  'ai.text.0',
  'ai.owner.0',
  'ai.text.9',
  'q.__proto__',
  '__proto__',
  'constructor',
  'suggestion',
  'text',
];

/** Long enough to pass the 64 KiB body limit some of the time. */
const hugeText = fc
  .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }), fc.integer({ min: 1_000, max: 80_000 }))
  .map(([piece, length]) => piece.repeat(Math.ceil(length / piece.length)));

const fieldText = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 60 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '1',
      '3',
      '5',
      '0',
      '6',
      '4.5',
      'yes',
      'no',
      'on',
      '<script>alert(1)</script>',
      '\r\n',
      '\u0000',
      '%00',
      '\u202e',
      '山田',
      'x'.repeat(2_001),
    ),
  },
  { weight: 1, arbitrary: hugeText },
);
const fieldValue = fc.oneof({ weight: 4, arbitrary: fieldText }, { weight: 1, arbitrary: fc.array(fieldText, { minLength: 2, maxLength: 3 }) });
const fieldName = fc.oneof(
  fc.constantFrom(...KNOWN_NAMES),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }),
);

type Fields = Record<string, string | string[]>;

/** A valid answer with some fields dropped, replaced or added: close enough to be checked field by field. */
const mutatedAnswer: fc.Arbitrary<Fields> = fc
  .tuple(
    fc.subarray(Object.keys(VALID_REFLECTION)),
    fc.dictionary(fc.constantFrom(...KNOWN_NAMES), fieldValue, { maxKeys: 3 }),
    fc.dictionary(fieldName, fieldValue, { maxKeys: 2 }),
  )
  .map(([kept, replaced, added]) => ({ ...Object.fromEntries(kept.map((name) => [name, VALID_REFLECTION[name]])), ...replaced, ...added }));
const anyFields: fc.Arbitrary<Fields> = fc.oneof(mutatedAnswer, fc.dictionary(fieldName, fieldValue, { maxKeys: 8 }));

/** Bodies of any kind under any content type: JSON with nested values, garbage, nothing. */
const CONTENT_TYPES = [
  'application/x-www-form-urlencoded',
  'application/json',
  'text/plain',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'application/x-www-form-urlencoded; charset=utf-16',
  undefined,
];
const rawBody = fc.record({
  contentType: fc.constantFrom(...CONTENT_TYPES),
  body: fc.oneof(
    fc.json(),
    fc.dictionary(fc.constantFrom(...KNOWN_NAMES), fc.jsonValue(), { minKeys: 1, maxKeys: 4 }).map((value) => JSON.stringify(value)),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.constant(undefined),
  ),
});

/** A token as it stands in a URL path: escaped garbage, the right shape, or escapes the router cannot decode. */
const tokenInPath = fc.oneof(
  fc
    .string({ unit: 'binary', minLength: 1, maxLength: 60 })
    .filter((token) => token !== '.' && token !== '..')
    .map(encodeURIComponent),
  fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
  fc.constantFrom('%E0%A4%A', '%ZZ', '%', '%00', '%2F..%2F', '%C0%AF', 'a'.repeat(10_000)),
);

// ---- Properties ----------------------------------------------------------------------------------

function urlencoded(fields: Fields): string {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
  return body.toString();
}

it('answers any set of fields posted to a form with a clear page, storing only what it accepts', async () => {
  await fc.assert(
    fc.asyncProperty(anyFields, async (fields) => {
      const answer = await postAndCheck('POST /forms/:token (fields)', () =>
        postRaw(pair.reflectionLink, urlencoded(fields), 'application/x-www-form-urlencoded'),
      );
      if (answer.status === 200) expect(answer.body).toContain('Saved, thank you');
    }),
    { numRuns: 300 },
  );
});

it('answers bodies of the wrong type or shape with a clear page and stores nothing', async () => {
  await fc.assert(
    fc.asyncProperty(rawBody, async ({ contentType, body }) => {
      await postAndCheck('POST /forms/:token (any body)', () => postRaw(pair.reflectionLink, body, contentType));
    }),
    { numRuns: 200 },
  );
});

it('answers any topic post with a clear page, storing only what it accepts', async () => {
  const topicFields = fc.oneof(
    fieldText.map((text) => ({ text })),
    fc.dictionary(fieldName, fieldValue, { maxKeys: 3 }),
  );
  await fc.assert(
    fc.asyncProperty(topicFields, async (fields) => {
      await postAndCheck('POST /pairs/:token/topic', () => postRaw(pair.reportTopicLink, urlencoded(fields), 'application/x-www-form-urlencoded'));
    }),
    { numRuns: 150 },
  );
});

it('answers any question suggestion with a clear page, storing only what it accepts', async () => {
  const suggestionFields = fc.oneof(
    fieldText.map((suggestion) => ({ suggestion })),
    fc.dictionary(fieldName, fieldValue, { maxKeys: 3 }),
  );
  await fc.assert(
    fc.asyncProperty(suggestionFields, rawBody, fc.boolean(), async (fields, raw, asForm) => {
      const post = asForm
        ? () => postRaw(`${pair.reflectionLink}/suggestion`, urlencoded(fields), 'application/x-www-form-urlencoded')
        : () => postRaw(`${pair.reflectionLink}/suggestion`, raw.body, raw.contentType);
      await postAndCheck('POST /forms/:token/suggestion', post);
    }),
    { numRuns: 150 },
  );
});

it('answers any token in a link with the same "link does not work" page', async () => {
  const ROUTES = ['/forms/%s', '/forms/%s/suggestion', '/pairs/%s/topic', '/pairs/%s/record'];
  const invalid = await web.get(`${PUBLIC_BASE_URL}/forms/${'a'.repeat(43)}`);
  await fc.assert(
    fc.asyncProperty(tokenInPath, fc.constantFrom(...ROUTES), fc.constantFrom('GET', 'POST'), async (token, route, method) => {
      const url = `${web.address}${route.replace('%s', token)}`;
      const before = await storedState();
      const response = await fetch(url, {
        method,
        headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
        body: method === 'POST' ? urlencoded(VALID_REFLECTION) : undefined,
      });
      tally.recordStatus(`${method} token routes`, response.status);
      const body = await response.text();
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
      // No route matches GET …/suggestion: "Page not found".
      expect({ status: response.status, says: /This link does not work|Page not found/.test(body) }).toEqual({ status: 404, says: true });
      if (body.includes('This link does not work')) expect(body).toBe(invalid.body);
      expect(await storedState()).toEqual(before);
    }),
    { numRuns: 200 },
  );
});

it('answers any follow-up form post, with action items and items marked done, storing only what it accepts', async () => {
  await advanceTo(env, pair.stageAt('followUp') + 1_000);
  const [followUp] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pair.pairId, 1, 'followUpManager', 'manager')));
  const followUpLink = linksIn(followUp.text, PUBLIC_BASE_URL).find((link) => link.includes('/forms/'))!;
  const FOLLOW_UP_NAMES = ['q.held', 'q.notes', 'done', ...[0, 1, 4, 5].flatMap((row) => [`ai.text.${row}`, `ai.owner.${row}`])];
  const followUpValue = fc.oneof(fieldValue, fc.constantFrom('yes', 'no', 'report', 'manager', 'Write the RFC', `${pair.pairId}:1`));
  const knownOnly = fc
    .tuple(fc.constantFrom('yes', 'no'), fc.dictionary(fc.constantFrom(...FOLLOW_UP_NAMES), followUpValue, { maxKeys: 6 }))
    .map(([held, rest]) => ({ 'q.held': held, ...rest }));
  const followUpFields = fc.oneof(knownOnly, fc.dictionary(fc.oneof(fc.constantFrom(...FOLLOW_UP_NAMES), fieldName), followUpValue, { maxKeys: 8 }));
  await fc.assert(
    fc.asyncProperty(followUpFields, async (fields) => {
      await postAndCheck('POST /forms/:token (follow-up)', () => postRaw(followUpLink, urlencoded(fields), 'application/x-www-form-urlencoded'));
    }),
    { numRuns: 200 },
  );
});
