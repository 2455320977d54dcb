// Property tests of the admin API and the CSV import against the real web service, worker,
// Temporal (time-skipping) and SQLite: arbitrary bodies never get a 5xx, a refusal lists its
// problems and stores nothing, and what is accepted still shows on the admin pages.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import { importPairs, parsePairCsv, PAIR_COLUMNS } from '../pairs/pair-import';
import { InvalidPairError, PairExistsError, pairHandle, type NewPair } from '../pairs/registration';
import { DEFAULT_QUESTION_SET } from '../question-sets/default-question-set';
import { requestProblem } from '../workflows/problem-list';
import { ADMIN_ORIGIN, startAdminServer, type AdminServer, type ApiAnswer } from './support/admin-server';
import { createInputTally } from '../harness/input-tally';
import { mutated, mutatedStages, PAIR_PATHS, QUESTION_FIELDS } from './support/json-mutation';
import { waitForStatus } from './support/pair-driver';
import { startRapportStack, type RapportStack } from '../harness/rapport-stack';
import { createTimeSkippingEnv } from '../harness/temporal-env';

const tally = createInputTally('admin');
let env: TestWorkflowEnvironment;
let stack: RapportStack;
let admin: AdminServer;
let pairId: string;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  stack = await startRapportStack(env);
  admin = await startAdminServer(env, stack);
  const created = await admin.api('POST', '/admin/api/pairs', validPair('target'));
  pairId = created.json.pairId;
  await waitForStatus(pairHandle(env.client, pairId), (status) => status.cycle === 1);
});

afterAll(async () => {
  tally.write();
  await admin?.close();
  await stack?.stop();
  await env?.teardown();
});

// ---- What is stored, and what a refusal must carry ----------------------------------------------

async function storedState() {
  const [pairs, target, questionSets, bankQuestions] = await Promise.all([
    stack.db.pair.count(),
    stack.db.pair.findUniqueOrThrow({ where: { id: pairId } }),
    stack.db.questionSet.count(),
    stack.db.bankQuestion.count(),
  ]);
  return { pairs, target, questionSets, bankQuestions };
}

function expectProblems(answer: ApiAnswer): void {
  const problems: unknown = answer.json?.problems;
  expect({ status: answer.status, problems }).toEqual({ status: answer.status, problems: expect.arrayContaining([expect.any(String)]) });
  expect((problems as string[]).every((problem) => typeof problem === 'string' && problem.trim() !== '')).toBe(true);
}

/** Sends, then checks: never a 5xx; a refusal lists its problems and changes nothing. */
async function sendAndCheck(target: string, send: () => Promise<ApiAnswer>): Promise<ApiAnswer> {
  const before = await storedState();
  const answer = await send();
  tally.recordStatus(target, answer.status);
  expect(answer.status).toBeLessThan(500);
  if (answer.status >= 400) {
    expectProblems(answer);
    expect(await storedState()).toEqual(before);
  }
  return answer;
}

/**
 * A request on a connection of its own, closed after the answer: the server answers an oversized
 * body before reading all of it, and a kept-alive connection with the rest unsent would hold up
 * closing the server for its keep-alive timeout.
 */
