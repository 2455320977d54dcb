// The set-up the admin's browser tests share: a time-skipping Temporal, the Rapport stack, the web
// service with the admin on at a real port, and Chromium; screenshots go to SCREENSHOTS.
import { mkdirSync } from 'node:fs';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { freePort, launchChromium, SCREENSHOTS } from './browser';
import { buildWebServer } from '../../server/web-server';
import { startRapportStack, type RapportStack } from '../../harness/rapport-stack';
import { createTimeSkippingEnv } from '../../harness/temporal-env';

export const ADMIN_USER = 'admin';
export const ADMIN_PASSWORD = 'a long admin password';

export interface AdminBrowserStack {
  env: TestWorkflowEnvironment;
  stack: RapportStack;
  app: FastifyInstance;
  browser: Browser;
  baseUrl: string;
  stop(): Promise<void>;
}

export async function startAdminBrowserStack(options: { adminTimeZone?: string } = {}): Promise<AdminBrowserStack> {
  const env = await createTimeSkippingEnv();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const stack = await startRapportStack(env, { publicBaseUrl: baseUrl });
  const app = await buildWebServer({
    db: stack.db,
    temporal: env.client,
    publicBaseUrl: baseUrl,
    rateLimitPerMinute: 1_000,
    admin: {
      taskQueue: stack.taskQueue,
      credentials: { user: ADMIN_USER, password: ADMIN_PASSWORD },
      sessionSecret: 'browser-test-secret',
      secureCookies: false,
      ...(options.adminTimeZone ? { timeZone: options.adminTimeZone } : {}),
    },
  });
  await app.listen({ port, host: '127.0.0.1' });
  const browser = await launchChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    env,
    stack,
    app,
    browser,
    baseUrl,
    async stop() {
      await browser.close();
      await app.close();
      await stack.stop();
      await env.teardown();
    },
  };
}

/** Signs in on the admin's sign-in page and waits for the pair list. */
export async function signIn(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/admin`);
  await page.getByLabel('User name').fill(ADMIN_USER);
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Pairs', exact: true }).waitFor();
}
