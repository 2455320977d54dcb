// In a real browser (Debian's Chromium via playwright-core): an admin signs in, edits a pair's
// reflection questions and saves; the next reflection email carries them, and the pair's workflow
// kept running (same run, no restart).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { freePort, launchChromium, SCREENSHOTS } from './support/browser';
import { buildWebServer } from '../server/web-server';
import { advanceTo, messageIdOf, sameMessageId, waitForStatus } from './support/pair-driver';
import { startRapportStack, type RapportStack } from './support/rapport-stack';
import { createTimeSkippingEnv } from './support/temporal-env';


let env: TestWorkflowEnvironment;
let app: FastifyInstance;
let stack: RapportStack;
let browser: Browser;
let baseUrl: string;


beforeAll(async () => {
  env = await createTimeSkippingEnv();
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  stack = await startRapportStack(env, { publicBaseUrl: baseUrl });
  app = await buildWebServer({
    db: stack.db,
    temporal: env.client,
    publicBaseUrl: baseUrl,
    rateLimitPerMinute: 1_000,
    admin: { taskQueue: stack.taskQueue, credentials: { user: 'admin', password: 'a long admin password' }, sessionSecret: 'browser-test-secret', secureCookies: false },
  });
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

it('edits a pair’s reflection questions in the browser; the next email uses them without a restart', async () => {
  const { pairId, handle } = await stack.createPair();
  const status = await waitForStatus(handle, (s) => s.cycle === 1);
  const runBefore = (await handle.describe()).runId;

  const page = await browser.newPage();
  await page.goto(`${baseUrl}/admin`);
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password').fill('a long admin password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Pairs', exact: true }).waitFor();
  await page.getByRole('link', { name: 'Maya Manager' }).click();
  await page.getByRole('heading', { name: 'Ravi Report and Maya Manager' }).waitFor();

  await page.locator('#reflection-0-text').fill('What do you most want to talk about this week?');
  await page.locator('#reflection-5-text').fill('What did you learn since last time?');
  await page.locator('#reflection-5-type').selectOption('text');
  await page.getByRole('button', { name: 'Save questions' }).click();
  await page.getByRole('status').waitFor();
  expect(await page.getByRole('status').textContent()).toContain('Saved as a new version');
  await page.screenshot({ path: join(SCREENSHOTS, 'admin-pair.png'), fullPage: false });

  // A question with no text is refused next to the editor, and nothing is saved.
  await page.locator('#reflection-1-text').fill('   ');
  await page.getByRole('button', { name: 'Save questions' }).click();
  await page.getByRole('alert').waitFor();
  expect(await page.getByRole('alert').textContent()).toContain('reflection question 2: question text is empty');
  expect((await stack.db.questionSet.findMany({ where: { scope: pairId } })).map((q) => q.version)).toEqual([2]);

  await advanceTo(env, Date.parse(status.nextEvents[0].at) + 1_000);
  const [reflection] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, 1, 'reflection', 'report')));
  expect(reflection.text).toContain('What do you most want to talk about this week?');
  expect(reflection.text).toContain('What did you learn since last time?');
  expect((await handle.describe()).runId).toBe(runBefore);
  expect((await stack.db.form.findFirstOrThrow({ where: { pairId, kind: 'reflection' } })).questionSetVersion).toBe(2);
  await page.close();
});
