// The pages the people of a pair see, in a real browser (Debian's Chromium via playwright-core)
// against the real web service, worker, Temporal (time-skipping) and SMTP: the confirmation after
// a form with its next steps, the form answered before (the notice at the top, the suggestion box
// apart), and the record page. Each is screenshotted and passes axe-core.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext } from 'playwright-core';
import { PUBLIC_BASE_URL, type RapportStack } from '../harness/rapport-stack';
import { accessibilityViolations } from './support/accessibility';
import { launchChromium, SCREENSHOTS } from './support/browser';
import { pairAtReflection } from './support/pair-at-reflection';
import { advanceTo, messageIdOf, sameMessageId, waitForStatus } from './support/pair-driver';
import { linksIn, type WebClient } from './support/web-client';
import { startWebTestStack, stopWebTestStack } from './support/web-test-stack';

let env: TestWorkflowEnvironment;
let stack: RapportStack;
let app: FastifyInstance;
let web: WebClient;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  ({ env, stack, app, web } = await startWebTestStack());
  browser = await launchChromium();
  // bypassCSP lets axe-core's script run in the page.
  context = await browser.newContext({ bypassCSP: true });
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await stopWebTestStack({ env, stack, app });
});

/** A link from an email, at the address the service listens on. */
const local = (link: string) => link.replace(PUBLIC_BASE_URL, web.address);

it('shows the confirmation with its next steps, the form answered before, and the record, each passing axe-core', async () => {
  const pair = await pairAtReflection(env, stack, {
    manager: { name: 'Maya Manager', email: 'maya-people-browser@example.com' },
    report: { name: 'Ravi Report', email: 'ravi-people-browser@example.com' },
  });
  const page = await context.newPage();

  await page.goto(local(pair.reflectionLink));
  await page.getByLabel('What do you want to talk about? Your topics come first.').fill('Moving to the platform team');
  await page.getByLabel('Where are you stuck, or where could I help?').fill('Flaky CI');
  await page.locator('input[name="q.energy"][value="4"]').check();
  await page.getByLabel('Anything about your growth or career you would like to discuss?').fill('Staff path');
  await page.getByRole('button', { name: 'Save my answers' }).click();
  await page.getByRole('heading', { name: 'Saved, thank you' }).waitFor();
  await page.screenshot({ path: join(SCREENSHOTS, 'people-form-saved.png'), fullPage: true });
  expect(await accessibilityViolations(page)).toEqual([]);
  expect(await page.getByRole('navigation', { name: 'Next steps' }).getByRole('link').allTextContents()).toEqual([
    'Change your answers',
    'See your record of these 1:1s',
    'Add a topic to the next agenda',
  ]);

  await page.getByRole('link', { name: 'Change your answers' }).click();
  await page.getByText('You answered this form before, on').waitFor();
  expect(await page.getByLabel('Where are you stuck, or where could I help?').inputValue()).toBe('Flaky CI');
  await page.screenshot({ path: join(SCREENSHOTS, 'people-form-answered-before.png'), fullPage: true });
  expect(await accessibilityViolations(page)).toEqual([]);

  // Something for each part of the record: a topic, a follow-up with action items.
  expect((await web.post(pair.reportTopicLink, { text: 'Conference budget' })).status).toBe(200);
  await advanceTo(env, pair.stageAt('followUp') + 1_000);
  const [followUp] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pair.pairId, 1, 'followUpManager', 'manager')));
  const followUpLink = linksIn(followUp.text, PUBLIC_BASE_URL).find((l) => l.includes('/forms/'))!;
  await waitForStatus(pair.handle, (s) => s.cycle === 2);
  const items = { 'ai.text.0': 'Write the RFC', 'ai.owner.0': 'report', 'ai.text.1': 'Book the training', 'ai.owner.1': 'manager' };
  expect((await web.post(followUpLink, { 'q.held': 'yes', 'q.notes': 'Good talk', ...items })).status).toBe(200);
  await stack.db.actionItem.updateMany({ where: { pairId: pair.pairId, text: 'Book the training' }, data: { done: true, doneInCycle: 2 } });

  await page.goto(local(pair.reportRecordLink));
  await page.getByRole('heading', { name: 'Your 1:1s with Maya Manager' }).waitFor();
  await page.getByText('4 of 5 — energised').waitFor();
  await page.screenshot({ path: join(SCREENSHOTS, 'people-record.png'), fullPage: true });
  expect(await accessibilityViolations(page)).toEqual([]);
  await page.close();
  await pair.handle.executeUpdate('endPair', { args: [{}] });
}, 180_000);