function raw(method: string, path: string, body: string | undefined, contentType: string | undefined): Promise<ApiAnswer> {
  const headers: Record<string, string> = { origin: ADMIN_ORIGIN, cookie: admin.cookie, connection: 'close' };
  if (contentType !== undefined) headers['content-type'] = contentType;
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${admin.base}${path}`, { method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, json: parsedJson(Buffer.concat(chunks).toString('utf8')) }));
      response.on('error', reject);
    });
    // The server may close the connection before the whole body is sent; its answer still counts.
    request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    request.end(body);
  });
}

function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text; // Not JSON: expectProblems reports it.
  }
}

const endPair = (id: string) => admin.api('POST', `/admin/api/pairs/${id}/end`, {});

// ---- Arbitraries -----------------------------------------------------------------------------------

let people = 0;
function validPair(tag: string) {
  people += 1;
  return {
    manager: { name: 'Maya Manager', email: `maya.${tag}.${people}@example.com` },
    report: { name: 'Ravi Report', email: `ravi.${tag}.${people}@example.com` },
    settings: { cadence: { kind: 'weekly', everyWeeks: 1, weekday: 4 }, meetingTime: '10:00', timeZone: 'Europe/Berlin' },
  };
}

const SCHEDULE_PATHS = [
  ['cadence'],
  ['cadence', 'kind'],
  ['cadence', 'everyWeeks'],
  ['cadence', 'weekday'],
  ['cadence', 'ordinal'],
  ['meetingTime'],
  ['timeZone'],
  ['durationMinutes'],
  ['offsets'],
  ['offsets', 'reflectionBefore'],
  ['offsets', 'agendaBefore'],
  ['feedbackEveryCycles'],
  ['skipNudgeAfter'],
  ['extra'],
];
const BANK_PATHS = [['question'], ['stage'], ...QUESTION_FIELDS.map((name) => ['question', name]), ['extra']];
let bankQuestions = 0;
const validBankQuestion = () => {
  bankQuestions += 1;
  return {
    question: {
      id: `fuzz${bankQuestions}`,
      text: `Fuzzed question number ${bankQuestions}?`,
      type: 'scale',
      required: false,
      scaleLabels: { low: 'low', high: 'high' },
    },
    stage: 'reflection',
  };
};

const anyJsonBody = fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.jsonValue() });

// ---- Properties ----------------------------------------------------------------------------------

it('creates a pair only from a valid body, refusing anything else with its problems', async () => {
  const body = fc.oneof({ weight: 4, arbitrary: mutated(() => validPair('fuzz'), PAIR_PATHS) }, { weight: 1, arbitrary: fc.jsonValue() });
  await fc.assert(
    fc.asyncProperty(body, async (pair) => {
      const answer = await sendAndCheck('POST /admin/api/pairs', () => admin.api('POST', '/admin/api/pairs', pair));
      if (answer.status === 201) await endPair(answer.json.pairId);
    }),
    { numRuns: 200 },
  );
});

it('changes a schedule only from a valid change, refusing anything else with its problems', async () => {
  const change = fc.oneof({ weight: 4, arbitrary: mutated(() => ({}), SCHEDULE_PATHS) }, { weight: 1, arbitrary: fc.jsonValue() });
  await fc.assert(
    fc.asyncProperty(change, async (body) => {
      const answer = await sendAndCheck('PATCH /admin/api/pairs/:id/schedule', () => admin.api('PATCH', `/admin/api/pairs/${pairId}/schedule`, body));
      // An accepted change is written by the workflow's activity: let it land before the next run compares.
      if (answer.status < 400) await waitForStatus(pairHandle(env.client, pairId), () => true);
    }),
    { numRuns: 150 },
  );
});

it('saves a question set only when it is valid, and a saved one still shows on the pair’s page', async () => {
  const body = fc.oneof({ weight: 4, arbitrary: mutatedStages(['stages']) }, { weight: 1, arbitrary: anyJsonBody });
  await fc.assert(
    fc.asyncProperty(body, async (questionSet) => {
      const answer = await sendAndCheck('PUT /admin/api/pairs/:id/question-set', () =>
        admin.api('PUT', `/admin/api/pairs/${pairId}/question-set`, questionSet),
      );
      if (answer.status < 400) {
        const page = await fetch(`${admin.base}/admin/pairs/${pairId}`, { headers: { cookie: admin.cookie } });
        expect({ status: page.status, shown: (await page.text()).includes('</html>') }).toEqual({ status: 200, shown: true });
      }
    }),
    { numRuns: 200 },
  );
  await admin.api('PUT', `/admin/api/pairs/${pairId}/question-set`, { stages: DEFAULT_QUESTION_SET });
});

it('adds a bank question only when it is valid, and a saved one still shows on the bank page', async () => {
  const body = fc.oneof({ weight: 4, arbitrary: mutated(validBankQuestion, BANK_PATHS) }, { weight: 1, arbitrary: anyJsonBody });
  await fc.assert(
    fc.asyncProperty(body, async (question) => {
      const answer = await sendAndCheck('POST /admin/api/question-bank', () => admin.api('POST', '/admin/api/question-bank', question));
      if (answer.status < 400) {
        const page = await fetch(`${admin.base}/admin/question-bank`, { headers: { cookie: admin.cookie } });
        expect({ status: page.status, shown: (await page.text()).includes('</html>') }).toEqual({ status: 200, shown: true });
      }
    }),
    { numRuns: 150 },
  );
});

it('answers bodies of any type, size or syntax with problems and changes nothing', async () => {
  const ROUTES: [string, string][] = [
    ['POST', '/admin/api/pairs'],
    ['PATCH', '/admin/api/pairs/%id/schedule'],
    ['PUT', '/admin/api/pairs/%id/question-set'],
    ['POST', '/admin/api/question-bank'],
    ['POST', '/admin/api/pairs/import'],
    ['POST', '/admin/api/pairs/%id/reschedule'],
    ['POST', '/admin/api/pairs/%id/question-set/rollback'],
  ];
  const CONTENT_TYPES = ['application/json', 'text/csv', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', undefined];
  const hugeJson = fc.integer({ min: 65_000, max: 200_000 }).map((size) => JSON.stringify({ ...validPair('huge'), padding: 'x'.repeat(size) }));
  const body = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.json(),
    fc.constantFrom('{', '{"__proto__": {"x": 1}}', '{"constructor": {"prototype": {"x": 1}}}', '[]', 'null', '', '\u0000'),
    hugeJson,
  );
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...ROUTES), fc.constantFrom(...CONTENT_TYPES), body, async ([method, route], contentType, text) => {
      const path = route.replace('%id', pairId);
      await sendAndCheck(`${method} ${route.replace('%id', ':id')} (any body)`, () => raw(method, path, text, contentType));
    }),
    { numRuns: 200 },
  );
});

it('quotes values that cannot be turned into text in its problems instead of failing', async () => {
  const unprintable = { toString: 1 };
  const pair = validPair('unprintable');
  const cases: [string, string, unknown, string][] = [
    [
      'POST',
      '/admin/api/pairs',
      { ...pair, settings: { ...pair.settings, timeZone: unprintable } },
      'Time zone not recognised: {"toString":1} — use a name like Europe/Lisbon',
    ],
    ['POST', '/admin/api/pairs', { ...pair, manager: { name: 'Maya', email: unprintable } }, 'This is not an email address: {"toString":1}'],
    [
      'POST',
      '/admin/api/pairs',
      { ...pair, settings: { ...pair.settings, durationMinutes: unprintable } },
      'Meeting length must be a whole number of minutes from 5 to 480',
    ],
    ['PATCH', '/admin/api/pairs/%id/schedule', { durationMinutes: unprintable }, 'Meeting length must be a whole number of minutes from 5 to 480'],
    ['PATCH', '/admin/api/pairs/%id/schedule', { timeZone: unprintable }, 'Time zone not recognised: {"toString":1} — use a name like Europe/Lisbon'],
    [
      'POST',
      '/admin/api/question-bank',
      { question: { ...validBankQuestion().question, type: unprintable } },
      'Bank question: unknown type "{"toString":1}": use text, scale, yesNo, choice or actionItems',
    ],
    [
      'POST',
      '/admin/api/question-bank',
      { question: validBankQuestion().question, stage: unprintable },
      'Unknown stage "{"toString":1}": choose one of reflection, managerPrep, followUp, feedback',
    ],
  ];
  for (const [method, path, body, problem] of cases) {
    const answer = await sendAndCheck(`${method} ${path.replace('%id', ':id')} (unprintable values)`, () =>
      admin.api(method, path.replace('%id', pairId), body),
    );
    expect({ path, status: answer.status, problems: answer.json.problems }).toEqual({ path, status: 422, problems: expect.arrayContaining([problem]) });
  }
});

/** Words a person does not know: field paths ("manager.name") and setting names in camelCase ("timeZone"). */
const DEVELOPER_WORDS = /\b(manager|report|cadence|offsets|settings)\.[a-z]|\b[a-z]+[A-Z][a-z]+[A-Za-z]*\b/;

it('words the problems of each main field of a pair as a person says them, naming the field', async () => {
  const pair = validPair('words');
  const settings = (change: Record<string, unknown>) => ({ ...pair, settings: { ...pair.settings, ...change } });
  const cases: [string, unknown, string[]][] = [
    ['no manager name', { ...pair, manager: { ...pair.manager, name: '  ' } }, ['Manager name is required']],
    ['a long report name', { ...pair, report: { ...pair.report, name: 'R'.repeat(201) } }, ['Report name is too long: at most 200 characters']],
    ['no email', { ...pair, report: { ...pair.report, email: '' } }, ['Report email is required']],
    ['a bad email', { ...pair, manager: { ...pair.manager, email: 'not-an-email' } }, ['This is not an email address: not-an-email']],
    [
      'the same person twice',
      { ...pair, report: { ...pair.report, email: pair.manager.email } },
      ['The manager and the report must be two people: their email addresses are the same'],
    ],
    ['a bad time', settings({ meetingTime: '9.30am' }), ['Meeting time must be a time like 09:30, on a 24-hour clock']],
    ['a misspelt zone', settings({ timeZone: 'Europe/Lisbn' }), ['Time zone not recognised: Europe/Lisbn — use a name like Europe/Lisbon']],
    ['no cadence', settings({ cadence: null }), ['Cadence is required']],
    ['a weekday 8', settings({ cadence: { kind: 'weekly', everyWeeks: 1, weekday: 8 } }), ['Weekday must be a day from Monday (1) to Sunday (7)']],
    ['every 0 weeks', settings({ cadence: { kind: 'weekly', everyWeeks: 0, weekday: 1 } }), ['Weeks between meetings must be a whole number from 1 to 52']],
    ['a long meeting', settings({ durationMinutes: 600 }), ['Meeting length must be a whole number of minutes from 5 to 480']],
    ['feedback every 0', settings({ feedbackEveryCycles: 0 }), ['Feedback every N meetings: N must be a whole number from 1 to 52']],
    ['a long format note', { ...pair, formatNote: 'x'.repeat(201) }, ['Format or place is too long: at most 200 characters']],
  ];
  for (const [why, body, problems] of cases) {
    const answer = await sendAndCheck('POST /admin/api/pairs (plain words)', () => admin.api('POST', '/admin/api/pairs', body));
    expect({ why, status: answer.status, problems: answer.json.problems }).toEqual({ why, status: 422, problems });
    for (const sentence of problems) expect({ why, developerWords: DEVELOPER_WORDS.test(sentence) }).toEqual({ why, developerWords: false });
  }
});

it('words a refused schedule change as a person says it', async () => {
  const cases: [unknown, string][] = [
    [{ meetingTime: '25:00' }, 'Meeting time must be a time like 09:30, on a 24-hour clock'],
    [
      { cadence: { kind: 'monthly', ordinal: 5, weekday: 1 } },
      'Weekday of the month must be the first, second, third, fourth or last (1, 2, 3, 4 or -1): a fifth does not occur every month',
    ],
    [{ skipNudgeAfter: 0 }, 'Skips before a nudge must be a whole number from 1 to 52'],
    [{ workingDays: [] }, 'Working days must be one to seven days from Monday (1) to Sunday (7)'],
    [{ calendarInvites: 'yes' }, 'Calendar invites must be on or off (true or false)'],
  ];
  for (const [body, problem] of cases) {
    const answer = await sendAndCheck('PATCH /admin/api/pairs/:id/schedule (plain words)', () =>
      admin.api('PATCH', `/admin/api/pairs/${pairId}/schedule`, body),
    );
    expect({ body, status: answer.status, problems: answer.json.problems }).toEqual({ body, status: 422, problems: [problem] });
  }
});

it('refuses options and scale labels that a page could not show', async () => {
  const SCALE_LABELS_PROBLEM = 'Reflection question 6: the labels of the scale’s two ends (low and high) must be text of 1 to 100 characters each';
  const reflection = DEFAULT_QUESTION_SET.reflection;
  const withQuestion = (question: Record<string, unknown>) => ({
    stages: { ...DEFAULT_QUESTION_SET, reflection: [...reflection, { id: 'extra', text: 'Extra?', required: false, ...question }] },
  });
  const cases: [Record<string, unknown>, string][] = [
    [{ type: 'text', options: '' }, 'Reflection question 6: only a choice question has options'],
    [{ type: 'scale', scaleLabels: 5 }, SCALE_LABELS_PROBLEM],
    [{ type: 'scale', scaleLabels: { low: { toString: 1 }, high: 'x' } }, SCALE_LABELS_PROBLEM],
    [{ type: 'text', scaleLabels: { low: 'a', high: 'b' } }, 'Reflection question 6: only a scale question has labels for its two ends'],
  ];
  for (const [question, problem] of cases) {
    const answer = await sendAndCheck('PUT /admin/api/pairs/:id/question-set (unshowable fields)', () =>
      admin.api('PUT', `/admin/api/pairs/${pairId}/question-set`, withQuestion(question)),
    );
    expect({ question, status: answer.status, problems: answer.json.problems }).toEqual({ question, status: 422, problems: [problem] });
  }
});

it('refuses a JSON body over the limit with 413 before any handler runs', async () => {
  const before = await storedState();
  // Valid apart from its size: a handler would have created the pair.
  const answer = await raw('POST', '/admin/api/pairs', JSON.stringify({ ...validPair('oversized'), padding: 'x'.repeat(70_000) }), 'application/json');
  expect(answer.status).toBe(413);
  expectProblems(answer);
  expect(await storedState()).toEqual(before);
});

// ---- CSV import ----------------------------------------------------------------------------------

const plainCell = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'Maya Manager',
      'MANAGER_EMAIL',
      'REPORT_EMAIL',
      'weekly',
      'monthly',
      'every 2 weeks',
      'thursday',
      '4',
      'last',
      '10:00',
      '9:30',
      'Europe/Berlin',
      'Mars/Olympus',
      '45',
      '48',
      '1.5',
      '',
      ' ',
      'Émile 山田',
      '<b>x</b>',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }).map((text) => text.replace(/[",\r\n]/g, '')) },
);
const csvCell = fc.oneof(
  { weight: 6, arbitrary: plainCell },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }).map((text) => `"${text.replace(/"/g, '""')}"`) },
);
const csvHeader = fc.oneof(
  { weight: 4, arbitrary: fc.constant<string[]>(PAIR_COLUMNS.slice(0, 9)) },
  { weight: 1, arbitrary: fc.shuffledSubarray<string>([...PAIR_COLUMNS, 'salary', ''], { minLength: 1 }) },
);
const VALID_CELLS: Record<string, string> = {
  manager_name: 'Maya Manager',
  manager_email: 'MANAGER_EMAIL',
  report_name: 'Ravi Report',
  report_email: 'REPORT_EMAIL',
  cadence: 'weekly',
  weekday: 'thursday',
  meeting_time: '10:00',
  time_zone: 'Europe/Berlin',
  duration_minutes: '45',
  format_note: 'Walk and talk',
  feedback_every: '4',
  skip_nudge_after: '3',
};
/** A valid row for the header with a few cells replaced, or cells of any count. */
const csvRows = (header: string[]) => {
  const mutatedRow = fc.array(fc.tuple(fc.nat({ max: header.length - 1 }), csvCell), { maxLength: 2 }).map((changes) =>
    changes.reduce(
      (row, [index, cell]) => row.map((value, i) => (i === index ? cell : value)),
      header.map((column) => VALID_CELLS[column] ?? ''),
    ),
  );
  return fc.array(fc.oneof({ weight: 5, arbitrary: mutatedRow }, { weight: 1, arbitrary: fc.array(csvCell, { maxLength: header.length + 2 }) }), {
    maxLength: 6,
  });
};
/** CSV close enough to a real file to reach the row checks, or anything at all. */
const csvText = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        csvHeader.chain((header) => fc.tuple(fc.constant(header), csvRows(header))),
        fc.constantFrom('\n', '\r\n', '\r'),
      )
      .map(([[header, rows], newline]) => [header.join(','), ...rows.map((row) => row.join(','))].join(newline)),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
);

