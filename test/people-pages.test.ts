// The pages the two people of a pair see, and their own record, against the real worker, Temporal
// (time-skipping), SMTP and SQLite: each confirmation gives the meeting's date (in the pair's zone,
// named) and the next steps, which open; a form answered before says so at the top, with when; the
// suggestion box stands apart from the form; a closed form opened (nothing sent) says nothing of
// saving; the favicon is served. The record shows answers with their scale labels, action items
// with status and age, the topics the person added and the feedback; it downloads as JSON and as
// formula-safe CSV behind the same link and guards, and the manager's copy has none of the
// report's private or pooled words.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { buildWebServer } from '../server/web-server';
import { hashToken } from '../pairs/link-tokens';
import { formatLocal } from '../pairs/local-time';
import { RECORD_CSV_HEADER } from '../pairs/pair-record';
import { PUBLIC_BASE_URL, SAMPLE_PAIR, type RapportStack } from '../harness/rapport-stack';
import { pairAtReflection, type PairAtReflection } from './support/pair-at-reflection';
import { advanceTo, messageIdOf, sameMessageId, waitForStatus } from './support/pair-driver';
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

const DAY_MS = 24 * 60 * 60 * 1000;
const INVALID_LINK = 'This link does not work';

function newPair(settings: Partial<typeof SAMPLE_PAIR.settings> = {}): Promise<PairAtReflection> {
  people += 1;
  return pairAtReflection(env, stack, {
    manager: { name: 'Maya Manager', email: `maya-people${people}@example.com` },
    report: { name: 'Ravi Report', email: `ravi-people${people}@example.com` },
    ...(Object.keys(settings).length > 0 ? { settings: { ...SAMPLE_PAIR.settings, ...settings } } : {}),
  });
}

const reflectionAnswers = {
  'q.topics': 'Moving to the platform team',
  'q.blockers': '=HYPERLINK("http://evil.example","click")',
  'q.energy': '4',
  'q.growth': 'Staff path, kept to myself',
  'private.growth': 'on',
};

/** The next steps of a confirmation page: label → path. */
function nextSteps(body: string): Map<string, string> {
  const nav = body.slice(body.indexOf('<nav class="next-steps"'), body.indexOf('</nav>'));
  return new Map([...nav.matchAll(/<a href="([^"]+)">([^<]+)<\/a>/g)].map((m) => [m[2], m[1]]));
}

const open = (path: string) => web.get(`${PUBLIC_BASE_URL}${path}`);

async function meetingWhenOf(pairId: string, cycle: number): Promise<string> {
  const row = await stack.db.cycle.findUniqueOrThrow({ where: { pairId_number: { pairId, number: cycle } } });
  return formatLocal(row.meetingAt.getTime(), 'Europe/Berlin');
}

async function formLinkOf(pairId: string, cycle: number, stage: string, role: 'report' | 'manager') {
  const [email] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, cycle, stage, role)));
  return linksIn(email.text, PUBLIC_BASE_URL).find((link) => link.includes('/forms/'))!;
}

