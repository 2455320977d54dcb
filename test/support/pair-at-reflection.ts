// A new pair driven to its first reflection stage, with the links its first two emails carry.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Person } from '../../pairs/registration';
import { advanceTo, messageIdOf, sameMessageId, waitForStatus, type PairHandle } from './pair-driver';
import { PUBLIC_BASE_URL, SAMPLE_PAIR, type RapportStack } from '../../harness/rapport-stack';
import type { ReceivedEmail } from '../../harness/smtp-sink';
import { linksIn } from './web-client';

export interface PairAtReflection {
  pairId: string;
  handle: PairHandle;
  reflection: ReceivedEmail;
  prep: ReceivedEmail;
  /** The report's reflection form and topic/record/"this 1:1" pages. */
  reflectionLink: string;
  reportTopicLink: string;
  reportRecordLink: string;
  reportMeetingLink: string;
  /** The manager's prep form and topic/record/"this 1:1" pages. */
  prepLink: string;
  managerTopicLink: string;
  managerRecordLink: string;
  managerMeetingLink: string;
  stageAt: (stage: string) => number;
}

function linkIn(email: ReceivedEmail, matches: (link: string) => boolean): string {
  const found = linksIn(email.text, PUBLIC_BASE_URL).find(matches);
  if (!found) throw new Error(`no such link in the email "${email.subject}"`);
  return found;
}

/** New pairs at their first reflection stage, created before the clock moves so that they share their first meeting. */
export async function pairsAtReflection(
  env: TestWorkflowEnvironment,
  stack: RapportStack,
  everyone: { manager: Person; report: Person }[],
): Promise<PairAtReflection[]> {
  const created = [];
  for (const people of everyone) {
    const { pairId, handle } = await stack.createPair({ ...SAMPLE_PAIR, ...people });
    const status = await waitForStatus(handle, (s) => s.cycle === 1);
    created.push({ pairId, handle, stageAt: (stage: string) => Date.parse(status.nextEvents.find((e) => e.stage === stage)!.at) });
  }
  await advanceTo(env, Math.max(...created.map((pair) => pair.stageAt('reflection'))) + 1_000);
  const reached: PairAtReflection[] = [];
  for (const { pairId, handle, stageAt } of created) {
    const [reflection] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, 1, 'reflection', 'report')));
    const [prep] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pairId, 1, 'managerPrep', 'manager')));
    const isForm = (link: string) => link.includes('/forms/');
    const isTopic = (link: string) => link.endsWith('/topic');
    const isRecord = (link: string) => link.endsWith('/record');
    const isMeeting = (link: string) => link.endsWith('/meeting');
    reached.push({
      pairId,
      handle,
      reflection,
      prep,
      reflectionLink: linkIn(reflection, isForm),
      reportTopicLink: linkIn(reflection, isTopic),
      reportRecordLink: linkIn(reflection, isRecord),
      reportMeetingLink: linkIn(reflection, isMeeting),
      prepLink: linkIn(prep, isForm),
      managerTopicLink: linkIn(prep, isTopic),
      managerRecordLink: linkIn(prep, isRecord),
      managerMeetingLink: linkIn(prep, isMeeting),
      stageAt,
    });
  }
  return reached;
}

export async function pairAtReflection(
  env: TestWorkflowEnvironment,
  stack: RapportStack,
  people: { manager: Person; report: Person },
): Promise<PairAtReflection> {
  const [pair] = await pairsAtReflection(env, stack, [people]);
  return pair;
}
