// Records, with this release's code, runs that are not a pair's first: one started from carried
// state, one whose meeting is skipped, and one paused through its meeting. The replay test replays
// them against later workflow code. Run it when a workflow version is released, keeping older files:
// npx tsx test/replay/record-runs.ts PREFIX (writes PREFIX-carried.json, PREFIX-skipped.json, PREFIX-paused.json)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { addTopicUpdate, answerFormUpdate, pauseUpdate, resumeUpdate, skipMeetingUpdate } from '../../workflows/pair-messages';
import { advanceTo, waitForStatus } from '../support/pair-driver';
import { startRapportStack } from '../../harness/rapport-stack';
import { createTimeSkippingEnv } from '../../harness/temporal-env';

async function main(prefix: string): Promise<void> {
  const env = await createTimeSkippingEnv();
  const stack = await startRapportStack(env);
  try {
    // A run started from carried state: cycle 2, carrying an action item and a topic with their texts.
    const { handle } = await stack.createPair();
    let status = await waitForStatus(handle, (s) => s.cycle === 1);
    let due = (stage: string) => Date.parse(status.nextEvents.find((e) => e.stage === stage)!.at);
    await advanceTo(env, due('followUp') + 1_000);
    await waitForStatus(handle, (s) => s.cycle === 2);
    await handle.executeUpdate(answerFormUpdate, {
      args: [{ cycle: 1, kind: 'followUpManager', answers: { held: true }, meetingHeld: true, actionItems: [{ text: 'Write it down', owner: 'manager' }] }],
    });
    await handle.executeUpdate(addTopicUpdate, { args: [{ text: 'Hiring', by: 'report' }] });
    const second = (await handle.describe()).runId;
    status = await waitForStatus(handle, (s) => s.cycle === 2);
    due = (stage: string) => Date.parse(status.nextEvents.find((e) => e.stage === stage)!.at);
    await advanceTo(env, due('reflection') + 1_000);
    await waitForStatus(handle, (s) => s.stage === 'reminder');
    await handle.executeUpdate(answerFormUpdate, { args: [{ cycle: 2, kind: 'reflection', answers: { topics: 'Roadmap' } }] });
    await advanceTo(env, due('followUp') + 1_000);
    await waitForStatus(handle, (s) => s.cycle === 3);
    await handle.executeUpdate(answerFormUpdate, {
      args: [{ cycle: 2, kind: 'followUpReport', answers: { held: true }, meetingHeld: true, completedActionItemIds: [`${handle.workflowId.slice(5)}:1:followUpManager:0`] }],
    });
    const third = (await handle.describe()).runId;
    // The third run is skipped with a reason and continues as new.
    await handle.executeUpdate(skipMeetingUpdate, { args: [{ by: 'manager', reason: 'Offsite' }] });
    await waitForStatus(handle, (s) => s.cycle === 4);
    for (const [name, runId] of [['carried', second], ['skipped', third]]) {
      const history = await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
      writeFileSync(join(__dirname, `${prefix}-${name}.json`), historyToJSON(history));
      console.log(`recorded ${history.events?.length} events (${name})`);
    }

    // A paused run: paused after its reflection went out, through its meeting, then resumed.
    const paused = await stack.createPair({ manager: { name: 'Pia Manager', email: 'pia@example.com' }, report: { name: 'Rob Report', email: 'rob@example.com' } });
    status = await waitForStatus(paused.handle, (s) => s.cycle === 1);
    due = (stage: string) => Date.parse(status.nextEvents.find((e) => e.stage === stage)!.at);
    const pausedRun = (await paused.handle.describe()).runId;
    await advanceTo(env, due('reflection') + 1_000);
    await waitForStatus(paused.handle, (s) => s.stage === 'reminder');
    await paused.handle.executeUpdate(pauseUpdate, { args: [{}] });
    await advanceTo(env, due('followUp') + 1_000);
    await paused.handle.executeUpdate(resumeUpdate);
    // The paused meeting closed on resume; the run goes on to its next cycle and then continues as new.
    status = await waitForStatus(paused.handle, (s) => s.cycle === 2);
    due = (stage: string) => Date.parse(status.nextEvents.find((e) => e.stage === stage)!.at);
    await advanceTo(env, due('followUp') + 1_000);
    await waitForStatus(paused.handle, (s) => s.cycle === 3);
    const history = await env.client.workflow.getHandle(paused.handle.workflowId, pausedRun).fetchHistory();
    writeFileSync(join(__dirname, `${prefix}-paused.json`), historyToJSON(history));
    console.log(`recorded ${history.events?.length} events (paused)`);
  } finally {
    await stack.stop();
    await env.teardown();
  }
}

main(process.argv[2] ?? 'pair-v3').catch((error) => {
  console.error(error);
  process.exit(1);
});
