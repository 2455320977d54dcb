// "This 1:1" (/pairs/:token/meeting), from the link in every email, against the real worker,
// Temporal (time-skipping), SMTP and SQLite: the next meeting in the pair's time zone; a skip by the
// report with a reason (the meeting skipped, counted, applied once for a double post); a move
// within the workflow's rules and its refusals; a pause for an absence; every bad input with its
// message and nothing stored; the mail-scanner rule (GET changes nothing); cross-site posts refused;
// and the notice to the other person, sent by the activity directly.
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { DateTime } from 'luxon';
import { createChangeNoticeActivities } from '../activities/change-notices';
import { PUBLIC_BASE_URL, SAMPLE_PAIR, type RapportStack } from '../harness/rapport-stack';
import { openPairLink } from '../pairs/links';
import { formatLocal } from '../pairs/local-time';
import { awayUntilOf, newMeetingTimeOf, skipReasonOf } from '../pairs/pair-self-service';
import { registerPair } from '../pairs/registration';
import { buildWebServer } from '../server/web-server';
import { refusalForPerson } from '../web/meeting-page';
import { pairAtReflection, type PairAtReflection } from './support/pair-at-reflection';
import { waitForStatus } from './support/pair-driver';
import { linksIn, webClient, type WebClient } from './support/web-client';
import { startWebTestStack, stopWebTestStack } from './support/web-test-stack';

const ZONE = 'Europe/Berlin';
const DAY = 24 * 60 * 60 * 1000;

let env: TestWorkflowEnvironment;
let stack: RapportStack;
let app: FastifyInstance;
let web: WebClient;
let people = 0;

beforeAll(async () => {
  ({ env, stack, app, web } = await startWebTestStack());
});

afterAll(() => stopWebTestStack({ env, stack, app }));

/** A new pair (Remy the report, Mona the manager) at its first reflection stage, with both people's links. */
async function newPair(): Promise<PairAtReflection & { report: string; manager: string; meetingAt: number }> {
  people += 1;
  const report = `remy${people}@example.com`;
  const manager = `mona${people}@example.com`;
  const pair = await pairAtReflection(env, stack, { manager: { name: 'Mona Manager', email: manager }, report: { name: 'Remy Report', email: report } });
  const status = await waitForStatus(pair.handle, (s) => s.cycle === 1 && s.meetingAt !== null);
  return { ...pair, report, manager, meetingAt: Date.parse(status.meetingAt!) };
}

