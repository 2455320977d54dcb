// In a real browser (Debian's Chromium via playwright-core): an admin edits the words of a scale's
// two ends on a pair's page, saves, and the next page shows them; a page sent unchanged saves no
// version; a question turned into a scale gets its label inputs on the page that follows.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { accessibilityViolations } from './support/accessibility';
import { SCREENSHOTS } from './support/browser';
import { signIn as signInAs, startAdminBrowserStack, type AdminBrowserStack } from './support/admin-browser-stack';
import type { RapportStack } from '../harness/rapport-stack';
import type { QuestionSetStages } from '../question-sets/question-types';

let stack: RapportStack;
let browser: Browser;
let baseUrl: string;

let harness: AdminBrowserStack;

beforeAll(async () => {
  harness = await startAdminBrowserStack();
  ({ stack, browser, baseUrl } = harness);
});

afterAll(async () => {
  await harness?.stop();
});

const signIn = (page: Page) => signInAs(page, baseUrl);

/** The pair's questions, opened if the page shows them collapsed. */
async function openQuestions(page: Page): Promise<void> {
  const editor = page.locator('details.questions');
  if ((await editor.count()) > 0 && (await editor.getAttribute('open')) === null) await editor.locator('summary').click();
  await page.locator('form.editor').waitFor();
}

const storedSets = async (pairId: string) =>
  (await stack.db.questionSet.findMany({ where: { scope: pairId }, orderBy: { version: 'asc' } })).map((row) => ({
    version: row.version,
    note: row.note,
    stages: JSON.parse(row.stages) as QuestionSetStages,
  }));

it('edits a scale’s labels in the browser, and the next page shows them', async () => {
  const { pairId } = await stack.createPair();
  // bypassCSP lets axe-core's script run in the page.
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signIn(page);
  await page.goto(`${baseUrl}/admin/pairs/${pairId}`);
  await openQuestions(page);

  // The reflection's energy question (the 4th) is a scale: the words for 1 and 5, no length limit.
  expect(await page.getByLabel('What 1 means').first().inputValue()).toBe('drained');
  expect(await page.locator('#reflection-3-maxLength').count()).toBe(0);
  expect(await page.locator('#reflection-3-options').count()).toBe(0);
  await page.locator('#reflection-3-scaleLow').fill('running on empty');
  await page.locator('#reflection-3-scaleHigh').fill('full of energy & ideas');
  await page.getByRole('button', { name: 'Save questions' }).click();
  await page.getByRole('status').waitFor();
  expect(await page.getByRole('status').textContent()).toContain('Saved as a new version');
  const [saved] = await storedSets(pairId);
  expect(saved.note).toBe('reflection: edited energy');
  expect(saved.stages.reflection[3].scaleLabels).toEqual({ low: 'running on empty', high: 'full of energy & ideas' });

  await openQuestions(page);
  expect(await page.locator('#reflection-3-scaleLow').inputValue()).toBe('running on empty');
  expect(await page.locator('#reflection-3-scaleHigh').inputValue()).toBe('full of energy & ideas');
  await page.locator('#reflection-3-scaleLow').scrollIntoViewIfNeeded();
  await page
    .locator('form.editor fieldset')
    .first()
    .screenshot({ path: join(SCREENSHOTS, 'question-editor.png') });
  expect(await accessibilityViolations(page)).toEqual([]);

  // Sent again as it is: nothing changed, no new version.
  await page.getByRole('button', { name: 'Save questions' }).click();
  await page.getByRole('status').filter({ hasText: 'Nothing changed' }).waitFor();
  expect(await storedSets(pairId)).toHaveLength(1);

  // "wins" becomes a scale: saved without labels, and the page that follows asks for them.
  await openQuestions(page);
  expect(await page.locator('#reflection-1-maxLength').count()).toBe(1);
  await page.locator('#reflection-1-type').selectOption('scale');
  await page.getByRole('button', { name: 'Save questions' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved as a new version' }).waitFor();
  await openQuestions(page);
  expect(await page.locator('#reflection-1-scaleLow').inputValue()).toBe('');
  expect(await page.locator('#reflection-1-maxLength').count()).toBe(0);
  await page.locator('#reflection-1-scaleLow').fill('a slow week');
  await page.locator('#reflection-1-scaleHigh').fill('a great week');
  await page.getByRole('button', { name: 'Save questions' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved as a new version' }).waitFor();
  const versions = await storedSets(pairId);
  expect(versions.map((v) => [v.version, v.note])).toEqual([
    [2, 'reflection: edited energy'],
    [3, 'reflection: edited wins'],
    [4, 'reflection: edited wins'],
  ]);
  expect(versions[2].stages.reflection[1]).toEqual({
    id: 'wins',
    text: 'What went well since our last 1:1?',
    type: 'scale',
    required: false,
    scaleLabels: { low: 'a slow week', high: 'a great week' },
  });
  // The other scale kept what was saved first.
  expect(versions[2].stages.reflection[3].scaleLabels).toEqual({ low: 'running on empty', high: 'full of energy & ideas' });
  await page.locator('#reflection-1-scaleLow').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SCREENSHOTS, 'question-editor-new-scale.png') });
  expect(await accessibilityViolations(page)).toEqual([]);
  await context.close();
});
