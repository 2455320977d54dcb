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
