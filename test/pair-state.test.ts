// The state a pair's workflow carries from run to run: older shapes are upgraded without loss.
import { initialPairState, startingPairState, upgradePairState } from '../workflows/pair-state';
import { ACTION_ITEMS_FULL_PROBLEM, MAX_OPEN_ACTION_ITEMS, PAIR_STATE_VERSION, type PairState } from '../workflows/pair-types';
import { answerMessageProblems } from '../workflows/message-rules';
import { sentencesOf } from '../workflows/problem-list';
import { SAMPLE_PAIR } from '../harness/rapport-stack';
import { withDefaults } from '../pairs/registration';

const settings = withDefaults(SAMPLE_PAIR.settings);

/** State as workflows before PAIR_STATE_VERSION 2 carried it: no version, texts included. */
function version1State(): PairState {
  const { version: _version, stateRevision: _revision, ...rest } = initialPairState({ pairId: 'p1', settings });
  return {
    ...rest,
    nextCycleNumber: 4,
    openActionItems: [{ id: 'p1:3:followUpManager:0', cycle: 3, owner: 'manager', text: 'Write the RFC' }],
    pendingTopics: [{ id: 'p1:topic:2', by: 'report', text: 'Hiring' }],
    skipNextMeeting: { by: 'report', reason: 'Holiday' },
    topicSeq: 2,
  };
}

it('starts a new pair at the current version', () => {
  expect(startingPairState({ pairId: 'p1', settings })).toMatchObject({ version: PAIR_STATE_VERSION, stateRevision: 0, cycle: null, nextCycleNumber: 1 });
});

it('upgrades version 1 state: texts leave (the database holds them), ids, owners and the rest stay', () => {
  const upgraded = upgradePairState(version1State());
  expect(upgraded.version).toBe(2);
  expect(upgraded.openActionItems).toEqual([{ id: 'p1:3:followUpManager:0', cycle: 3, owner: 'manager' }]);
  expect(upgraded.pendingTopics).toEqual([{ id: 'p1:topic:2', by: 'report' }]);
  // A reason already carried stays until its meeting closes, which writes it down.
  expect(upgraded.skipNextMeeting).toEqual({ by: 'report', reason: 'Holiday' });
  expect(upgraded).toMatchObject({ nextCycleNumber: 4, topicSeq: 2, stateRevision: 0 });
  expect(JSON.stringify(upgraded)).not.toMatch(/Write the RFC|Hiring/);
});

it('leaves current state as it is, and refuses state from a newer worker so that its task waits for one', () => {
  const current = upgradePairState(version1State());
  expect(upgradePairState(current)).toBe(current);
  expect(() => upgradePairState({ ...current, version: PAIR_STATE_VERSION + 1 })).toThrow(/newer than this worker's 2: deploy the newer worker/);
});

describe('what an Update may add to the carried state', () => {
  const open = Array.from({ length: MAX_OPEN_ACTION_ITEMS }, (_, index) => ({
    id: `p1:${index + 1}:followUpManager:0`,
    cycle: index + 1,
    owner: 'manager' as const,
  }));
  const followUp = { cycle: 101, kind: 'followUpReport' as const, meetingHeld: true };

  it('refuses one action item past the cap with a clear message, and takes it once another is ticked off', () => {
    const oneMore = { ...followUp, addedActionItems: [{ owner: 'report' as const }] };
    expect(sentencesOf(answerMessageProblems(oneMore, open))).toEqual([ACTION_ITEMS_FULL_PROBLEM]);
    expect(answerMessageProblems({ ...oneMore, completedActionItemIds: [open[0].id] }, open)).toEqual([]);
  });

  it('refuses wrong owners, and action items on a form that is not a follow-up', () => {
    expect(sentencesOf(answerMessageProblems({ ...followUp, addedActionItems: [{ owner: 'boss' as never }] }, []))).toEqual([
      'Action item 1 needs an owner: the report or the manager',
    ]);
    expect(sentencesOf(answerMessageProblems({ cycle: 1, kind: 'reflection', addedActionItems: [] }, []))).toEqual([
      'Only the follow-up form records action items',
    ]);
  });
});