it('confirms a form, a suggestion and a topic with the meeting date and next steps, and says a form was answered before', async () => {
  const pair = await newPair();
  const when = await meetingWhenOf(pair.pairId, 1);
  expect(when).toContain('(Europe/Berlin)');
  const formPath = new URL(pair.reflectionLink).pathname;

  // Not answered yet: no notice at the top; the suggestion box is a section of its own after the form.
  const first = await web.get(pair.reflectionLink);
  expect(first.body).not.toContain('You answered this form before');
  const formEnd = first.body.indexOf('</form>');
  const box = first.body.indexOf('<section class="suggestion-box"');
  expect(formEnd).toBeGreaterThan(first.body.indexOf('Save my answers'));
  expect(box).toBeGreaterThan(formEnd);
  expect(first.body.slice(box)).toContain('Suggest a change to these questions');
  expect(first.body.slice(box)).toContain('Separate from your answers above');

  const saved = await web.post(pair.reflectionLink, reflectionAnswers);
  expect(saved.status).toBe(200);
  expect(saved.body).toContain('Saved, thank you');
  expect(saved.body).toContain(`They will be on the agenda of your 1:1 on ${when}.`);
  const steps = nextSteps(saved.body);
  expect([...steps.keys()]).toEqual(['Change your answers', 'See your record of these 1:1s', 'Add a topic to the next agenda']);
  expect(steps.get('Change your answers')).toBe(formPath);
  // The record and topic links are the report's own pair pages, and open.
  const record = await open(steps.get('See your record of these 1:1s')!);
  expect(record.status).toBe(200);
  expect(record.body).toContain('Your 1:1s with Maya Manager');
  expect(record.body).toContain('Staff path, kept to myself');
  expect((await open(steps.get('Add a topic to the next agenda')!)).body).toContain('Add a topic to your next 1:1');

  // Answered before: said at the top, with when, in the pair's zone.
  const again = await web.get(pair.reflectionLink);
  const notice = again.body.indexOf('You answered this form before, on ');
  expect(notice).toBeGreaterThan(-1);
  expect(notice).toBeLessThan(again.body.indexOf('<form'));
  expect(again.body.slice(notice, notice + 200)).toMatch(/on \w+day \d+ \w+ \d{4}, \d\d:\d\d \(Europe\/Berlin\)/);

  const suggested = await web.post(`${pair.reflectionLink}/suggestion`, { suggestion: 'Ask about focus time' });
  expect(suggested.status).toBe(200);
  expect(suggested.body).toContain('Thanks for the suggestion');
  expect(suggested.body).toContain(`This form is for your 1:1 on ${when}.`);
  expect(suggested.body).toContain('your answers to the form are as they were');
  const afterSuggestion = nextSteps(suggested.body);
  expect(afterSuggestion.get('Back to the form')).toBe(formPath);
  expect((await open(afterSuggestion.get('See your record of these 1:1s')!)).status).toBe(200);

  const added = await web.post(pair.reportTopicLink, { text: 'Conference budget' });
  expect(added.status).toBe(200);
  expect(added.body).toContain(`It will be on the agenda of meeting 1, on ${when}.`);
  const topicPath = new URL(pair.reportTopicLink).pathname;
  const afterTopic = nextSteps(added.body);
  expect([...afterTopic.keys()]).toEqual(['Add another topic', 'See your record of these 1:1s', 'This 1:1: skip, move or pause the next meeting']);
  expect(afterTopic.get('Add another topic')).toBe(topicPath);
  expect(afterTopic.get('See your record of these 1:1s')).toBe(topicPath.replace(/\/topic$/, '/record'));

  // Closed with the agenda: opening it (nothing sent) says nothing of saving; sending it says what was not kept.
  await advanceTo(env, pair.stageAt('agenda') + 1_000);
  await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pair.pairId, 1, 'agenda', 'report')));
  const closed = await web.get(pair.reflectionLink);
  expect(closed.status).toBe(410);
  expect(closed.body).toContain('This form is closed');
  expect(closed.body).not.toMatch(/nothing was saved|not saved/i);
  expect(closed.body).toContain('The answers you sent before it closed are kept in your record.');
  const late = await web.post(pair.reflectionLink, reflectionAnswers);
  expect(late.status).toBe(409);
  expect(late.body).toContain('What you sent just now was not saved');

  // The manager's prep form was never answered: its closed page does not speak of earlier answers.
  const unanswered = await web.get(pair.prepLink);
  expect(unanswered.status).toBe(410);
  expect(unanswered.body).not.toMatch(/kept in your record|not saved/i);
  await pair.handle.executeUpdate('endPair', { args: [{}] });
}, 120_000);

it('serves the favicon, named by every page', async () => {
  for (const path of ['/assets/favicon.svg', '/favicon.ico']) {
    const icon = await open(path);
    expect({ path, status: icon.status, type: icon.headers.get('content-type') }).toEqual({ path, status: 200, type: 'image/svg+xml' });
    expect(icon.body).toContain('<svg');
  }
  expect((await open('/no-such-page')).body).toContain('<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">');
});

