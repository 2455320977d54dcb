// In a real browser (Debian's Chromium via playwright-core), on the Temporal CLI dev server: the
// admin's pair list (search, filter, order, pages) and the organisation overview, each screenshot
// and checked with axe-core.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { seedPairs, seededKind } from '../bench/admin-list';
import { startRapportStack, type RapportStack } from '../harness/rapport-stack';
import { createDevServerEnv } from '../harness/temporal-env';
import { accessibilityViolations } from './support/accessibility';
import { startAdminServer, type AdminServer } from './support/admin-server';
import { launchChromium, SCREENSHOTS } from './support/browser';
import { waitForStatus } from './support/pair-driver';

let env: TestWorkflowEnvironment;
let stack: RapportStack;
let admin: AdminServer;
let browser: Browser;
let context: BrowserContext;
let seeded: string[];

beforeAll(async () => {
  env = await createDevServerEnv();
  stack = await startRapportStack(env);
  admin = await startAdminServer(env, stack);
  seeded = await seedPairs(stack.db, { count: 60, tag: 'browser' });
  const running = await stack.createPair({
    manager: { name: 'Zoë Ålund', email: 'zoe.alund@example.com' },
    report: { name: 'Quinn Query', email: 'quinn@example.com' },
  });
  const stopped = await stack.createPair({ report: { name: 'Stella Stopped', email: 'stella@example.com' } });
  for (const pair of [running, stopped]) await waitForStatus(pair.handle, (s) => s.cycle === 1);
  await stopped.handle.terminate('ops mistake');
  browser = await launchChromium();
  // bypassCSP lets axe-core's script run in the page.
  context = await browser.newContext({ bypassCSP: true, viewport: { width: 1000, height: 900 } });
  const [name, value] = admin.cookie.split('=');
  await context.addCookies([{ name, value, url: `${admin.base}/admin` }]);
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await admin?.close();
  await stack?.stop();
  await env?.teardown();
});

async function shot(page: Page, name: string): Promise<void> {
  // The list is the top of the page: the add-a-pair form below it is another test's.
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: name.startsWith('admin-overview') });
  expect(await accessibilityViolations(page)).toEqual([]);
}

it('searches, filters, orders and pages the pair list', async () => {
  const page = await context.newPage();
  await page.goto(`${admin.base}/admin`);
  await page.getByRole('heading', { name: 'Pairs', exact: true }).waitFor();
  expect(await page.locator('#list-count').textContent()).toContain('62 pair(s), page 1 of 2');
  expect(await page.locator('table.pair-list tbody tr').count()).toBe(50);
  await shot(page, 'admin-pair-list');

  await page.getByRole('link', { name: 'Next page' }).click();
  expect(await page.locator('table.pair-list tbody tr').count()).toBe(12);

  await page.getByLabel('Name or email').fill('stella');
  await page.getByLabel('Show').selectOption('stopped');
  await page.getByRole('button', { name: 'Show pairs' }).click();
  await page.waitForURL(/filter=stopped/);
  // The stopped run is in Temporal's visibility within moments of the terminate.
  for (let tries = 0; tries < 50 && (await page.locator('table.pair-list tbody tr').count()) === 0; tries += 1) {
    await page.waitForTimeout(200);
    await page.reload();
  }
  const rows = page.locator('table.pair-list tbody tr');
  expect(await rows.count()).toBe(1);
  expect(await rows.first().textContent()).toMatch(/^Maya ManagerStella Stoppedstopped \(TERMINATED: ops mistake, since \w{3} \d+ \w{3}, \d\d:\d\d Berlin\)/);
  await shot(page, 'admin-pair-list-stopped');

  await page.getByLabel('Name or email').fill('');
  await page.getByLabel('Show').selectOption('chronic-skips');
  await page.getByLabel('Order').selectOption('next');
  await page.getByRole('button', { name: 'Show pairs' }).click();
  await page.waitForURL(/filter=chronic-skips/);
  const chronic = seeded.filter((_id, index) => seededKind(index).chronic && !seededKind(index).ended).length;
  expect(await page.locator('table.pair-list tbody tr').count()).toBe(chronic);
  await shot(page, 'admin-pair-list-chronic');

  await page.goto(`${admin.base}/admin?sort=bogus`);
  expect(await page.getByRole('alert').textContent()).toContain('There is no sort "bogus": choose manager, report, next, skips or newest.');
  await shot(page, 'admin-pair-list-bad-sort');
  await page.close();
});

it('shows the organisation overview, each row a link to its pair', async () => {
  const page = await context.newPage();
  await page.goto(`${admin.base}/admin`);
  await page.getByRole('link', { name: 'Organisation overview' }).click();
  await page.getByRole('heading', { name: 'Organisation overview' }).waitFor();
  expect(await page.getByRole('heading', { name: 'Not met in 4 weeks' }).count()).toBe(1);
  await shot(page, 'admin-overview');
  await page.getByLabel('Weeks to look back').fill('2');
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await page.getByRole('heading', { name: 'Not met in 2 weeks' }).waitFor();
  const firstLink = page.locator('#not-met').locator('xpath=..').locator('tbody a').first();
  const href = await firstLink.getAttribute('href');
  await firstLink.click();
  await page.waitForURL(`${admin.base}${href}`);
  await page.close();
});
