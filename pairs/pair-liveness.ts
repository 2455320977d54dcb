// Whether a pair's workflow still runs in Temporal. A pair that did not end in Rapport but whose
// workflow's last run was terminated, failed, timed out or was cancelled (from Temporal's UI or CLI,
// or by a bug) sends nothing more: lists and pages show it "stopped", with what Temporal says of
// why and when, until an admin restarts it (pair-restart.ts). Lists ask Temporal's visibility once
// for every stopped run; a pair's page asks about that pair alone.
import { isGrpcServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { pairWorkflowId } from './registration';

/** Temporal's names of the ways a run ends without the pair having ended. */
export const STOPPED_STATUSES = ['TERMINATED', 'FAILED', 'TIMED_OUT', 'CANCELLED'] as const;
/** NOT_FOUND: Temporal has no run at all (never started, or its history passed the namespace's retention). */
export type StoppedStatus = (typeof STOPPED_STATUSES)[number] | 'NOT_FOUND';

export interface StoppedRun {
  /** Temporal's status name of the pair's last run. */
  status: StoppedStatus;
  /** What Temporal gives as the reason: a termination's reason, a failure's message; null when it gives none. */
  reason: string | null;
  /** When the run stopped (ISO 8601), when Temporal knows. */
  stoppedAt: string | null;
}

export type Liveness = { kind: 'running' } | { kind: 'completed' } | { kind: 'stopped'; run: StoppedRun };

/** Every pair workflow's run that ended in some other way than the pair ending or continuing as new. */
export const STOPPED_RUNS_QUERY =
  'WorkflowType = "pairWorkflow" AND ExecutionStatus != "Running" AND ExecutionStatus != "Completed" AND ExecutionStatus != "ContinuedAsNew"';

/** How long lists and pages wait for Temporal to say which workflows stopped. */
export const LIVENESS_DEADLINE_MS = 3_000;

/** How much of a reason typed into Temporal's tools is kept: it is shown in lists. */
const MAX_REASON_LENGTH = 300;
/** temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT (the proto package is a dev dependency). */
const CLOSE_EVENT_ONLY = 2;
/** gRPC's UNIMPLEMENTED: the Java time-skipping test server has no ListWorkflowExecutions. */
const GRPC_UNIMPLEMENTED = 12;

const isStoppedStatus = (name: string): name is (typeof STOPPED_STATUSES)[number] => (STOPPED_STATUSES as readonly string[]).includes(name);

function shortened(text: string | null | undefined): string | null {
  const trimmed = text?.trim();
  if (!trimmed) return null;
  return trimmed.length > MAX_REASON_LENGTH ? `${trimmed.slice(0, MAX_REASON_LENGTH - 1)}…` : trimmed;
}

/** The reason in a run's close event: a termination's reason or a failure's message. */
async function closeReason(client: Client, workflowId: string, runId: string): Promise<string | null> {
  const { history } = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId, runId },
    historyEventFilterType: CLOSE_EVENT_ONLY,
  });
  const event = history?.events?.[history.events.length - 1];
  return shortened(event?.workflowExecutionTerminatedEventAttributes?.reason ?? event?.workflowExecutionFailedEventAttributes?.failure?.message);
}

/** Whether the pair's latest run is running, completed (the pair ended) or stopped, and why. */
export async function livenessOf(client: Client, pairId: string): Promise<Liveness> {
  const workflowId = pairWorkflowId(pairId);
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    const status = description.status.name;
    if (status === 'COMPLETED') return { kind: 'completed' };
    if (!isStoppedStatus(status)) return { kind: 'running' };
    const reason = await closeReason(client, workflowId, description.runId);
    return { kind: 'stopped', run: { status, reason, stoppedAt: description.closeTime?.toISOString() ?? null } };
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    return { kind: 'stopped', run: { status: 'NOT_FOUND', reason: 'Temporal has no run of this pair’s workflow', stoppedAt: null } };
  }
}

/** The pairs among `pairIds` whose latest run is stopped, asking each one (no visibility there). */
async function askEachPair(client: Client, pairIds: readonly string[]): Promise<Map<string, StoppedRun>> {
  const found = await Promise.all(pairIds.map(async (pairId) => [pairId, await livenessOf(client, pairId)] as const));
  return new Map(found.flatMap(([pairId, liveness]) => (liveness.kind === 'stopped' ? [[pairId, liveness.run] as const] : [])));
}

/** The workflow ids with a stopped run, from one visibility query; null where visibility cannot list. */
async function workflowIdsWithStoppedRuns(client: Client): Promise<Set<string> | null> {
  const ids = new Set<string>();
  try {
    for await (const run of client.workflow.list({ query: STOPPED_RUNS_QUERY })) ids.add(run.workflowId);
  } catch (error) {
    const cause = (error as Error).cause;
    if (isGrpcServiceError(cause) && Number(cause.code) === GRPC_UNIMPLEMENTED) return null;
    throw error;
  }
  return ids;
}

/**
 * The pairs among `pairIds` (those not ended in Rapport) whose workflow is stopped. One visibility
 * query finds every stopped run; a run found there may since have been followed by a restarted one,
 * so only those pairs are asked about their latest run. Where visibility cannot list (the Java
 * time-skipping test server), every pair given is asked instead.
 */
export async function stoppedPairs(client: Client, pairIds: readonly string[]): Promise<Map<string, StoppedRun>> {
  if (pairIds.length === 0) return new Map();
  const withStoppedRuns = await workflowIdsWithStoppedRuns(client);
  if (withStoppedRuns === null) return askEachPair(client, pairIds);
  return askEachPair(
    client,
    pairIds.filter((pairId) => withStoppedRuns.has(pairWorkflowId(pairId))),
  );
}
