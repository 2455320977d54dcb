// Replays recorded histories of earlier workflow versions against today's workflow code, so that
// a change that breaks determinism (without patched()) fails CI. Record new ones with
// `npx tsx test/replay/record-history.ts NAME`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../harness/rapport-stack';

const HISTORY_DIR = join(__dirname, 'replay');
const historyFiles = readdirSync(HISTORY_DIR).filter((file) => file.endsWith('.json'));

it('has at least one recorded history of a full cycle', () => {
  expect(historyFiles.length).toBeGreaterThan(0);
});

it.each(historyFiles)('replays %s without nondeterminism', async (file) => {
  const history = JSON.parse(readFileSync(join(HISTORY_DIR, file), 'utf8'));
  const events: { eventType?: string }[] = history.events;
  expect(events.some((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW')).toBe(true);
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, `replay-${file}`);
});