const hidden = (body: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(body)?.[1] ?? '';

/** The page's hidden fields, as a person's browser sends them back. */
async function formOf(meetingLink: string): Promise<{ submission: string; meeting: string }> {
  const page = await web.get(meetingLink);
  expect(page.status).toBe(200);
  return { submission: hidden(page.body, 'submission'), meeting: hidden(page.body, 'meeting') };
}

/** What a change would leave behind, to compare before and after one that must store nothing. */
async function storedState(pairId: string) {
  const [pair, notes, events, cycles, emails] = await Promise.all([
    stack.db.pair.findUniqueOrThrow({ where: { id: pairId }, select: { state: true, stateRevision: true, status: true } }),
    stack.db.pairNote.count({ where: { pairId } }),
    stack.db.pairEvent.findMany({ where: { pairId }, select: { kind: true, detail: true } }),
    stack.db.cycle.findMany({ where: { pairId }, select: { number: true, status: true, skipReason: true, meetingAt: true } }),
    stack.db.outboxEmail.count({ where: { pairId } }),
  ]);
  return { pair, notes, events, cycles, emails };
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`never happened; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const localDate = (instant: number) => DateTime.fromMillis(instant, { zone: ZONE }).toISODate()!;

describe('what a person types', () => {
  const now = Date.parse('2026-03-10T15:00:00+01:00');

  it('takes a day after today and at most a year ahead as the start of that day in the pair zone', () => {
    expect(awayUntilOf('2026-03-11', ZONE, now)).toEqual({ ok: true, value: '2026-03-11T00:00:00+01:00' });
    expect(awayUntilOf('2027-03-10', ZONE, now)).toEqual({ ok: true, value: '2027-03-10T00:00:00+01:00' });
    // Summer time: the start of the day has the summer offset.
    expect(awayUntilOf('2026-04-01', ZONE, now)).toEqual({ ok: true, value: '2026-04-01T00:00:00+02:00' });
    expect(awayUntilOf('2026-03-10', ZONE, now)).toEqual({ ok: false, problem: expect.stringContaining('Please choose a day after today') });
    expect(awayUntilOf('2026-01-01', ZONE, now)).toEqual({ ok: false, problem: expect.stringContaining('Please choose a day after today') });
    expect(awayUntilOf('2027-03-11', ZONE, now)).toEqual({ ok: false, problem: expect.stringContaining('at most a year from today') });
    expect(awayUntilOf('', ZONE, now)).toEqual({ ok: false, problem: 'Please choose the day you are back.' });
    expect(awayUntilOf('2026-02-30', ZONE, now)).toEqual({ ok: false, problem: expect.stringContaining('is not a day of the calendar') });
    expect(awayUntilOf('next week', ZONE, now)).toEqual({ ok: false, problem: expect.stringContaining('is not a day of the calendar') });
  });

  it('reads a new meeting time on the pair wall clock, a skipped hour moved on by the gap', () => {
    expect(newMeetingTimeOf({ date: '2026-03-12', time: '15:30' }, ZONE)).toEqual({ ok: true, value: '2026-03-12T15:30:00+01:00' });
    expect(newMeetingTimeOf({ date: '2026-03-29', time: '02:30' }, ZONE)).toEqual({ ok: true, value: '2026-03-29T03:30:00+02:00' });
    expect(newMeetingTimeOf({ date: '2026-03-12', time: '' }, ZONE)).toEqual({ ok: false, problem: 'Please choose the time to move the meeting to.' });
    expect(newMeetingTimeOf({ date: '', time: '10:00' }, ZONE)).toEqual({ ok: false, problem: 'Please choose the day to move the meeting to.' });
    expect(newMeetingTimeOf({ date: '2026-03-12', time: '25:00' }, ZONE)).toEqual({ ok: false, problem: expect.stringContaining('is not a time of day') });
  });

  it('takes a reason of at most 500 characters, and says how long one is', () => {
    expect(skipReasonOf('  ')).toEqual({ ok: true, value: undefined });
    expect(skipReasonOf('x'.repeat(500))).toEqual({ ok: true, value: 'x'.repeat(500) });
    expect(skipReasonOf('x'.repeat(501))).toEqual({ ok: false, problem: 'Please keep the reason to 500 characters; it has 501.' });
    // A browser sends a line break as two characters; it is counted as one.
    expect(skipReasonOf(`${'x'.repeat(250)}\r\n${'y'.repeat(249)}`)).toEqual({ ok: true, value: `${'x'.repeat(250)}\n${'y'.repeat(249)}` });
  });

  it("shows the workflow's refusal as a sentence, its instants in the pair's zone", () => {
    expect(refusalForPerson('a meeting cannot be rescheduled into the past', ZONE)).toBe('A meeting cannot be rescheduled into the past.');
    expect(refusalForPerson('a meeting cannot be rescheduled to or past the next regular meeting (2026-03-19T09:00:00.000Z)', ZONE)).toBe(
      'A meeting cannot be rescheduled to or past the next regular meeting, on Thursday 19 March 2026, 10:00 (Europe/Berlin).',
    );
  });
});

it("shows the next meeting in the pair's time zone from every email, and GET changes nothing", async () => {
  const pair = await newPair();
  for (const email of [pair.reflection, pair.prep]) {
    expect(linksIn(email.text, PUBLIC_BASE_URL).filter((link) => link.endsWith('/meeting'))).toHaveLength(1);
    expect(email.html).toMatch(/<a href="http:\/\/rapport\.test\/pairs\/[A-Za-z0-9_-]+\/meeting">This 1:1<\/a>/);
  }
  const before = await storedState(pair.pairId);
  const page = await web.get(pair.reportMeetingLink);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(page.body).toContain(`Next meeting: <strong>${formatLocal(pair.meetingAt, ZONE)}</strong>`);
  expect(page.body).toContain('Your 1:1s with Mona Manager');
  expect(page.body).toContain('<input type="hidden" name="meeting" value="1">');
  expect(page.body).toContain(`<input type="date" id="move-date" name="date" value="${localDate(pair.meetingAt)}"`);
  expect(page.body).toContain('name="time" value="10:00"');
  expect(page.body).toContain('Back on');
  expect(page.body).toContain('No meeting has been skipped, moved or paused yet.');
  expect((await web.get(pair.managerMeetingLink)).body).toContain('Your 1:1s with Remy Report');
  // The topic and record pages link to it.
  const token = pair.reportMeetingLink.split('/').slice(-2)[0];
  expect((await web.get(pair.reportTopicLink)).body).toContain(`href="/pairs/${token}/meeting"`);
  expect((await web.get(pair.reportRecordLink)).body).toContain(`href="/pairs/${token}/meeting"`);
  // Mail scanners open every link, and GET of a change's address is no change either.
  for (const path of ['', '/skip', '/move', '/pause']) await web.get(`${pair.reportMeetingLink}${path}`);
  expect(await storedState(pair.pairId)).toEqual(before);
  expect((await waitForStatus(pair.handle, () => true)).state).toBe('active');
  await pair.handle.executeUpdate('endPair', { args: [{}] });
});

it('skips the next meeting for the report with a reason, once for a double post, and counts it', async () => {
  const pair = await newPair();
  const form = await formOf(pair.reportMeetingLink);
  expect(form.meeting).toBe('1');
  const skip = { ...form, reason: 'Dentist <appointment>, sorry' };
  const skipped = await web.post(`${pair.reportMeetingLink}/skip`, skip);
  expect(skipped.status).toBe(200);
  expect(skipped.body).toContain('Meeting skipped');
  expect(skipped.body).toContain('Mona Manager is told by email, with your reason.');
  // The same submission again (a double click): the meeting is skipped once.
  const again = await web.post(`${pair.reportMeetingLink}/skip`, skip);
  expect(again.status).toBe(200);
  expect(again.body).toContain('Meeting skipped');

  const cycle = await eventually(
    () => stack.db.cycle.findUnique({ where: { pairId_number: { pairId: pair.pairId, number: 1 } } }),
    (row) => row?.status === 'skipped',
  );
  expect(cycle?.skipReason).toBe('Dentist <appointment>, sorry');
  const status = await waitForStatus(pair.handle, (s) => s.cycle === 2);
  expect(status.consecutiveSkips).toBe(1);
  expect(status.upcomingMeeting).toBe(2);
  // Once more after the skip ended its run: the next run does not know the update id, and the page still says skipped.
  const late = await web.post(`${pair.reportMeetingLink}/skip`, skip);
  expect(late.status).toBe(200);
  expect(late.body).toContain('Meeting 1 is skipped already: it will not take place.');
  expect(await stack.db.pairNote.count({ where: { pairId: pair.pairId } })).toBe(1);
  expect(await stack.db.pairEvent.count({ where: { pairId: pair.pairId, kind: 'skipped' } })).toBe(1);
  expect((await waitForStatus(pair.handle, (s) => s.cycle === 2)).consecutiveSkips).toBe(1);

  // Both of them see who skipped which meeting and why.
  for (const link of [pair.managerMeetingLink, pair.reportMeetingLink]) {
    const page = await eventually(
      () => web.get(link),
      (shown) => shown.body.includes('Next meeting:'),
    );
    expect(page.body).toContain(`Skipped meeting 1 of ${formatLocal(pair.meetingAt, ZONE)} by Remy Report`);
    expect(page.body).toContain('<blockquote>Dentist &lt;appointment&gt;, sorry</blockquote>');
    expect(page.body).toContain(`Next meeting: <strong>${formatLocal(pair.meetingAt + 7 * DAY, ZONE)}</strong>`);
  }
  // The other person is told, with the reason and their own link to this page.
  const [notice] = await stack.smtp.waitFor((m) => m.to.includes(pair.manager) && m.subject.startsWith('Remy Report skipped your 1:1'));
  expect(notice.text).toContain('Dentist <appointment>, sorry');
  expect(linksIn(notice.text, PUBLIC_BASE_URL).some((link) => link.endsWith('/meeting'))).toBe(true);
  await pair.handle.executeUpdate('endPair', { args: [{}] });
});

it("moves the meeting within the rules, and shows the workflow's refusal of one into the past or past the next meeting", async () => {
  const pair = await newPair();
  const meetingDay = localDate(pair.meetingAt);
  const { submission } = await formOf(pair.reportMeetingLink);

  // Into the past (for the workflow's clock) and to the next regular meeting: refused, nothing changed.
  const before = await storedState(pair.pairId);
  const past = await web.post(`${pair.reportMeetingLink}/move`, { submission, date: localDate(pair.meetingAt - 3 * DAY), time: '10:00' });
  expect(past.status).toBe(422);
  expect(past.body).toContain('<p class="error" id="move-problem" role="alert">A meeting cannot be rescheduled into the past.</p>');
  expect(past.body).toContain('aria-describedby="move-hint move-problem" aria-invalid="true"');
  expect(past.body).toContain(`value="${localDate(pair.meetingAt - 3 * DAY)}"`);
  const tooLate = await web.post(`${pair.reportMeetingLink}/move`, { submission, date: localDate(pair.meetingAt + 7 * DAY), time: '10:00' });
  expect(tooLate.status).toBe(422);
  expect(tooLate.body).toContain(`cannot be rescheduled to or past the next regular meeting, on ${formatLocal(pair.meetingAt + 7 * DAY, ZONE)}.`);
  expect(await storedState(pair.pairId)).toEqual(before);
  expect((await waitForStatus(pair.handle, () => true)).meetingAt).toBe(new Date(pair.meetingAt).toISOString());

  // The same afternoon: moved, in the workflow and in what the database shows.
  const moved = await web.post(`${pair.managerMeetingLink}/move`, {
    submission: (await formOf(pair.managerMeetingLink)).submission,
    date: meetingDay,
    time: '15:30',
  });
  expect(moved.status).toBe(200);
  const at = DateTime.fromISO(`${meetingDay}T15:30`, { zone: ZONE }).toMillis();
  expect(moved.body).toContain(`Your 1:1 is now on ${formatLocal(at, ZONE)}.`);
  expect(moved.body).toContain('Remy Report is told by email.');
  const status = await waitForStatus(pair.handle, (s) => s.meetingAt === new Date(at).toISOString());
  expect(status.cycle).toBe(1);
  await eventually(
    () => stack.db.pair.findUniqueOrThrow({ where: { id: pair.pairId } }),
    (row) => row.state !== null && (JSON.parse(row.state) as { meetingAt: string }).meetingAt === new Date(at).toISOString(),
  );
  const page = await web.get(pair.reportMeetingLink);
  expect(page.body).toContain(`Next meeting: <strong>${formatLocal(at, ZONE)}</strong>`);
  expect(page.body).toContain(`Moved meeting 1 from ${formatLocal(pair.meetingAt, ZONE)} to ${formatLocal(at, ZONE)} by Mona Manager`);
  await stack.smtp.waitFor((m) => m.to.includes(pair.report) && m.subject === `Mona Manager moved your 1:1 to ${formatLocal(at, ZONE)}`);
  await pair.handle.executeUpdate('endPair', { args: [{}] });
});

it('pauses for an absence until a day, and refuses a day not in the future or more than a year ahead', async () => {
  const pair = await newPair();
  const { submission } = await formOf(pair.managerMeetingLink);
  const before = await storedState(pair.pairId);
  const today = localDate(Date.now());
  const refusals: [string, string][] = [
    [today, 'Please choose a day after today'],
    [localDate(Date.now() - 5 * DAY), 'Please choose a day after today'],
    [DateTime.fromISO(today, { zone: ZONE }).plus({ years: 1, days: 1 }).toISODate()!, 'Please choose a day at most a year from today'],
    ['', 'Please choose the day you are back.'],
    ['31/12/2030', 'is not a day of the calendar'],
  ];
  for (const [until, message] of refusals) {
    const refused = await web.post(`${pair.managerMeetingLink}/pause`, { submission, until });
    expect(refused.status).toBe(422);
    expect(refused.body).toContain(message);
    expect(refused.body).toContain('id="pause-problem" role="alert"');
  }
  expect(await storedState(pair.pairId)).toEqual(before);

  const back = localDate((await env.currentTimeMs()) + 14 * DAY);
  const paused = await web.post(`${pair.managerMeetingLink}/pause`, { submission, until: back });
  expect(paused.status).toBe(200);
  const backDay = DateTime.fromISO(back, { zone: ZONE });
  expect(paused.body).toContain(`Paused until ${backDay.setLocale('en-GB').toFormat('cccc d LLLL yyyy')}`);
  expect((await waitForStatus(pair.handle, (s) => s.state === 'paused')).state).toBe('paused');
  await eventually(
    () => stack.db.pair.findUniqueOrThrow({ where: { id: pair.pairId } }),
    (row) => row.status === 'paused',
  );
  const event = await stack.db.pairEvent.findFirstOrThrow({ where: { pairId: pair.pairId, kind: 'paused' } });
  expect(JSON.parse(event.detail)).toEqual({ by: 'manager', until: backDay.toUTC().toISO() });

  const page = await web.get(pair.reportMeetingLink);
  expect(page.body).toContain(`Your 1:1s are paused until ${backDay.setLocale('en-GB').toFormat('cccc d LLLL yyyy')}`);
  expect(page.body).toContain(`Paused the 1:1s until ${backDay.setLocale('en-GB').toFormat('cccc d LLLL yyyy')} by Mona Manager`);
  // The meeting falls within the absence: there is nothing left to skip, move or pause.
  expect(page.body).not.toContain('Next meeting:');
  expect(page.body).not.toContain('<form');
  await pair.handle.executeUpdate('endPair', { args: [{}] });
});

it('refuses cross-site posts, bad links and bad input, each with its message, storing nothing', async () => {
  const pair = await newPair();
  const form = await formOf(pair.reportMeetingLink);
  const before = await storedState(pair.pairId);
  const skipUrl = `${pair.reportMeetingLink}/skip`;
  const moveUrl = `${pair.reportMeetingLink}/move`;
  for (const url of [skipUrl, moveUrl, `${pair.reportMeetingLink}/pause`]) {
    expect((await web.post(url, { ...form, reason: 'x', date: '2030-01-01', time: '10:00', until: '2030-01-01' }, {})).status).toBe(403);
    expect((await web.post(url, { submission: form.submission }, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await web.post(url, { submission: form.submission }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
  }
  const token = pair.reportMeetingLink.split('/').slice(-2)[0];
  const tampered = `${PUBLIC_BASE_URL}/pairs/${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}/meeting`;
  expect((await web.get(tampered)).status).toBe(404);
  expect((await web.post(`${tampered}/skip`, form)).status).toBe(404);

  const cases: [string, Record<string, string | string[]>, string][] = [
    [skipUrl, { ...form, reason: 'x'.repeat(501) }, 'Please keep the reason to 500 characters; it has 501.'],
    [skipUrl, { ...form, reason: 'ok', extra: 'field' }, 'The form sent something it does not ask for.'],
    [skipUrl, { ...form, reason: ['one', 'two'] }, 'The form sent something it does not ask for.'],
    [skipUrl, { ...form, meeting: 'the next one' }, 'The form sent something it does not ask for.'],
    // Refused by the workflow: the reason stored first is removed again.
    [skipUrl, { ...form, meeting: '7', reason: 'Not that one' }, 'Meeting 7 is no longer the next one (that is meeting 1), so nothing was skipped.'],
    [moveUrl, { submission: form.submission, date: '', time: '10:00' }, 'Please choose the day to move the meeting to.'],
    [moveUrl, { submission: form.submission, date: '2030-01-10', time: '' }, 'Please choose the time to move the meeting to.'],
    [moveUrl, { submission: form.submission, date: '2030-02-30', time: '10:00' }, 'is not a day of the calendar'],
    [moveUrl, { submission: form.submission, date: '2030-01-10', time: '10 am' }, 'is not a time of day'],
    [
      moveUrl,
      { submission: form.submission, date: '2030-01-10', time: '10:00', meetingAt: '2030-01-10T10:00Z' },
      'The form sent something it does not ask for.',
    ],
  ];
  for (const [url, fields, message] of cases) {
    const refused = await web.post(url, fields);
    expect({ fields, status: refused.status, shown: refused.body.includes(message) }).toEqual({ fields, status: 422, shown: true });
  }
  // What was typed comes back with its problem.
  const long = await web.post(skipUrl, { ...form, reason: `${'x'.repeat(500)} and more` });
  expect(long.body).toContain(`>${'x'.repeat(500)} and more</textarea>`);
  expect(long.body).toContain('aria-describedby="skip-hint skip-problem" aria-invalid="true"');
  expect(long.body).toContain(`name="submission" value="${form.submission}"`);
  expect(await storedState(pair.pairId)).toEqual(before);
  await pair.handle.executeUpdate('endPair', { args: [{}] });
});

it('says "not saved, try again" while Temporal is unreachable, and that an ended pair can no longer change', async () => {
  const pair = await newPair();
  const form = await formOf(pair.reportMeetingLink);
  const unreachable = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  const offline = await buildWebServer({
    db: stack.db,
    temporal: unreachable,
    publicBaseUrl: PUBLIC_BASE_URL,
    rateLimitPerMinute: 1_000,
    updateTimeoutMs: 300,
  });
  await offline.listen({ port: 0, host: '127.0.0.1' });
  try {
    const before = await storedState(pair.pairId);
    const response = await webClient(offline, PUBLIC_BASE_URL).post(`${pair.reportMeetingLink}/move`, {
      submission: form.submission,
      date: localDate(pair.meetingAt),
      time: '15:00',
    });
    expect(response.status).toBe(503);
    expect(response.body).toContain('Not saved: please try again');
    expect(await storedState(pair.pairId)).toEqual(before);

    // Any fields to any of the three forms: a page with a message, never another 5xx; a refusal stores nothing.
    const names = fc.constantFrom('submission', 'meeting', 'reason', 'date', 'time', 'until', 'text', '');
    const values = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('2030-01-10', '10:00', '1', '0', '-1', '2030-13-01', '24:00', 'x'.repeat(600), '\u0000', '\r\n'),
      fc.array(fc.string({ maxLength: 4 }), { minLength: 2, maxLength: 3 }),
    );
    const client = webClient(offline, PUBLIC_BASE_URL);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('skip', 'move', 'pause'), fc.dictionary(names, values, { maxKeys: 4 }), async (form, fields) => {
        // A valid skip while Temporal is unreachable keeps its reason (sent again, it names the same note).
        const stored = await storedState(pair.pairId);
        const answer = await client.post(`${pair.reportMeetingLink}/${form}`, fields);
        expect([200, 400, 422, 503]).toContain(answer.status);
        expect(answer.body).toMatch(answer.status === 422 ? /<p class="error" id="(skip|move|pause)-problem" role="alert">[^<]+<\/p>/ : /<h1>[^<]+<\/h1>/);
        if (answer.status === 422) expect(await storedState(pair.pairId)).toEqual(stored);
      }),
      { numRuns: 100 },
    );
  } finally {
    await offline.close();
    await unreachable.connection.close();
  }

  await pair.handle.executeUpdate('endPair', { args: [{}] });
  await pair.handle.result();
  const page = await web.get(pair.reportMeetingLink);
  expect(page.body).toContain('These 1:1s have ended, so nothing here can be changed any more.');
  expect(page.body).not.toContain('<form');
  const ended = await storedState(pair.pairId);
  const refused = await web.post(`${pair.reportMeetingLink}/skip`, { submission: 'an-ended-pair-skip', meeting: '1', reason: 'gone' });
  expect(refused.status).toBe(409);
  expect(refused.body).toContain('These 1:1s have ended');
  expect(await storedState(pair.pairId)).toEqual(ended);
});

describe('the change notice', () => {
  it('tells the other person once what changed, by whom and why, with their link to this 1:1', async () => {
    const { pairId } = await registerPair(stack.db, {
      ...SAMPLE_PAIR,
      manager: { name: 'Mona Manager', email: 'mona-notice@example.com' },
      report: { name: 'Remy Report', email: 'remy-notice@example.com' },
    });
    const { pairId: otherPair } = await registerPair(stack.db, {
      ...SAMPLE_PAIR,
      manager: { name: 'Olga Other', email: 'olga-notice@example.com' },
      report: { name: 'Oskar Other', email: 'oskar-notice@example.com' },
    });
    const meetingAt = Date.parse('2030-01-10T09:00:00Z');
    await stack.db.cycle.create({ data: { id: `${pairId}:1`, pairId, number: 1, meetingAt: new Date(meetingAt), status: 'skipped' } });
    await stack.db.pairNote.create({ data: { id: 'skipReason-notice', pairId, kind: 'skipReason', text: 'Conference <day>' } });
    await stack.db.pairNote.create({ data: { id: 'skipReason-other', pairId: otherPair, kind: 'skipReason', text: 'Not yours to read' } });
    const { sendChangeNotice } = createChangeNoticeActivities(stack.deps);
    const toMona = (m: { to: string[] }) => m.to.includes('mona-notice@example.com');
    const toRemy = (m: { to: string[] }) => m.to.includes('remy-notice@example.com');

    const skip = { pairId, cycle: 1, change: 'skipped', by: 'report', reasonId: 'skipReason-notice', sequence: 1 } as const;
    expect(await sendChangeNotice(skip)).toBe('sent');
    expect(await sendChangeNotice(skip)).toBe('sent');
    const [skipped] = await stack.smtp.waitFor(toMona);
    expect(skipped.subject).toBe('Remy Report skipped your 1:1 on Thursday 10 January 2030, 10:00 (Europe/Berlin)');
    expect(skipped.text).toContain('Their reason:\nConference <day>\n');
    expect(skipped.html).toContain('Conference &lt;day&gt;');
    const meetingLink = linksIn(skipped.text, PUBLIC_BASE_URL).find((link) => link.endsWith('/meeting'))!;
    expect(skipped.html).toContain(`<a href="${meetingLink}">See this 1:1</a>`);
    const opened = await openPairLink(stack.db, meetingLink.split('/').slice(-2)[0]);
    expect({ pair: opened?.pair.id, role: opened?.role }).toEqual({ pair: pairId, role: 'manager' });

    const movedTo = Date.parse('2030-01-11T13:00:00Z');
    expect(await sendChangeNotice({ pairId, cycle: 2, change: 'moved', by: 'manager', from: meetingAt + 7 * DAY, to: movedTo, sequence: 2 })).toBe('sent');
    const [moved] = await stack.smtp.waitFor(toRemy);
    expect(moved.subject).toBe('Mona Manager moved your 1:1 to Friday 11 January 2030, 14:00 (Europe/Berlin)');
    expect(moved.text).toContain(
      'Mona Manager moved your 1:1 from Thursday 17 January 2030, 10:00 (Europe/Berlin) to Friday 11 January 2030, 14:00 (Europe/Berlin).',
    );

    const until = Date.parse('2030-02-03T23:00:00Z');
    expect(await sendChangeNotice({ pairId, cycle: 2, change: 'paused', by: 'report', until, sequence: 3 })).toBe('sent');
    // Another pair's note is never read, whatever id a caller passes.
    expect(await sendChangeNotice({ ...skip, reasonId: 'skipReason-other', sequence: 4 })).toBe('sent');
    const toMonaAll = await stack.smtp.waitFor(toMona, 3);
    expect(toMonaAll.map((m) => m.subject)).toEqual([
      'Remy Report skipped your 1:1 on Thursday 10 January 2030, 10:00 (Europe/Berlin)',
      'Remy Report paused your 1:1s until Monday 4 February 2030',
      'Remy Report skipped your 1:1 on Thursday 10 January 2030, 10:00 (Europe/Berlin)',
    ]);
    expect(toMonaAll[1].text).toContain('your 1:1s are paused until Monday 4 February 2030 and start again on their own that day');
    expect(toMonaAll[2].text).toContain('They gave no reason.');
    expect(stack.smtp.messages.some((m) => m.text.includes('Not yours to read'))).toBe(false);
    expect(stack.smtp.messages.filter((m) => toMona(m) || toRemy(m))).toHaveLength(4);
  });
});