let csvPeople = 0;
/** Fresh addresses each time, so that valid rows create pairs instead of meeting earlier ones. */
function withFreshEmails(text: string): string {
  return text.replace(/MANAGER_EMAIL|REPORT_EMAIL/g, (placeholder) => {
    csvPeople += 1;
    return `${placeholder === 'MANAGER_EMAIL' ? 'm' : 'r'}${csvPeople}.csv@example.com`;
  });
}

interface ImportAnswer {
  created: { line: number; pairId: string }[];
  refused: { line: number; who?: string; reasons: string[] }[];
  fileProblems: string[];
}

/** One count per file (refused as a whole or not) and one per row. */
function tallyImport(target: string, report: ImportAnswer): void {
  tally.record(`${target}: files`, report.fileProblems.length > 0 ? 'rejected' : 'accepted');
  for (let i = 0; i < report.created.length; i += 1) tally.record(`${target}: rows`, 'accepted');
  for (let i = 0; i < report.refused.length; i += 1) tally.record(`${target}: rows`, 'rejected');
}

function expectReportAddsUp(text: string, report: ImportAnswer): void {
  const nonEmpty = (list: unknown[]) => list.every((entry) => typeof entry === 'string' && entry.trim() !== '');
  expect(nonEmpty(report.fileProblems)).toBe(true);
  for (const refusal of report.refused)
    expect({ line: refusal.line, explained: refusal.reasons.length > 0 && nonEmpty(refusal.reasons) }).toEqual({ line: refusal.line, explained: true });
  // One problem a line: nothing the report says breaks a line of the page or of the CLI's output.
  const lineBreak = /[\r\n\u2028\u2029]/;
  for (const { line, who, reasons } of report.refused) {
    expect({ line, broken: [...reasons, who ?? ''].some((text) => lineBreak.test(text)), who: who === undefined || who.trim() !== '' }).toEqual({
      line,
      broken: false,
      who: true,
    });
  }
  expect(report.fileProblems.some((problem) => lineBreak.test(problem))).toBe(false);
  if (report.fileProblems.length > 0) {
    expect([report.created, report.refused]).toEqual([[], []]);
    return;
  }
  const lines = [...report.created, ...report.refused].map((entry) => entry.line).sort((a, b) => a - b);
  expect(lines).toEqual(parsePairCsv(text).rows.map((row) => row.line));
}

