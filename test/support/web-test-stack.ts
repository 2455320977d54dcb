// The web service on the time-skipping server and the test stack, as the tests of the pages behind
// the links in emails use it: one start and one stop for every such file.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { buildWebServer } from '../../server/web-server';
import { PUBLIC_BASE_URL, startRapportStack, type RapportStack } from '../../harness/rapport-stack';
import { createTimeSkippingEnv } from '../../harness/temporal-env';
import { webClient, type WebClient } from './web-client';

export interface WebTestStack {
  env: TestWorkflowEnvironment;
  stack: RapportStack;
  app: FastifyInstance;
  web: WebClient;
}

export async function startWebTestStack(): Promise<WebTestStack> {
  const env = await createTimeSkippingEnv();
  const stack = await startRapportStack(env);
  const app = await buildWebServer({ db: stack.db, temporal: env.client, publicBaseUrl: PUBLIC_BASE_URL, rateLimitPerMinute: 1_000, updateTimeoutMs: 5_000 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { env, stack, app, web: webClient(app, PUBLIC_BASE_URL) };
}

/** Stops what startWebTestStack started; what did not start is skipped. */
export async function stopWebTestStack(running: Partial<WebTestStack>): Promise<void> {
  await running.app?.close();
  await running.stack?.stop();
  await running.env?.teardown();
}
