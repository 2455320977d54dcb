// 5. Long life, and 3. cost per cycle: one pair through five years of weekly cycles on the
// time-skipping server, with the real worker, activities, SQLite and SMTP server. Every run of its
// chain (one per cycle) is read back: events per cycle and the largest history of any run, and
// the database rows its record grew by per cycle.
import { temporal } from '@temporalio/proto';
import type { RapportPrisma } from '../prisma/database';
import { startRapportStack } from '../harness/rapport-stack';
import { createTimeSkippingEnv } from '../harness/temporal-env';

const WEEK = 7 * 24 * 3_600_000;

export interface LongLifeResult {
  years: number;
  cycles: number;
  runs: number;
  wallSeconds: number;
  eventsPerCycle: { mean: number; max: number };
  largestRunHistory: number;
  rowsPerCycle: number;
  emails: number;
}

async function rowCount(db: RapportPrisma): Promise<number> {
  const counts = await Promise.all([
    db.pair.count(),
    db.questionSet.count(),
    db.cycle.count(),
    db.form.count(),
    db.formLink.count(),
    db.pairLink.count(),
    db.answer.count(),
    db.actionItem.count(),
    db.topic.count(),
    db.outboxEmail.count(),
    db.pairEvent.count(),
    db.questionSuggestion.count(),
    db.bankQuestion.count(),
  ]);
  return counts.reduce((sum, count) => sum + count, 0);
}

export async function runLongLife(years: number, log: (line: string) => void): Promise<LongLifeResult> {
  const env = await createTimeSkippingEnv();
  const stack = await startRapportStack(env);
  try {
    const started = Date.now();
    const rowsBefore = await rowCount(stack.db);
    const { pairId, handle } = await stack.createPair();
    const firstRunId = (await handle.describe()).runId;
    const weeks = Math.round(years * 52);
    for (let week = 1; week <= weeks; week += 1) {
      await env.sleep(WEEK);
      if (week % 52 === 0) log(`  long life: year ${week / 52} done`);
    }
    const wallSeconds = (Date.now() - started) / 1000;
    const cycles = await stack.db.cycle.count({ where: { pairId } });
    const lengths = await runHistoryLengths(env.client, handle.workflowId, firstRunId);
    // The last run is the cycle in progress; the complete ones are what a cycle costs.
    const complete = lengths.slice(0, -1);
    return {
      years,
      cycles,
      runs: lengths.length,
      wallSeconds,
      eventsPerCycle: { mean: Math.round(complete.reduce((a, b) => a + b, 0) / complete.length), max: Math.max(...complete) },
      largestRunHistory: Math.max(...lengths),
      rowsPerCycle: Math.round(((await rowCount(stack.db)) - rowsBefore) / cycles),
      emails: stack.smtp.messages.length,
    };
  } finally {
    await stack.stop();
    await env.teardown();
  }
}

/** The number of events in every run of a workflow's continue-as-new chain, oldest first. */
async function runHistoryLengths(
  client: Awaited<ReturnType<typeof createTimeSkippingEnv>>['client'],
  workflowId: string,
  firstRunId: string,
): Promise<number[]> {
  const lengths: number[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events: temporal.api.history.v1.IHistoryEvent[] = history.events ?? [];
    lengths.push(events.length);
    const last: temporal.api.history.v1.IHistoryEvent | undefined = events[events.length - 1];
    runId =
      last?.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
        ? (last.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined)
        : undefined;
  }
  return lengths;
}
