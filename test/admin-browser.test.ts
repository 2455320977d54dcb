// In a real browser (Debian's Chromium via playwright-core): an admin signs in, edits a pair's
// reflection questions and saves; the next reflection email carries them, and the pair's workflow
// kept running (same run, no restart).
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Browser, Page } from 'playwright-core';
import { accessibilityViolations } from './support/accessibility';
import { SCREENSHOTS } from './support/browser';
import { signIn as signInAs, startAdminBrowserStack, type AdminBrowserStack } from './support/admin-browser-stack';
import { advanceTo, messageIdOf, sameMessageId, waitForStatus } from './support/pair-driver';
import type { RapportStack } from '../harness/rapport-stack';

let env: TestWorkflowEnvironment;
let stack: RapportStack;
let browser: Browser;
let baseUrl: string;

let harness: AdminBrowserStack;

beforeAll(async () => {
  harness = await startAdminBrowserStack();
  ({ env, stack, browser, baseUrl } = harness);
});

afterAll(async () => {
  await harness?.stop();
});

const signIn = (page: Page) => signInAs(page, baseUrl);

/** The text of what an input's aria-describedby points to, and whether it is marked invalid. */
async function problemBeside(page: Page, input: string): Promise<{ invalid: string | null; text: string | null }> {
  const field = page.locator(input);
  const describedBy = await field.getAttribute('aria-describedby');
  return { invalid: await field.getAttribute('aria-invalid'), text: describedBy === null ? null : await page.locator(`#${describedBy}`).textContent() };
}

it('edits a pair’s reflection questions in the browser; the next email uses them without a restart', async () => {
  const { pairId, handle } = await stack.createPair();
  const status = await waitForStatus(handle, (s) => s.cycle === 1);
  const runBefore = (await handle.describe()).runId;

  const page = await browser.newPage();
  await signIn(page);
  await page.getByRole('link', { name: 'Maya Manager' }).click();
  await page.getByRole('heading', { name: 'Ravi Report and Maya Manager' }).waitFor();

  // The questions are collapsed on the pair's page; after a save they stay open.
  await page.getByText(/^Questions \(version \d+\): edit each stage/).click();
  await page.locator('#reflection-0-text').fill('What do you most want to talk about this week?');
  await page.locator('#reflection-5-text').fill('What did you learn since last time?');
  await page.locator('#reflection-5-type').selectOption('text');
  await page.getByRole('button', { name: 'Save questions' }).click();
  await page.getByRole('status').waitFor();
  expect(await page.getByRole('status').textContent()).toContain('Saved as a new version');
  await page.screenshot({ path: join(SCREENSHOTS, 'admin-pair.png'), fullPage: false });

  // A question with no text is refused beside its field, and nothing is saved.
  await page.locator('#reflection-1-text').fill('   ');
  await page.getByRole('button', { name: 'Save questions' }).click();
  await page.getByRole('alert').waitFor();
  expect(await page.getByRole('alert').textContent()).toBe('Not saved. 1 problem is shown beside its field.');
  expect(await problemBeside(page, '#reflection-1-text')).toEqual({ invalid: 'true', text: 'Reflection question 2: the question needs text' });
  expect(await problemBeside(page, '#reflection-0-text')).toEqual({ invalid: null, text: null });
  expect((await stack.db.questionSet.findMany({ where: { scope: pairId } })).map((q) => q.version)).toEqual([2]);
  await page.locator('#reflection-1-text').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SCREENSHOTS, 'admin-pair-problem.png') });

  await advanceTo(env, Date.parse(status.nextEvents[0].at) + 1_000);
  const [reflection] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, 1, 'reflection', 'report')));
  expect(reflection.text).toContain('What do you most want to talk about this week?');
  expect(reflection.text).toContain('What did you learn since last time?');
  expect((await handle.describe()).runId).toBe(runBefore);
  expect((await stack.db.form.findFirstOrThrow({ where: { pairId, kind: 'reflection' } })).questionSetVersion).toBe(2);
  await page.close();
});