it("shows and downloads a person's record: scale labels, action items with status and age, topics, feedback; the manager's copy without private or pooled words", async () => {
  const pair = await newPair({ feedbackEveryCycles: 1 });
  expect((await web.post(pair.reflectionLink, reflectionAnswers)).status).toBe(200);
  expect((await web.post(pair.reportTopicLink, { text: '@mention the budget' })).status).toBe(200);
  expect((await web.post(pair.managerTopicLink, { text: 'Team offsite plans' })).status).toBe(200);
  await advanceTo(env, pair.stageAt('followUp') + 1_000);
  const followUp = await formLinkOf(pair.pairId, 1, 'followUpManager', 'manager');
  const feedback = await formLinkOf(pair.pairId, 1, 'feedback', 'report');
  await waitForStatus(pair.handle, (s) => s.cycle === 2);
  const items = { 'ai.text.0': 'Write the RFC', 'ai.owner.0': 'report', 'ai.text.1': '+1 the hiring plan', 'ai.owner.1': 'manager' };
  expect((await web.post(followUp, { 'q.held': 'yes', 'q.notes': '-2 people next quarter', ...items })).status).toBe(200);
  expect((await web.post(feedback, { 'q.keep': 'Listens well, privately pooled', 'q.usefulness': '5', feedbackSharing: 'pooled' })).status).toBe(200);
  await waitForStatus(pair.handle, (s) => s.openActionItems.length === 2);
  const rfc = await stack.db.actionItem.findFirstOrThrow({ where: { pairId: pair.pairId, text: 'Write the RFC' } });
  await stack.db.actionItem.update({ where: { id: rfc.id }, data: { createdAt: new Date(Date.now() - 15 * DAY_MS) } });
  await stack.db.actionItem.updateMany({ where: { pairId: pair.pairId, text: '+1 the hiring plan' }, data: { done: true, doneInCycle: 2 } });

  const mine = (await web.get(pair.reportRecordLink)).body;
  expect(mine).toContain('4 of 5 — energised');
  expect(mine).toContain('5 of 5 — very useful');
  expect(mine).toMatch(/Open:<\/span> Write the RFC <span class="hint">\(Ravi Report; from meeting 1, agreed 2 weeks ago\)/);
  expect(mine).toMatch(/Done in meeting 2:<\/span> \+1 the hiring plan <span class="hint">\(Maya Manager; from meeting 1, agreed today\)/);
  expect(mine).toContain('Topics you added');
  expect(mine).toContain('@mention the budget');
  expect(mine).not.toContain('Team offsite plans'); // the manager's topic is on their record, not this one
  expect(mine).toContain('Your feedback on Maya Manager');
  expect(mine).toContain('Listens well, privately pooled');
  expect(mine).toContain('Shared only pooled');
  expect(mine).toContain('Staff path, kept to myself');

  const theirs = (await web.get(pair.managerRecordLink)).body;
  expect(theirs).toContain('Team offsite plans');
  expect(theirs).not.toContain('@mention the budget');
  expect(theirs).toContain('4 of 5 — energised');
  expect(theirs).toContain('Feedback from Ravi Report');
  expect(theirs).toContain('never shows here');
  for (const hidden of ['Staff path', 'Listens well', 'very useful']) expect(theirs).not.toContain(hidden);

  // Downloads, linked from the page, behind the same token.
  const reportBase = new URL(pair.reportRecordLink).pathname;
  expect(mine).toContain(`href="${reportBase}.json" download`);
  expect(mine).toContain(`href="${reportBase}.csv" download`);
  const json = await web.get(`${pair.reportRecordLink}.json`);
  expect(json.status).toBe(200);
  expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(json.headers.get('content-disposition')).toMatch(/^attachment; filename="rapport-record-report-\d{4}-\d\d-\d\d\.json"$/);
  expect(json.headers.get('cache-control')).toBe('no-store');
  const parsed = JSON.parse(json.body);
  expect(parsed).toMatchObject({ format: 'rapport.person-record', person: 'Ravi Report', role: 'report', with: 'Maya Manager', timeZone: 'Europe/Berlin' });
  expect(parsed.meetings[0].number).toBe(1);
  expect(parsed.meetings[0].answers[0].items).toContainEqual({
    question: 'How are you feeling about your work right now?',
    answer: '4 of 5 — energised',
    private: false,
  });
  expect(parsed.meetings[0].answers[0].items).toContainEqual({
    question: 'Anything about your growth or career you would like to discuss?',
    answer: 'Staff path, kept to myself',
    private: true,
  });
  expect(parsed.actionItems.map((i: { text: string; status: string }) => [i.text, i.status])).toEqual([
    ['Write the RFC', 'Open'],
    ['+1 the hiring plan', 'Done in meeting 2'],
  ]);
  expect(parsed.topics).toEqual([expect.objectContaining({ text: '@mention the budget', forMeeting: 1 })]);
  expect(parsed.feedback[0].items).toContainEqual({
    question: 'What should your manager keep doing?',
    answer: 'Listens well, privately pooled',
    private: false,
  });

  const csv = await web.get(`${pair.reportRecordLink}.csv`);
  expect(csv.status).toBe(200);
  expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="rapport-record-report-\d{4}-\d\d-\d\d\.csv"$/);
  const lines = csv.body.split('\r\n');
  expect(lines[0]).toBe(RECORD_CSV_HEADER.join(','));
  expect(lines[0]).toBe('meeting,meeting_at,kind,form,by,question_or_text,answer,private,status,date');
  // Every cell that a spreadsheet would run as a formula starts with an apostrophe.
  expect(csv.body).toContain(`,"'=HYPERLINK(""http://evil.example"",""click"")",false,,`);
  expect(csv.body).toContain(`,'-2 people next quarter,false,,`);
  expect(csv.body).toContain(`,action item,,Maya Manager,'+1 the hiring plan,,,Done in meeting 2,`);
  expect(csv.body).toContain(`,topic,,Ravi Report,'@mention the budget,`);
  expect(csv.body).not.toMatch(/(^|,)[=+\-@]/m);
  expect(csv.body).toContain('How are you feeling about your work right now?,4 of 5 — energised,false');

  // The manager's downloads: the report's private answer and pooled feedback are in neither.
  const managerJson = await web.get(`${pair.managerRecordLink}.json`);
  const managerCsv = await web.get(`${pair.managerRecordLink}.csv`);
  expect(managerJson.headers.get('content-disposition')).toContain('rapport-record-manager-');
  expect(JSON.parse(managerJson.body).role).toBe('manager');
  for (const download of [managerJson.body, managerCsv.body]) {
    for (const hidden of ['Staff path', 'Listens well', 'very useful', '@mention']) expect(download).not.toContain(hidden);
    expect(download).toContain('Moving to the platform team');
    expect(download).toContain('Team offsite plans');
  }
  expect(JSON.parse(managerJson.body).feedback).toEqual([]);
  await pair.handle.executeUpdate('endPair', { args: [{}] });
}, 120_000);

