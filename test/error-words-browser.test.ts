// In a real browser (Chromium via playwright-core): the problems an admin meets are in plain words,
// one a line, beside the field they are about, and an import's report names the people of each
// refused row. Screenshots of both pages; axe-core finds nothing on either.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { accessibilityViolations } from './support/accessibility';
import { SCREENSHOTS } from './support/browser';
import { startAdminBrowserStack, type AdminBrowserStack } from './support/admin-browser-stack';

let browser: Browser;
let baseUrl: string;

let harness: AdminBrowserStack;

beforeAll(async () => {
  harness = await startAdminBrowserStack();
  ({ browser, baseUrl } = harness);
});

afterAll(async () => {
  await harness?.stop();
});

/** A page in a context where axe-core's script may run (the service's CSP forbids inline scripts). */
async function signedInPage(): Promise<Page> {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/admin`);
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password').fill('a long admin password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Pairs', exact: true }).waitFor();
  return page;
}

/** The lines of the problem an input's aria-describedby points to, as the page shows them, and whether it is marked invalid. */
async function linesBeside(page: Page, input: string): Promise<{ invalid: string | null; lines: string[] }> {
  const field = page.locator(input);
  const describedBy = await field.getAttribute('aria-describedby');
  const text = describedBy === null ? '' : await page.locator(`#${describedBy}`).innerText();
  return { invalid: await field.getAttribute('aria-invalid'), lines: text.split('\n').filter((line) => line !== '') };
}

it('shows each problem of a new pair in plain words, one a line, beside its field', async () => {
  const page = await signedInPage();
  const fields: Record<string, string> = {
    "Manager's name": '  ',
    "Manager's email": 'not-an-email',
    "Report's name": 'R'.repeat(201),
    "Report's email": 'omar@example.com',
    'Meeting time (HH:MM)': '9.30',
    'Time zone (e.g. Europe/Berlin)': 'Europe/Lisbn',
    'Length in minutes': '600',
  };
  for (const [label, value] of Object.entries(fields)) await page.getByLabel(label, { exact: true }).fill(value);
  await page.locator('#cadence').selectOption('monthly');
  await page.locator('#ordinal').selectOption('last');
  await page.locator('#weekday').selectOption('5');
  await page.getByRole('button', { name: 'Add the pair' }).click();
  await page.getByRole('alert').waitFor();
  // What was typed and chosen comes back as it was sent, beside its problems.
  expect(await page.locator('#durationMinutes').inputValue()).toBe('600');
  expect(await page.locator('#cadence').inputValue()).toBe('monthly');
  expect(await page.locator('#ordinal').inputValue()).toBe('last');
  expect(await page.locator('#weekday').inputValue()).toBe('5');

  expect(await page.getByRole('alert').textContent()).toBe('The pair was not created. 6 problems are shown beside their fields.');
  expect(await linesBeside(page, '#managerName')).toEqual({ invalid: 'true', lines: ['Manager name is required'] });
  expect(await linesBeside(page, '#managerEmail')).toEqual({ invalid: 'true', lines: ['This is not an email address: not-an-email'] });
  expect(await linesBeside(page, '#reportName')).toEqual({ invalid: 'true', lines: ['Report name is too long: at most 200 characters'] });
  expect(await linesBeside(page, '#reportEmail')).toEqual({ invalid: null, lines: [] });
  expect(await linesBeside(page, '#meetingTime')).toEqual({ invalid: 'true', lines: ['Meeting time must be a time like 09:30, on a 24-hour clock'] });
  expect(await linesBeside(page, '#timeZone')).toEqual({
    invalid: 'true',
    lines: ['Time zone not recognised: Europe/Lisbn — use a name like Europe/Lisbon'],
  });
  expect(await linesBeside(page, '#durationMinutes')).toEqual({ invalid: 'true', lines: ['Meeting length must be a whole number of minutes from 5 to 480'] });
  await page.screenshot({ path: join(SCREENSHOTS, 'error-words-new-pair.png'), fullPage: true });
  expect(await accessibilityViolations(page)).toEqual([]);
  await page.context().close();
});

it('reports an import with the people of each refused row named, one problem a line', async () => {
  const page = await signedInPage();
  const csv = [
    'manager_name,manager_email,report_name,report_email,cadence,weekday,meeting_time,time_zone',
    'Maya Manager,maya.words@example.com,Ravi Report,ravi.words@example.com,weekly,thursday,10:00,Europe/Berlin',
    'Ana Costa,ana.words@example.com,Bo Li,bo@,weekly,monday,10:00,Europe/Lisbon',
    'Cy Dee,cy.words@example.com,Di Eve,di.words@example.com,weekly,funday,9.30,Europe/Lisbn',
    ',,,,weekly,monday,10:00,UTC',
  ].join('\n');
  await page.locator('#csv').fill(csv);
  await page.getByRole('button', { name: 'Import' }).click();
  await page.getByRole('heading', { name: 'Import', exact: true }).waitFor();

  expect(await page.locator('h2:has-text("Created") + ul > li').allInnerTexts()).toEqual(['Row 2: maya.words@example.com and ravi.words@example.com']);
  expect(await page.getByRole('heading', { name: 'Refused (3)' }).count()).toBe(1);
  expect(await page.locator('h2:has-text("Refused") ~ ul > li').allInnerTexts()).toEqual([
    'Row 3, Ana Costa and Bo Li: This is not an email address: bo@',
    'Row 4, Cy Dee and Di Eve: Weekday not recognised: funday — write a day from Monday to Sunday, or 1 to 7',
    'Row 4, Cy Dee and Di Eve: Meeting time must be a time like 09:30, on a 24-hour clock',
    'Row 4, Cy Dee and Di Eve: Time zone not recognised: Europe/Lisbn — use a name like Europe/Lisbon',
    'Row 5: Manager name is required',
    'Row 5: Manager email is required',
    'Row 5: Report name is required',
    'Row 5: Report email is required',
  ]);
  await page.screenshot({ path: join(SCREENSHOTS, 'error-words-import.png'), fullPage: true });
  expect(await accessibilityViolations(page)).toEqual([]);
  await page.context().close();
});
