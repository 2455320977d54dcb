// Sending is idempotent and failure-aware: a retried activity never sends twice, a 4xx is retried
// until the message arrives, a 5xx is recorded as failed and the pair's workflow carries on.
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { createActivities } from '../activities';
import type { SendFormsRequest } from '../activities/pair-emails';
import { endPairUpdate } from '../workflows/pair-messages';
import { advanceTo, messageIdOf, sameMessageId, waitForStatus } from './support/pair-driver';
import { SAMPLE_PAIR, startRapportStack, type RapportStack } from '../harness/rapport-stack';
import { createTimeSkippingEnv } from '../harness/temporal-env';

let env: TestWorkflowEnvironment;
let stack: RapportStack;
const lostAfterSending = new Set<string>();

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  stack = await startRapportStack(env, {
    activities: (real: ReturnType<typeof createActivities>) => ({
      ...real,
      // The worker loses the activity's completion after the relay accepted the email.
      async sendForms(request: SendFormsRequest) {
        const result = await real.sendForms(request);
        if (lostAfterSending.has(request.pairId) && Context.current().info.attempt === 1) {
          throw new Error('connection to Temporal lost after the email was accepted');
        }
        return result;
      },
    }),
  });
});

afterAll(async () => {
  await stack?.stop();
  await env?.teardown();
});

let people = 0;
async function pairReachingReflection() {
  people += 1;
  const report = `ravi${people}@example.com`;
  const manager = `maya${people}@example.com`;
  const pair = await stack.createPair({ ...SAMPLE_PAIR, manager: { name: 'Maya', email: manager }, report: { name: 'Ravi', email: report } });
  const status = await waitForStatus(pair.handle, (s) => s.cycle === 1);
  const reflectionAt = Date.parse(status.nextEvents[0].at);
  return { ...pair, report, manager, reflectionAt };
}

it('sends one email when the activity is retried after the relay accepted it', async () => {
  const { pairId, handle, reflectionAt } = await pairReachingReflection();
  lostAfterSending.add(pairId);
  await advanceTo(env, reflectionAt + 1_000);
  await waitForStatus(handle, (s) => s.stage === 'reminder', 60_000);
  const id = messageIdOf(pairId, 1, 'reflection', 'report');
  expect(stack.smtp.messages.filter((m) => sameMessageId(m, id))).toHaveLength(1);
  const row = await stack.db.outboxEmail.findUniqueOrThrow({ where: { id: `${pairId}:1:reflection:report` } });
  expect(row.status).toBe('sent');
  expect(row.attempts).toBe(1);
  expect(await stack.db.form.count({ where: { pairId } })).toBe(2);
  expect(await stack.db.formLink.count()).toBeGreaterThanOrEqual(2);
  await handle.executeUpdate(endPairUpdate, { args: [{}] });
});

it('retries a 451 until the message arrives, once', async () => {
  const { pairId, handle, reflectionAt } = await pairReachingReflection();
  stack.smtp.deferNext(1);
  await advanceTo(env, reflectionAt + 1_000);
  await waitForStatus(handle, (s) => s.stage === 'reminder', 60_000);
  const both = [messageIdOf(pairId, 1, 'reflection', 'report'), messageIdOf(pairId, 1, 'managerPrep', 'manager')];
  for (const id of both) expect(stack.smtp.messages.filter((m) => sameMessageId(m, id))).toHaveLength(1);
  const rows = await stack.db.outboxEmail.findMany({ where: { pairId } });
  expect(rows.every((r) => r.status === 'sent')).toBe(true);
  const deferred = rows.find((r) => r.attempts === 2);
  expect(deferred?.lastError).toMatch(/451/);
  await handle.executeUpdate(endPairUpdate, { args: [{}] });
});

it('records a 550 as failed and carries on with the rest of the cycle', async () => {
  const { pairId, handle, report, manager, reflectionAt } = await pairReachingReflection();
  stack.smtp.rejectRecipients.add(report);
  await advanceTo(env, reflectionAt + 1_000);
  await waitForStatus(handle, (s) => s.stage === 'reminder', 60_000);
  const failed = await stack.db.outboxEmail.findUniqueOrThrow({ where: { id: `${pairId}:1:reflection:report` } });
  expect(failed.status).toBe('failed');
  expect(failed.lastError).toMatch(/550/);
  expect(stack.smtp.messages.filter((m) => m.to.includes(report))).toHaveLength(0);
  expect(stack.smtp.messages.filter((m) => m.to.includes(manager))).toHaveLength(1);
  stack.smtp.rejectRecipients.delete(report);
  await handle.executeUpdate(endPairUpdate, { args: [{}] });
});

it('hands a longer outage from the quick local attempts to the regular activity, and delivers once', async () => {
  const { pairId, handle, reflectionAt } = await pairReachingReflection();
  // More 451s than the local activity's three attempts allow for both emails.
  stack.smtp.deferNext(8);
  await advanceTo(env, reflectionAt + 1_000);
  await waitForStatus(handle, (s) => s.stage === 'reminder', 120_000);
  const both = [messageIdOf(pairId, 1, 'reflection', 'report'), messageIdOf(pairId, 1, 'managerPrep', 'manager')];
  for (const id of both) expect(stack.smtp.messages.filter((m) => sameMessageId(m, id))).toHaveLength(1);
  const rows = await stack.db.outboxEmail.findMany({ where: { pairId } });
  expect(rows.map((row) => row.status)).toEqual(['sent', 'sent']);
  expect(Math.max(...rows.map((row) => row.attempts))).toBeGreaterThan(3);
  const { status } = await handle.describe();
  expect(status.name).toBe('RUNNING');
  await handle.executeUpdate(endPairUpdate, { args: [{}] });
});
