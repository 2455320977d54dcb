// In a real browser (Debian's Chromium via playwright-core): a pair's admin page read in five
// seconds. Times in the pair's zone with the zone named and the admin's own beside them, stages by
// name, meetings by date; only the actions that apply (pause, then resume in its place); ending asks
// for confirmation and a reason, and the ended pair's page shows that reason; the schedule form shows
// the current cadence selected.
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { accessibilityViolations } from './support/accessibility';
import { SCREENSHOTS } from './support/browser';
import { startAdminBrowserStack, type AdminBrowserStack } from './support/admin-browser-stack';
import { advanceTo, waitForStatus } from './support/pair-driver';
import type { RapportStack } from '../harness/rapport-stack';
import { scheduleChangeFromForm } from '../admin/pair-forms';
import { pairStatusQuery } from '../workflows/pair-messages';

const ADMIN_ZONE = 'Europe/Berlin';

let env: TestWorkflowEnvironment;
let stack: RapportStack;
let browser: Browser;
let baseUrl: string;

let harness: AdminBrowserStack;

beforeAll(async () => {
  harness = await startAdminBrowserStack({ adminTimeZone: ADMIN_ZONE });
  ({ env, stack, browser, baseUrl } = harness);
});

afterAll(async () => {
  await harness?.stop();
});

