// A fault must never end a pair's workflow: it runs for as long as the pair exists. This finds
// the scenario's pair workflows that are no longer running, with the reason from their history.
import { pairWorkflowId } from '../pairs/registration';
import type { FaultStack } from './fault-stack';

export interface EndedWorkflow {
  pairId: string;
  /** "pair-…: FAILED (reason)" */
  description: string;
}

/** The workflows of these pairs that have ended, with why; empty when all still run. */
export async function endedPairWorkflows(stack: FaultStack, pairIds: string[]): Promise<EndedWorkflow[]> {
  const pairOf = new Map(pairIds.map((pairId) => [pairWorkflowId(pairId), pairId]));
  const ended: { pairId: string; workflowId: string; status: string }[] = [];
  for await (const workflow of stack.client.workflow.list({ query: `WorkflowType = 'pairWorkflow' AND ExecutionStatus != 'Running'` })) {
    const pairId = pairOf.get(workflow.workflowId);
    if (pairId) ended.push({ pairId, workflowId: workflow.workflowId, status: workflow.status.name });
  }
  return Promise.all(
    ended.map(async ({ pairId, workflowId, status }) => ({ pairId, description: `${workflowId}: ${status} (${await endReason(stack, workflowId)})` })),
  );
}

async function endReason(stack: FaultStack, workflowId: string): Promise<string> {
  const history = await stack.client.workflow
    .getHandle(workflowId)
    .fetchHistory()
    .catch(() => null);
  const last = history?.events?.at(-1);
  const failure = last?.workflowExecutionFailedEventAttributes?.failure ?? last?.workflowExecutionTerminatedEventAttributes;
  const message = failure && 'message' in failure ? failure.message : failure && 'reason' in failure ? failure.reason : null;
  return (message ?? 'no reason recorded').split('\n').filter(Boolean).slice(-1)[0] ?? '';
}
