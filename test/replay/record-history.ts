// Records the history of one full cycle of a pair (with an answer, a topic, a reschedule and an
// action item) into test/replay/, for the replay test. Run it when a new workflow version is
// released, keeping the older files: npx tsx test/replay/record-history.ts NAME
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { addTopicUpdate, answerFormUpdate, rescheduleMeetingUpdate } from '../../workflows/pair-messages';
import { advanceTo, waitForStatus } from '../support/pair-driver';
import { startRapportStack } from '../../harness/rapport-stack';
import { createTimeSkippingEnv } from '../../harness/temporal-env';

async function main(name: string): Promise<void> {
  const env = await createTimeSkippingEnv();
  const stack = await startRapportStack(env);
  try {
    const { handle } = await stack.createPair();
    const firstRunId = (await handle.describe()).runId;
    const status = await waitForStatus(handle, (s) => s.cycle === 1);
    const due = (stage: string) => Date.parse(status.nextEvents.find((e) => e.stage === stage)!.at);

    await advanceTo(env, due('reflection') + 1_000);
    await waitForStatus(handle, (s) => s.stage === 'reminder');
    await handle.executeUpdate(answerFormUpdate, { args: [{ cycle: 1, kind: 'reflection', answers: { topics: 'Roadmap' } }] });
    await handle.executeUpdate(addTopicUpdate, { args: [{ text: 'Hiring', by: 'manager' }] });
    const moved = Date.parse(status.meetingAt!) + 2 * 3_600_000;
    await handle.executeUpdate(rescheduleMeetingUpdate, { args: [{ meetingAt: new Date(moved).toISOString() }] });
    const replanned = await waitForStatus(handle, (s) => s.meetingAt === new Date(moved).toISOString());
    const followUpAt = Date.parse(replanned.nextEvents.find((e) => e.stage === 'followUp')!.at);
    await advanceTo(env, followUpAt + 1_000);
    await waitForStatus(handle, (s) => s.cycle === 2);
    await handle.executeUpdate(answerFormUpdate, {
      args: [{ cycle: 1, kind: 'followUpManager', answers: { held: true }, meetingHeld: true, actionItems: [{ text: 'Write it down', owner: 'manager' }] }],
    });

    const history = await env.client.workflow.getHandle(handle.workflowId, firstRunId).fetchHistory();
    const file = join(__dirname, `${name}.json`);
    writeFileSync(file, historyToJSON(history));
    console.log(`recorded ${history.events?.length} events to ${file}`);
  } finally {
    await stack.stop();
    await env.teardown();
  }
}

main(process.argv[2] ?? 'pair-cycle-v1').catch((error) => {
  console.error(error);
  process.exit(1);
});