it('guards the downloads as the record page: a wrong, expired or revoked link gets the same page, and no token is logged', async () => {
  const pair = await newPair();
  const token = new URL(pair.reportRecordLink).pathname.split('/')[2];
  const tampered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
  for (const suffix of ['.json', '.csv']) {
    const wrong = await open(`/pairs/${tampered}/record${suffix}`);
    expect({ status: wrong.status, invalid: wrong.body.includes(INVALID_LINK), disposition: wrong.headers.get('content-disposition') }).toEqual({
      status: 404,
      invalid: true,
      disposition: null,
    });
  }
  const link = await stack.db.pairLink.findUniqueOrThrow({ where: { tokenHash: hashToken(token) } });
  await stack.db.pairLink.update({ where: { id: link.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
  expect((await web.get(`${pair.reportRecordLink}.json`)).status).toBe(404);
  await stack.db.pairLink.update({ where: { id: link.id }, data: { expiresAt: new Date(Date.now() + DAY_MS), revokedAt: new Date() } });
  expect((await web.get(`${pair.reportRecordLink}.csv`)).status).toBe(404);

  // The request log names the route, the token blanked.
  const logged: string[] = [];
  const logging = await buildWebServer({
    db: stack.db,
    temporal: env.client,
    publicBaseUrl: PUBLIC_BASE_URL,
    rateLimitPerMinute: 1_000,
    logLevel: 'info',
    logStream: { write: (line) => void logged.push(line) },
  });
  await logging.listen({ port: 0, host: '127.0.0.1' });
  try {
    const client = webClient(logging, PUBLIC_BASE_URL);
    expect((await client.get(`${pair.managerRecordLink}.json`)).status).toBe(200);
    expect((await client.get(`${pair.managerRecordLink}.csv`)).status).toBe(200);
  } finally {
    await logging.close();
  }
  const managerToken = new URL(pair.managerRecordLink).pathname.split('/')[2];
  expect(logged.join('\n')).toContain('/pairs/[token]/record.json');
  expect(logged.join('\n')).toContain('/pairs/[token]/record.csv');
  expect(logged.join('\n')).not.toContain(managerToken);
  await pair.handle.executeUpdate('endPair', { args: [{}] });
}, 120_000);