async function signedIn(): Promise<{ context: BrowserContext; page: Page }> {
  // bypassCSP lets axe-core's script run in the page.
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/admin`);
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password').fill('a long admin password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Pairs', exact: true }).waitFor();
  return { context, page };
}

/** The page reloaded until the locator shows: the workflow writes its state to the database just after it answers. */
async function reloadUntilVisible(page: Page, locator: Locator): Promise<void> {
  for (let attempt = 0; attempt < 60; attempt += 1) {
    if (await locator.isVisible()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
    await page.reload();
  }
  throw new Error(`never shown: ${locator.toString()}`);
}

const buttonNames = async (page: Page) => (await page.locator('.actions').getByRole('button').allTextContents()).map((text) => text.trim());

/** "Thu 10 Dec, 10:00 Lisbon (11:00 Berlin)", as a pattern; the year only outside this one. */
const lisbonTime = (day = '(Mon|Tue|Wed|Thu|Fri|Sat|Sun)') => String.raw`${day} \d{1,2} [A-Z][a-z]{2}( \d{4})?, \d\d:\d\d Lisbon \(\d\d:\d\d Berlin\)`;
const LISBON_TIME = lisbonTime();

it('reads in the pair’s zone with stage names, offers only the actions that apply, and shows the current schedule selected', async () => {
  const { pairId, handle } = await stack.createPair({
    manager: { name: 'Lia Manager', email: 'lia@example.com' },
    report: { name: 'Rui Report', email: 'rui@example.com' },
    settings: { cadence: { kind: 'weekly', everyWeeks: 2, weekday: 3 }, meetingTime: '10:00', timeZone: 'Europe/Lisbon' },
  });
  const status = await waitForStatus(handle, (s) => s.cycle === 1 && s.nextEvents.length > 0);
  // The reflection and the manager's prep go out, so this meeting's forms are listed.
  await advanceTo(env, Date.parse(status.nextEvents[0].at) + 1_000);
  await waitForStatus(handle, (s) => s.stage === 'reminder');

  const { context, page } = await signedIn();
  await page.goto(`${baseUrl}/admin/pairs/${pairId}`);
  const answers = page.getByRole('region', { name: 'Answers for this meeting' });
  await reloadUntilVisible(page, answers.getByText('Reflection to Rui Report (report): not answered yet'));
  await reloadUntilVisible(page, page.getByText('next: Reminder', { exact: false }));

  // The next meeting, in Lisbon with the admin's Berlin beside it, and its stages by name.
  const next = page.getByRole('heading', { level: 2, name: /^Next meeting: / });
  expect(await next.textContent()).toMatch(new RegExp(`^Next meeting: ${lisbonTime('Wed')}$`));
  const stages = await page
    .getByRole('region', { name: /^Next meeting/ })
    .locator('tbody tr')
    .allTextContents();
  expect(stages.length).toBeGreaterThan(0);
  for (const row of stages) expect(row).toMatch(new RegExp(`^(Reminder|Agenda|Meeting|Follow-up)${LISBON_TIME}$`));
  expect(await page.locator('.pair-state').textContent()).toMatch(/^State: running · next: Reminder, for the meeting on Wed \d{1,2} [A-Z][a-z]{2}/);
  expect(await answers.locator('li').allTextContents()).toEqual([
    'Reflection to Rui Report (report): not answered yet',
    'Manager prep to Lia Manager (manager): not answered yet',
  ]);
  // No raw instant, stage id or meeting number anywhere people read.
  const text = await page.locator('main').innerText();
  expect(text).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
  expect(text).not.toMatch(/managerPrep|followUp|of meeting \d|Meeting \d/);

  // Running: pause and skip; no resume, no restart; ending is a link to its confirmation.
  expect(await buttonNames(page)).toEqual(['Pause', 'Skip the next meeting']);
  expect(await page.getByRole('link', { name: 'End the pair…' }).getAttribute('href')).toBe(`/admin/pairs/${pairId}/end`);

  // The schedule form shows the pair's cadence selected.
  await page.getByText('Change the schedule', { exact: true }).first().click();
  expect(await page.locator('#cadence').inputValue()).toBe('weekly');
  expect(await page.locator('#everyWeeks').inputValue()).toBe('2');
  expect(await page.locator('#weekday').inputValue()).toBe('3');
  expect(await page.locator('#meetingTime').inputValue()).toBe('10:00');
  await page.getByText('Change the schedule', { exact: true }).first().click();

  await page.screenshot({ path: join(SCREENSHOTS, 'pair-page-running.png'), fullPage: true });
  expect(await accessibilityViolations(page)).toEqual([]);

  // Pause: resume takes its place.
  await page.getByRole('button', { name: 'Pause' }).click();
  await page.getByRole('status').waitFor();
  await reloadUntilVisible(page, page.getByRole('button', { name: 'Resume' }));
  expect(await buttonNames(page)).toEqual(['Resume', 'Skip the next meeting']);
  expect(await page.getByText('On hold while the pair is paused.').isVisible()).toBe(true);
  await page.getByRole('button', { name: 'Resume' }).click();
  await reloadUntilVisible(page, page.getByRole('button', { name: 'Pause' }));
  expect(await buttonNames(page)).toEqual(['Pause', 'Skip the next meeting']);
  await context.close();
});

it('ends a pair only after a confirmation with a reason, and shows the reason on the ended pair’s page', async () => {
  const { pairId, handle } = await stack.createPair({
    manager: { name: 'Eva Manager', email: 'eva@example.com' },
    report: { name: 'Ed Report', email: 'ed@example.com' },
    settings: { cadence: { kind: 'weekly', everyWeeks: 1, weekday: 4 }, meetingTime: '10:00', timeZone: 'Europe/Lisbon' },
  });
  await waitForStatus(handle, (s) => s.cycle === 1);
  const { context, page } = await signedIn();
  await page.goto(`${baseUrl}/admin/pairs/${pairId}`);
  await reloadUntilVisible(page, page.getByRole('link', { name: 'End the pair…' }));
  await page.getByRole('link', { name: 'End the pair…' }).click();

  // The confirmation page: nothing has ended yet.
  await page.getByRole('heading', { name: 'End the pair Ed Report and Eva Manager?' }).waitFor();
  expect((await handle.query(pairStatusQuery)).state).toBe('active');
  await page.screenshot({ path: join(SCREENSHOTS, 'pair-page-end-confirm.png'), fullPage: true });
  expect(await accessibilityViolations(page)).toEqual([]);

  // Without a reason, it asks again, beside the field.
  await page.getByRole('button', { name: 'End the pair' }).click();
  await page.getByRole('alert').waitFor();
  const reason = page.getByLabel('Why does the pair end?');
  expect(await reason.getAttribute('aria-invalid')).toBe('true');
  expect(await page.locator('#reason-problem').textContent()).toBe('Say why the pair ends: the reason is kept with its record.');
  expect((await handle.query(pairStatusQuery)).state).toBe('active');
  expect(await accessibilityViolations(page)).toEqual([]);

  await reason.fill('Ed moved to another team');
  await page.getByRole('button', { name: 'End the pair' }).click();
  await page.getByRole('status').waitFor();
  await reloadUntilVisible(page, page.getByText('Ed moved to another team'));
  expect(await page.locator('.pair-state').textContent()).toBe('State: ended');
  expect(await page.locator('.ended').innerText()).toMatch(
    new RegExp(`^This pair ended on ${LISBON_TIME}; its record is kept.\\s+Reason given:\\s+Ed moved to another team$`),
  );
  // Nothing to do to an ended pair.
  expect(await page.locator('.actions').count()).toBe(0);
  expect(await page.getByRole('link', { name: 'End the pair…' }).count()).toBe(0);
  await page.screenshot({ path: join(SCREENSHOTS, 'pair-page-ended.png'), fullPage: true });
  expect(await accessibilityViolations(page)).toEqual([]);
  await context.close();
});

it('changes the cadence from the schedule form only when its inputs were changed', () => {
  const shown = { cadenceShown: 'weekly:2:3', cadence: 'weekly', everyWeeks: '2', ordinal: '1', weekday: '3', meetingTime: '11:00' };
  expect(scheduleChangeFromForm(shown)).toEqual({ meetingTime: '11:00' });
  expect(scheduleChangeFromForm({ ...shown, weekday: '4' })).toEqual({ meetingTime: '11:00', cadence: { kind: 'weekly', everyWeeks: 2, weekday: 4 } });
  expect(scheduleChangeFromForm({ ...shown, cadence: 'monthly', ordinal: 'last' })).toMatchObject({ cadence: { kind: 'monthly', ordinal: -1, weekday: 3 } });
  // A form that does not say what it showed (a script) changes the cadence whenever it names one, as before.
  const { cadenceShown: _shown, ...unshown } = shown;
  expect(scheduleChangeFromForm(unshown)).toMatchObject({ cadence: { kind: 'weekly', everyWeeks: 2, weekday: 3 } });
});
