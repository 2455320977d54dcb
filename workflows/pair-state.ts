// The state a pair's workflow carries from run to run, and the step that brings state carried by an
// older version of the workflow up to today's shape. Deterministic code only.
import { PAIR_STATE_VERSION, type PairState, type PairWorkflowInput } from './pair-types';

export function initialPairState(input: PairWorkflowInput): PairState {
  return {
    version: PAIR_STATE_VERSION,
    pairId: input.pairId,
    settings: input.settings,
    cycle: null,
    lastSlotAt: null,
    nextCycleNumber: 1,
    consecutiveSkips: 0,
    meetingsSinceFeedback: 0,
    paused: false,
    ended: false,
    openForms: [],
    openActionItems: [],
    pendingTopics: [],
    questionSetVersion: null,
    topicSeq: 0,
    stateRevision: 0,
  };
}

/**
 * Version 1 carried the texts of open action items and pending topics. The database has held
 * both since they were first accepted (recordAnswer, recordTopic), so dropping them loses nothing.
 * Reasons of a skip or an end that version 1 carried stay until the cycle or pair they belong to
 * closes, which writes them down.
 */
function fromVersion1(state: PairState): PairState {
  return {
    ...state,
    version: 2,
    openActionItems: state.openActionItems.map(({ id, cycle, owner }) => ({ id, cycle, owner })),
    pendingTopics: state.pendingTopics.map(({ id, by }) => ({ id, by })),
    stateRevision: state.stateRevision ?? 0,
  };
}

/** Today's shape of any carried state; a state from a newer version than this code is refused. */
export function upgradePairState(carried: PairState): PairState {
  const version = carried.version ?? 1;
  if (version > PAIR_STATE_VERSION) {
    // A plain Error fails the workflow task, not the workflow: the task is retried until a worker
    // that knows this version picks it up (a rollback mid-rollout), and nothing is lost.
    throw new Error(`carried pair state has version ${version}, newer than this worker's ${PAIR_STATE_VERSION}: deploy the newer worker`);
  }
  return version === 1 ? fromVersion1(carried) : carried;
}

/** The state a run starts from: carried from the previous run (or a restart), or a new pair's. */
export function startingPairState(input: PairWorkflowInput): PairState {
  return input.carried ? upgradePairState(input.carried) : initialPairState(input);
}