it('shows each problem of a new pair beside its field, and one about no field on top', async () => {
  // bypassCSP lets axe-core's script run in the page.
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signIn(page);
  const fill = async (fields: Record<string, string>) => {
    for (const [label, value] of Object.entries(fields)) await page.getByLabel(label, { exact: true }).fill(value);
  };
  const people = { "Manager's name": 'Noor Manager', "Manager's email": 'noor@example', "Report's name": 'Omar Report', "Report's email": 'omar@example.com' };
  await fill({ ...people, 'Meeting time (HH:MM)': '25:00', 'Time zone (e.g. Europe/Berlin)': 'Mars/Olympus' });
  await page.getByRole('button', { name: 'Add the pair' }).click();
  await page.getByRole('alert').waitFor();
  expect(await page.getByRole('alert').textContent()).toBe('The pair was not created. 3 problems are shown beside their fields.');
  expect(await problemBeside(page, '#managerEmail')).toEqual({
    invalid: 'true',
    text: 'This is not an email address: noor@example',
  });
  expect(await problemBeside(page, '#meetingTime')).toEqual({ invalid: 'true', text: 'Meeting time must be a time like 09:30, on a 24-hour clock' });
  expect(await problemBeside(page, '#timeZone')).toEqual({ invalid: 'true', text: 'Time zone not recognised: Mars/Olympus — use a name like Europe/Lisbon' });
  expect(await problemBeside(page, '#reportEmail')).toEqual({ invalid: null, text: null });
  await page.screenshot({ path: join(SCREENSHOTS, 'admin-pairs-problems.png'), fullPage: true });
  expect(await accessibilityViolations(page)).toEqual([]);

  // A pair that exists already is a problem with no field of its own: it is listed on top.
  const existing = await stack.createPair({
    manager: { name: 'Erin Existing', email: 'erin@example.com' },
    report: { name: 'Eli Existing', email: 'eli@example.com' },
  });
  await fill({
    "Manager's name": 'Erin Existing',
    "Manager's email": 'erin@example.com',
    "Report's name": 'Eli Existing',
    "Report's email": 'eli@example.com',
  });
  await fill({ 'Meeting time (HH:MM)': '10:00', 'Time zone (e.g. Europe/Berlin)': 'Europe/Berlin' });
  await page.getByRole('button', { name: 'Add the pair' }).click();
  await page.getByRole('alert').waitFor();
  const alert = await page.getByRole('alert').textContent();
  expect(alert).toContain('The pair was not created.');
  expect(alert).toContain(`A pair for this manager and report already exists (pair ${existing.pairId}).`);
  expect(await page.locator('[aria-invalid]').count()).toBe(0);
  await context.close();
});

it("sets a pair's working days and calendar invites with labelled checkboxes, refusing no day beside the days", async () => {
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  await signIn(page);
  const day = (name: string) => page.getByRole('group', { name: /^Working days/ }).getByRole('checkbox', { name, exact: true });
  const days = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
  const checked = async () => {
    const states = await Promise.all(days.map((name) => day(name).isChecked()));
    return days.filter((_, index) => states[index]);
  };
  // The form that adds a pair: Monday to Friday and invites, checked.
  expect(await checked()).toEqual(days.slice(0, 5));
  expect(await page.getByRole('checkbox', { name: 'Send calendar invites for each meeting' }).isChecked()).toBe(true);
  await page.getByRole('group', { name: /^Working days/ }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SCREENSHOTS, 'admin-pairs-working-days.png') });
  expect(await accessibilityViolations(page)).toEqual([]);

  const { pairId, handle } = await stack.createPair({
    manager: { name: 'Wren Manager', email: 'wren@example.com' },
    report: { name: 'Wes Report', email: 'wes@example.com' },
  });
  await waitForStatus(handle, (s) => s.cycle === 1);
  await page.goto(`${baseUrl}/admin/pairs/${pairId}`);
  await page.getByText('Change the schedule', { exact: true }).first().click();
  for (const name of days.slice(0, 5)) await day(name).uncheck();
  await page.getByRole('button', { name: 'Change the schedule' }).click();
  await page.getByRole('alert').waitFor();
  expect(await page.getByRole('alert').textContent()).toBe('Not saved. 1 problem is shown beside its field.');
  expect(await problemBeside(page, '#workingDays')).toEqual({ invalid: null, text: 'Working days must be one to seven days from Monday (1) to Sunday (7)' });
  await page.getByRole('group', { name: /^Working days/ }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SCREENSHOTS, 'admin-pair-working-days.png') });
  expect(await accessibilityViolations(page)).toEqual([]);

  for (const name of ['Tuesday', 'Saturday']) await day(name).check();
  await page.getByRole('checkbox', { name: 'Send calendar invites for each meeting' }).uncheck();
  await page.getByRole('button', { name: 'Change the schedule' }).click();
  await page.getByRole('status').waitFor();
  // The schedule's panel is folded again after the save: what it saved shows when it is opened.
  await page.getByText('Change the schedule', { exact: true }).first().click();
  expect(await checked()).toEqual(['Tuesday', 'Saturday']);
  expect(await stack.db.pair.findUniqueOrThrow({ where: { id: pairId }, select: { workingDays: true, calendarInvites: true } })).toEqual({
    workingDays: '[2,6]',
    calendarInvites: false,
  });
  await context.close();
});