it('names the people of each refused row over HTTP, one problem a line, in plain words', async () => {
  const text = [
    PAIR_COLUMNS.slice(0, 9).join(','),
    'Ana Costa,ana.words@example.com,Bo Li,bo@,weekly,monday,,10:00,Europe/Lisbon',
    'Cy Dee,cy.words@example.com,Di Eve,di.words@example.com,weekly,funday,,9.30,Europe/Lisbn',
  ].join('\n');
  const answer = await raw('POST', '/admin/api/pairs/import', text, 'text/csv');
  expect({ status: answer.status, report: answer.json }).toEqual({
    status: 200,
    report: {
      created: [],
      refused: [
        { line: 2, who: 'Ana Costa and Bo Li', reasons: ['This is not an email address: bo@'] },
        {
          line: 3,
          who: 'Cy Dee and Di Eve',
          reasons: [
            'Weekday not recognised: funday — write a day from Monday to Sunday, or 1 to 7',
            'Meeting time must be a time like 09:30, on a 24-hour clock',
            'Time zone not recognised: Europe/Lisbn — use a name like Europe/Lisbon',
          ],
        },
      ],
      fileProblems: [],
    },
  });
});

it('imports CSV of any shape over HTTP with a report that adds up, creating only the rows it reports', async () => {
  await fc.assert(
    fc.asyncProperty(csvText, async (template) => {
      const text = withFreshEmails(template);
      const before = await storedState();
      const answer = await raw('POST', '/admin/api/pairs/import', text, 'text/csv');
      tally.recordStatus('POST /admin/api/pairs/import (CSV)', answer.status);
      expect(answer.status).toBeLessThan(500);
      const report = answer.json as ImportAnswer;
      tallyImport('POST /admin/api/pairs/import (CSV)', report);
      expectReportAddsUp(text, report);
      expect(answer.status).toBe(report.fileProblems.length > 0 ? 422 : 200);
      if (answer.status === 422) expectProblems(answer);
      expect((await storedState()).pairs).toBe(before.pairs + report.created.length);
      for (const { pairId: created } of report.created) await endPair(created);
    }),
    { numRuns: 150 },
  );
});

it('never throws from importPairs, gives every refused row a reason, and accounts for every row', async () => {
  const failures = fc.array(fc.constantFrom('ok', 'exists', 'invalid', 'error'), { minLength: 1, maxLength: 8 });
  await fc.assert(
    fc.asyncProperty(csvText, failures, async (template, outcomes) => {
      const text = withFreshEmails(template);
      let calls = 0;
      let succeeded = 0;
      const createPair = async (_pair: NewPair) => {
        const outcome = outcomes[calls % outcomes.length];
        calls += 1;
        if (outcome === 'exists') throw new PairExistsError('existing');
        if (outcome === 'invalid') throw new InvalidPairError([requestProblem('refused by the stand-in')]);
        if (outcome === 'error') throw new Error('database is locked');
        succeeded += 1;
        return { pairId: `pair-${calls}` };
      };
      const report = await importPairs(text, createPair);
      tallyImport('importPairs (service)', report);
      expectReportAddsUp(text, report);
      expect(report.created).toHaveLength(succeeded);
      if (report.fileProblems.length > 0) expect(calls).toBe(0);
    }),
    { numRuns: 1_000 },
  );
});
