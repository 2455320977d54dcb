// End to end in a real browser (Debian's Chromium via playwright-core, never a browser download)
// against the real web service, worker, Temporal dev server and SMTP server: the report reads the
// reflection email, opens the link, fills and submits the form; the workflow records it (no
// reminder to the report) and the answers are in the agenda email.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { freePort, launchChromium, SCREENSHOTS } from './support/browser';
import { buildWebServer } from '../server/web-server';
import { messageIdOf, sameMessageId } from './support/pair-driver';
import { startRapportStack, type RapportStack } from '../harness/rapport-stack';
import { createDevServerEnv } from '../harness/temporal-env';
import { linksIn } from './support/web-client';
import { accessibilityViolations } from './support/accessibility';
import { issuePairLink } from '../activities/form-links';
import { issueFormLink } from '../activities/form-links';
import { ensureOrgQuestionSet } from '../question-sets/question-set-repository';

let env: TestWorkflowEnvironment;
let app: FastifyInstance;
let stack: RapportStack;
let browser: Browser;
let baseUrl: string;

beforeAll(async () => {
  env = await createDevServerEnv();
  // The links in emails must point at the web service, so its port is chosen first.
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  stack = await startRapportStack(env, { publicBaseUrl: baseUrl });
  app = await buildWebServer({ db: stack.db, temporal: env.client, publicBaseUrl: baseUrl, rateLimitPerMinute: 1_000 });
  await app.listen({ port, host: '127.0.0.1' });
  browser = await launchChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await stack?.stop();
  await env?.teardown();
});

/** Local "HH:MM" in UTC, `minutes` after the start of the current minute. */
function utcClock(minutes: number): { time: string; weekday: number } {
  const at = new Date(Math.floor(Date.now() / 60_000) * 60_000 + minutes * 60_000);
  return { time: at.toISOString().slice(11, 16), weekday: at.getUTCDay() === 0 ? 7 : at.getUTCDay() };
}

it('answers the reflection form in a browser and sees it on the agenda', async () => {
  // Meeting four minutes ahead; the form goes out within a minute, the reminder and the agenda a
  // minute apart after it. (Stage offsets are whole minutes.)
  const meeting = utcClock(4);
  const { pairId } = await stack.createPair({
    settings: {
      cadence: { kind: 'weekly', everyWeeks: 1, weekday: meeting.weekday as 1 },
      meetingTime: meeting.time,
      timeZone: 'UTC',
      durationMinutes: 5,
      offsets: { reflectionBefore: 3, reminderBefore: 2, agendaBefore: 1, followUpAfter: 5 },
      // Every day a working day, so that on a weekend the stages are not moved to Friday and Monday.
      workingDays: [1, 2, 3, 4, 5, 6, 7],
    },
  });
  const [reflection] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, 1, 'reflection', 'report')), 1, 120_000);
  const formUrl = linksIn(reflection.text, baseUrl).find((l) => l.includes('/forms/'))!;

  const page = await browser.newPage();
  await page.goto(formUrl);
  await page.getByLabel('What do you want to talk about? Your topics come first.').fill('Moving to <b>platform</b>');
  await page.getByLabel('Where are you stuck, or where could I help?').fill('Flaky CI');
  await page.locator('input[name="q.energy"][value="4"]').check();
  await page.screenshot({ path: join(SCREENSHOTS, 'reflection-form.png'), fullPage: true });
  await page.getByRole('button', { name: 'Save my answers' }).click();
  await page.getByRole('heading', { name: 'Saved, thank you' }).waitFor();
  await page.screenshot({ path: join(SCREENSHOTS, 'reflection-saved.png') });

  const answer = await stack.db.answer.findFirstOrThrow({ where: { pairId, kind: 'reflection' } });
  expect(answer.deliveredAt).not.toBeNull();

  const [agenda] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, 1, 'agenda', 'manager')), 1, 180_000);
  expect(agenda.html).toContain('Moving to &lt;b&gt;platform&lt;/b&gt;');
  expect(agenda.text).toContain('Flaky CI');
  expect(agenda.text).toContain('4 / 5');
  // The manager, who did not answer, was reminded; the report, who did, was not.
  expect(stack.smtp.messages.some((m) => sameMessageId(m, messageIdOf(pairId, 1, 'reminder-managerPrep', 'manager')))).toBe(true);
  expect(stack.smtp.messages.some((m) => sameMessageId(m, messageIdOf(pairId, 1, 'reminder-reflection', 'report')))).toBe(false);
  await page.close();
}, 300_000);

