// Helpers for driving a pair's workflow through time in tests.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import type { WorkflowHandle } from '@temporalio/client';
import { messageIdFor, outboxKey } from '../../activities/outbox';
import { pairStatusQuery } from '../../workflows/pair-messages';
import type { PairStatus, Role } from '../../workflows/pair-types';
import type { pairWorkflow } from '../../workflows/pair-workflow';
import type { ReceivedEmail } from '../../harness/smtp-sink';

export type PairHandle = WorkflowHandle<typeof pairWorkflow>;

/** Moves the time-skipping server's clock forward to `instant` (never backwards). */
export async function advanceTo(env: TestWorkflowEnvironment, instant: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (instant > now) await env.sleep(instant - now);
}

const { EventType } = temporal.api.enums.v1;
const IDLE_AFTER = new Set<number>([
  EventType.EVENT_TYPE_TIMER_STARTED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  EventType.EVENT_TYPE_MARKER_RECORDED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
]);

/**
 * True when the pair's latest run is waiting on a timer or a condition, with no task or activity
 * in flight. Reading history never creates a task, unlike a query: the Java test server can route
 * a query to a run that is just continuing as new, never answer it, and stay locked against
 * time skipping, so tests only query an idle workflow.
 */
async function isIdle(handle: PairHandle): Promise<boolean> {
  const description = await handle.describe();
  if (description.status.name !== 'RUNNING') return true;
  if ((description.raw.pendingActivities ?? []).length > 0) return false;
  const history = await handle.client.getHandle(handle.workflowId, description.runId).fetchHistory();
  const last = history.events?.[history.events.length - 1];
  return last?.eventType != null && IDLE_AFTER.has(last.eventType);
}

export async function waitForStatus(handle: PairHandle, predicate: (status: PairStatus) => boolean, timeoutMs = 30_000): Promise<PairStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: PairStatus | undefined;
  for (;;) {
    if (await isIdle(handle)) {
      last = await handle.query(pairStatusQuery);
      if (predicate(last)) return last;
    }
    if (Date.now() > deadline) throw new Error(`pair status never matched; last: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function messageIdOf(pairId: string, cycle: number, stage: string, role: Role): string {
  return messageIdFor(outboxKey({ pairId, cycle, stage, role }), 'rapport.test');
}

export const sameMessageId = (email: ReceivedEmail, id: string) => email.messageId.replace(/[<>]/g, '') === id.replace(/[<>]/g, '');

export function formLinkIn(email: ReceivedEmail): string {
  const match = /http:\/\/rapport\.test\/forms\/([A-Za-z0-9_-]+)/.exec(email.text);
  if (!match) throw new Error(`no form link in email "${email.subject}"`);
  return match[0];
}