it('shows "this 1:1" and a refused move beside its form, both passing axe-core', async () => {
  // A weekly pair meeting in three days: nothing is sent while the test runs.
  const inThreeDays = new Date(Date.now() + 3 * 24 * 60 * 60 * 1000);
  const weekday = (inThreeDays.getUTCDay() === 0 ? 7 : inThreeDays.getUTCDay()) as 1;
  const { pairId, handle } = await stack.createPair({
    manager: { name: 'Mona Manager', email: 'mona-browser@example.com' },
    report: { name: 'Remy Report', email: 'remy-browser@example.com' },
    settings: { cadence: { kind: 'weekly', everyWeeks: 1, weekday }, meetingTime: '10:00', timeZone: 'Europe/Berlin' },
  });
  for (let tries = 0; !(await stack.db.pair.findUniqueOrThrow({ where: { id: pairId } })).state; tries += 1) {
    if (tries > 200) throw new Error('the workflow never wrote its state');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // The link any email to the report carries.
  const link = issuePairLink(pairId, 'report', 30);
  await link.write(stack.db);

  // bypassCSP lets axe-core's script run in the page.
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  try {
    await page.goto(`${baseUrl}/pairs/${link.token}/meeting`);
    await page.getByRole('heading', { name: 'This 1:1' }).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'meeting-page.png'), fullPage: true });
    expect(await accessibilityViolations(page)).toEqual([]);

    const yesterday = new Date(Date.now() - 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
    await page.getByLabel('Day', { exact: true }).fill(yesterday);
    await page.getByRole('button', { name: 'Move the meeting' }).click();
    await page.getByText('A meeting cannot be rescheduled into the past.').waitFor();
    expect(await page.getByLabel('Day', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await page.screenshot({ path: join(SCREENSHOTS, 'meeting-move-refused.png'), fullPage: true });
    expect(await accessibilityViolations(page)).toEqual([]);
  } finally {
    await context.close();
    await handle.executeUpdate('endPair', { args: [{}] });
  }
}, 120_000);

it("shows the manager's page for the pair and the feedback form's sharing choice, both passing axe-core", async () => {
  // A weekly pair meeting in three days: nothing is sent while the test runs; the links are made here.
  const inThreeDays = new Date(Date.now() + 3 * 24 * 60 * 60 * 1000);
  const weekday = (inThreeDays.getUTCDay() === 0 ? 7 : inThreeDays.getUTCDay()) as 1;
  const { pairId, handle } = await stack.createPair({
    manager: { name: 'Mira Manager', email: 'mira-browser@example.com' },
    report: { name: 'Rafa Report', email: 'rafa-browser@example.com' },
    settings: { cadence: { kind: 'weekly', everyWeeks: 1, weekday }, meetingTime: '10:00', timeZone: 'Europe/Berlin' },
  });
  const questions = await ensureOrgQuestionSet(stack.db);
  const form = { id: `${pairId}:1:feedback`, pairId, cycleNumber: 1, kind: 'feedback', recipientRole: 'report' };
  await stack.db.form.create({ data: { ...form, questionSetId: questions.id, questionSetVersion: questions.version } });
  await stack.db.questionSuggestion.create({
    data: { id: `${pairId}-suggestion`, pairId, formId: form.id, byRole: 'report', text: 'Ask me about focus time' },
  });
  const feedbackLink = issueFormLink(form.id, 30);
  const managerLink = issuePairLink(pairId, 'manager', 30);
  await feedbackLink.write(stack.db);
  await managerLink.write(stack.db);

  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  try {
    await page.goto(`${baseUrl}/pairs/${managerLink.token}/questions`);
    await page.getByRole('heading', { name: 'Your 1:1s with Rafa Report: the questions' }).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'manager-questions.png'), fullPage: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'manager-questions-top.png') });
    await page.getByRole('heading', { name: 'Feedback from your reports, pooled' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, 'manager-questions-feedback.png') });
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.goto(`${baseUrl}/forms/${feedbackLink.token}`);
    await page.getByRole('radio', { name: 'With my name' }).waitFor();
    expect(await page.getByRole('radio', { name: 'With my name' }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Save my answers' }).click();
    await page.getByText('This question needs an answer.').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'feedback-form.png'), fullPage: true });
    expect(await accessibilityViolations(page)).toEqual([]);
  } finally {
    await context.close();
    await handle.executeUpdate('endPair', { args: [{}] });
  }
}, 120_000);
