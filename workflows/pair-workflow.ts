// The pair workflow: one per manager–report pair, running one cycle (meeting) per run and
// continuing as new between cycles so that its history stays small however long the pair lives.
// Deterministic code only: every side effect and every date computation is an activity.
import * as wf from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  addTopicUpdate,
  answerFormUpdate,
  changeScheduleUpdate,
  endPairUpdate,
  pairStatusQuery,
  pauseUpdate,
  questionSetChangedUpdate,
  rescheduleMeetingUpdate,
  resumeUpdate,
  skipMeetingUpdate,
} from './pair-messages';
import {
  FOLLOW_UP_FORMS,
  MAX_PENDING_TOPICS,
  MAX_REASON_LENGTH,
  PREPARATION_FORMS,
  STAGES,
  TOPICS_FULL_PROBLEM,
  type ActionItemState,
  type CycleOutcome,
  type CycleState,
  type FormAnswer,
  type FormKind,
  type OpenForm,
  type PairOutcome,
  type PairState,
  type PairStatus,
  type PairWorkflowInput,
  type RescheduleRequest,
  type ScheduleChange,
  type SkipRequest,
  type TopicRequest,
  type Stage,
} from './pair-types';
import { answerProblems, rescheduleProblems, scheduleChangeProblems, skipProblems, topicProblems } from './message-rules';
import { requestProblem, sentencesOf, type Problem } from './problem-list';
import { mergeSettings } from './schedule-rules';

type Activities = ReturnType<typeof createActivities>;

const sideEffects = wf.proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  // No attempt limit: a mail relay or database outage is waited out, never turned into a lost email.
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});
const planning = wf.proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 5 },
});
/**
 * Answers are stored by a local activity: the person waiting on the form page gets the
 * acknowledgement without two extra round trips through the server. Retried without limit, as
 * the regular activities are; the web service has already saved the answer and redelivers it.
 */
const recordingLocally = wf.proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
/**
 * Emails are first sent by a local activity: in a burst (every pair whose reflection falls due in
 * the same minute) that spares the server an activity task and a workflow task per send. A few
 * quick attempts only: when the relay or the database is down, the regular activity takes over and
 * retries without limit, without adding events to the history for each retry.
 */
const sendingLocally = wf.proxyLocalActivities<Activities>({
  // Room for the outbox to wait out a short database outage after the relay accepted a message.
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 3 },
});
type Sender = 'sendForms' | 'sendReminder' | 'sendAgenda';
/** Patch: a stage's forms go out in one send, and sends try a local activity first. */
export const SEND_LOCALLY_FIRST = 'send-locally-first';

async function sendLocallyFirst<K extends Sender>(name: K, request: Parameters<Activities[K]>[0]): Promise<Awaited<ReturnType<Activities[K]>>> {
  type Send = (request: Parameters<Activities[K]>[0]) => Promise<Awaited<ReturnType<Activities[K]>>>;
  try {
    return await (sendingLocally[name] as Send)(request);
  } catch (error) {
    // A failed local activity surfaces as its cause (an ApplicationFailure), not an ActivityFailure.
    if (!(error instanceof wf.TemporalFailure) || wf.isCancellation(error)) throw error;
    return (sideEffects[name] as Send)(request);
  }
}
/** Patch: answers recorded by a local activity instead of a regular one (changes the commands). */
export const RECORD_ANSWER_LOCALLY = 'record-answer-locally';

export function initialPairState(input: PairWorkflowInput): PairState {
  return {
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
  };
}

export async function pairWorkflow(input: PairWorkflowInput): Promise<PairOutcome> {
  const state = input.carried ?? initialPairState(input);
  const pairId = state.pairId;
  /** Bumped by every message that should wake the main loop from a stage timer. */
  let revision = 0;
  const wake = () => {
    revision += 1;
  };

  const isOpen = (cycle: number, kind: FormKind) => state.openForms.some((f) => f.cycle === cycle && f.kind === kind);
  const closeForms = (match: (form: OpenForm) => boolean): OpenForm[] => {
    const closing = state.openForms.filter(match);
    state.openForms = state.openForms.filter((f) => !match(f));
    return closing;
  };
  const meetingNotYetHeld = (cycle: CycleState | null): cycle is CycleState => cycle !== null && !cycle.done.includes('meeting');

  // ---- Messages --------------------------------------------------------------------------------

  wf.setHandler(pairStatusQuery, () => describe(state));

  wf.setHandler(
    answerFormUpdate,
    async (answer) => {
      const isFollowUp = FOLLOW_UP_FORMS.includes(answer.kind);
      const newItems: ActionItemState[] = isFollowUp
        ? (answer.actionItems ?? []).map((item, index) => ({
            id: `${pairId}:${answer.cycle}:${answer.kind}:${index}`,
            cycle: answer.cycle,
            text: item.text.trim(),
            owner: item.owner,
          }))
        : [];
      const completed = isFollowUp ? (answer.completedActionItemIds ?? []) : [];
      const record = wf.patched(RECORD_ANSWER_LOCALLY) ? recordingLocally.recordAnswer : sideEffects.recordAnswer;
      await record({ pairId, answer, newActionItems: newItems, completedActionItemIds: completed });
      const cycle = state.cycle;
      if (cycle?.number === answer.cycle && !cycle.answered.includes(answer.kind)) cycle.answered.push(answer.kind);
      if (isFollowUp) {
        // Editing a follow-up answer replaces the items that form agreed before.
        const fromThisForm = `${pairId}:${answer.cycle}:${answer.kind}:`;
        state.openActionItems = state.openActionItems.filter((item) => !item.id.startsWith(fromThisForm) && !completed.includes(item.id)).concat(newItems);
      }
      return { cycle: answer.cycle, kind: answer.kind, actionItemIds: newItems.map((item) => item.id) };
    },
    {
      validator: (answer: FormAnswer) => {
        rejectIf(answerProblems(answer, state.openActionItems));
        if (!isOpen(answer.cycle, answer.kind)) {
          throw new Error(`This form (${answer.kind}, meeting ${answer.cycle}) is closed: its stage has passed or it was never sent.`);
        }
      },
    },
  );

  wf.setHandler(
    skipMeetingUpdate,
    async (request) => {
      const skip = { reason: request.reason?.trim() || 'no reason given', by: request.by };
      if (meetingNotYetHeld(state.cycle)) state.cycle.skipped = skip;
      else state.skipNextMeeting = skip;
      wake();
      return describe(state);
    },
    {
      validator: (request: SkipRequest) => {
        rejectIf(skipProblems(request));
        rejectIfEnded(state);
        const cycle = state.cycle;
        if ((meetingNotYetHeld(cycle) && cycle.skipped) || (!meetingNotYetHeld(cycle) && state.skipNextMeeting)) {
          throw new Error('The next meeting is already skipped.');
        }
      },
    },
  );

  wf.setHandler(
    rescheduleMeetingUpdate,
    async (request) => {
      const cycle = state.cycle as CycleState;
      const at = Date.parse(request.meetingAt);
      cycle.rescheduledTo = at;
      cycle.replan = 'stages';
      wake();
      await sideEffects.recordPairChange({
        pairId,
        cycle: cycle.number,
        kind: 'rescheduled',
        detail: { from: new Date(cycle.plan.meetingAt).toISOString(), to: new Date(at).toISOString() },
      });
      return describe(state);
    },
    {
      validator: (request: RescheduleRequest) => {
        rejectIfEnded(state);
        const cycle = state.cycle;
        if (!meetingNotYetHeld(cycle)) throw new Error('There is no upcoming meeting to reschedule yet; try again in a moment.');
        if (cycle.skipped) throw new Error('This meeting was skipped; it cannot be rescheduled.');
        rejectIf(rescheduleProblems(request, Date.now(), cycle.plan.followingSlotAt));
      },
    },
  );

  wf.setHandler(
    pauseUpdate,
    async () => {
      state.paused = true;
      wake();
      await sideEffects.recordPairChange({ pairId, cycle: state.cycle?.number ?? null, kind: 'paused', detail: {}, status: 'paused' });
      return describe(state);
    },
    {
      validator: () => {
        rejectIfEnded(state);
        if (state.paused) throw new Error('The pair is already paused.');
      },
    },
  );

  wf.setHandler(
    resumeUpdate,
    async () => {
      state.paused = false;
      wake();
      await sideEffects.recordPairChange({ pairId, cycle: state.cycle?.number ?? null, kind: 'resumed', detail: {}, status: 'active' });
      return describe(state);
    },
    {
      validator: () => {
        rejectIfEnded(state);
        if (!state.paused) throw new Error('The pair is not paused.');
      },
    },
  );

  wf.setHandler(
    changeScheduleUpdate,
    async (change) => {
      const settings = mergeSettings(state.settings, change);
      state.settings = settings;
      const cycle = state.cycle;
      if (meetingNotYetHeld(cycle)) {
        // Before the reflection form goes out the meeting itself can still move to the new
        // cadence; after it, the new cadence applies from the next cycle and only the remaining
        // stage times follow the new offsets.
        if (!cycle.done.includes('reflection')) {
          cycle.replan = 'full';
          delete cycle.rescheduledTo;
        } else if (cycle.replan !== 'full') {
          cycle.replan = 'stages';
        }
      }
      wake();
      await sideEffects.recordPairChange({ pairId, cycle: cycle?.number ?? null, kind: 'scheduleChanged', detail: change, settings });
      return describe(state);
    },
    {
      validator: (change: ScheduleChange) => {
        rejectIfEnded(state);
        rejectIf(scheduleChangeProblems(change, state.settings));
      },
    },
  );

  wf.setHandler(
    questionSetChangedUpdate,
    async ({ version }) => {
      state.questionSetVersion = version;
      return describe(state);
    },
    {
      validator: (change: { version: number }) => {
        rejectIfEnded(state);
        if (!change || !Number.isInteger(change.version) || change.version < 1) {
          throw new Error('version must be a whole number of at least 1');
        }
      },
    },
  );

  wf.setHandler(
    addTopicUpdate,
    async (request) => {
      state.topicSeq += 1;
      const topic = { id: `${pairId}:topic:${state.topicSeq}`, text: request.text.trim(), by: request.by };
      const cycle = state.cycle;
      const forCycle = cycle && !cycle.done.includes('agenda') ? cycle.number : state.nextCycleNumber + (cycle ? 1 : 0);
      state.pendingTopics.push(topic);
      await sideEffects.recordTopic({ pairId, topic, forCycle });
      return { topicId: topic.id, forCycle };
    },
    {
      validator: (request: TopicRequest) => {
        rejectIfEnded(state);
        rejectIf(topicProblems(request));
        rejectIf(state.pendingTopics.length >= MAX_PENDING_TOPICS ? [requestProblem(TOPICS_FULL_PROBLEM)] : []);
      },
    },
  );

  wf.setHandler(
    endPairUpdate,
    async (request) => {
      state.ended = true;
      if (typeof request?.reason === 'string') state.endReason = request.reason.trim().slice(0, MAX_REASON_LENGTH);
      wake();
      return describe(state);
    },
    { validator: (_request) => rejectIfEnded(state) },
  );

  // ---- The cycle -------------------------------------------------------------------------------

  /** Waits for an absolute instant; returns false early when a message changed something. */
  async function sleepUntil(at: number): Promise<boolean> {
    const seen = revision;
    const remaining = at - Date.now();
    if (remaining <= 0) return true;
    const interrupted = await wf.condition(() => revision !== seen, remaining);
    return !interrupted;
  }

  async function beginCycle(): Promise<CycleState> {
    const settingsUsed = state.settings;
    const plan = await planning.planNextCycle({
      schedule: settingsUsed,
      afterSlot: state.lastSlotAt,
      now: Date.now(),
    });
    const cycle: CycleState = { number: state.nextCycleNumber, plan, done: [], answered: [] };
    if (state.settings !== settingsUsed) cycle.replan = 'full';
    if (state.skipNextMeeting) {
      cycle.skipped = state.skipNextMeeting;
      delete state.skipNextMeeting;
    }
    return cycle;
  }

  async function replan(cycle: CycleState): Promise<void> {
    const mode = cycle.replan;
    delete cycle.replan;
    if (mode === 'full') {
      cycle.plan = await planning.planNextCycle({ schedule: state.settings, afterSlot: state.lastSlotAt, now: Date.now() });
      return;
    }
    cycle.plan = await planning.planStages({
      schedule: state.settings,
      slotAt: cycle.plan.slotAt,
      meetingAt: cycle.rescheduledTo ?? cycle.plan.meetingAt,
    });
  }

  async function sendForms(cycle: CycleState, kinds: FormKind[]): Promise<void> {
    const request = { pairId, cycle: cycle.number, meetingAt: cycle.plan.meetingAt };
    const results = wf.patched(SEND_LOCALLY_FIRST)
      ? await sendLocallyFirst('sendForms', {
          ...request,
          kinds,
          openActionItems: kinds.some((kind) => FOLLOW_UP_FORMS.includes(kind)) ? state.openActionItems : undefined,
        })
      : await Promise.all(
          kinds.map((kind) => sideEffects.sendForm({ ...request, kind, openActionItems: FOLLOW_UP_FORMS.includes(kind) ? state.openActionItems : undefined })),
        );
    for (const [index, kind] of kinds.entries()) {
      state.questionSetVersion = results[index].questionSetVersion;
      // A stage the pair's question set switches off sends nothing, so there is no form to open.
      if (results[index].status === 'disabled') continue;
      if (!isOpen(cycle.number, kind)) state.openForms.push({ cycle: cycle.number, kind });
    }
  }

  async function runStage(stage: Stage, cycle: CycleState): Promise<void> {
    switch (stage) {
      case 'reflection':
        await sendForms(cycle, PREPARATION_FORMS);
        cycle.reflectionSentAt = Date.now();
        return;
      case 'reminder': {
        // A form that went out after the reminder's time (a late reschedule or resume) is not
        // followed by a reminder: one email is enough.
        if ((cycle.reflectionSentAt ?? 0) > cycle.plan.stageAt.reminder) return;
        const unanswered = PREPARATION_FORMS.filter((kind) => isOpen(cycle.number, kind) && !cycle.answered.includes(kind));
        const send = wf.patched(SEND_LOCALLY_FIRST)
          ? sendLocallyFirst
          : (name: 'sendReminder', request: Parameters<Activities['sendReminder']>[0]) => sideEffects[name](request);
        await Promise.all(unanswered.map((kind) => send('sendReminder', { pairId, cycle: cycle.number, kind, meetingAt: cycle.plan.meetingAt })));
        return;
      }
      case 'agenda': {
        const topics = [...state.pendingTopics];
        const closing = closeForms((f) => f.cycle < cycle.number || PREPARATION_FORMS.includes(f.kind));
        const send = wf.patched(SEND_LOCALLY_FIRST)
          ? sendLocallyFirst
          : (name: 'sendAgenda', request: Parameters<Activities['sendAgenda']>[0]) => sideEffects[name](request);
        await send('sendAgenda', {
          pairId,
          cycle: cycle.number,
          meetingAt: cycle.plan.meetingAt,
          durationMinutes: state.settings.durationMinutes,
          topics,
          openActionItems: state.openActionItems,
          closeForms: closing,
        });
        state.pendingTopics = state.pendingTopics.filter((topic) => !topics.some((t) => t.id === topic.id));
        return;
      }
      case 'meeting':
        state.consecutiveSkips = 0;
        state.meetingsSinceFeedback += 1;
        return;
      case 'followUp': {
        const feedbackDue = state.meetingsSinceFeedback >= state.settings.feedbackEveryCycles;
        await sendForms(cycle, feedbackDue ? [...FOLLOW_UP_FORMS, 'feedback'] : FOLLOW_UP_FORMS);
        if (feedbackDue) state.meetingsSinceFeedback = 0;
        return;
      }
    }
  }

  async function closeCurrentCycle(cycle: CycleState, outcome: CycleOutcome): Promise<void> {
    const closing = outcome === 'held' ? [] : closeForms((f) => f.cycle === cycle.number);
    await sideEffects.closeCycle({
      pairId,
      cycle: cycle.number,
      meetingAt: cycle.plan.meetingAt,
      outcome,
      reason: cycle.skipped?.reason,
      closeForms: closing,
    });
    if (outcome === 'skipped') {
      state.consecutiveSkips += 1;
      if (state.consecutiveSkips % state.settings.skipNudgeAfter === 0) {
        await sideEffects.sendSkipNudge({
          pairId,
          cycle: cycle.number,
          meetingAt: cycle.plan.meetingAt,
          consecutiveSkips: state.consecutiveSkips,
        });
      }
    }
    state.lastSlotAt = cycle.plan.slotAt;
    state.nextCycleNumber = cycle.number + 1;
    state.cycle = null;
  }

  async function waitWhilePaused(): Promise<void> {
    await wf.condition(() => !state.paused || state.ended);
    const cycle = state.cycle;
    if (state.ended || !meetingNotYetHeld(cycle)) return;
    // A meeting whose time passed during the pause is closed; one still ahead carries on and
    // the stages that fell due during the pause run now.
    if (Date.now() >= cycle.plan.meetingAt) await closeCurrentCycle(cycle, 'paused');
  }

  async function continueToNextRun(): Promise<never> {
    await wf.condition(wf.allHandlersFinished);
    return wf.continueAsNew<typeof pairWorkflow>({ pairId, settings: state.settings, carried: state });
  }

  while (!state.ended) {
    if (state.paused) {
      await waitWhilePaused();
      continue;
    }
    if (!state.cycle) {
      state.cycle = await beginCycle();
      continue;
    }
    const cycle = state.cycle;
    if (cycle.replan) {
      await replan(cycle);
      continue;
    }
    if (cycle.skipped) {
      await closeCurrentCycle(cycle, 'skipped');
      return continueToNextRun();
    }
    const stage = STAGES.find((s) => !cycle.done.includes(s));
    if (!stage) {
      await closeCurrentCycle(cycle, 'held');
      return continueToNextRun();
    }
    if (!(await sleepUntil(cycle.plan.stageAt[stage]))) continue;
    await runStage(stage, cycle);
    cycle.done.push(stage);
    if (wf.workflowInfo().continueAsNewSuggested) return continueToNextRun();
  }

  await wf.condition(wf.allHandlersFinished);
  const unfinished = meetingNotYetHeld(state.cycle) ? { cycle: state.cycle.number, meetingAt: state.cycle.plan.meetingAt } : null;
  await sideEffects.endPair({ pairId, unfinishedCycle: unfinished, closeForms: closeForms(() => true), reason: state.endReason });
  return { pairId, endedAfterCycle: state.nextCycleNumber - 1 };
}

/**
 * Refuses an Update, listing every problem. Callers read them from the details: the sentences
 * first (what callers before structured problems read), then the problems with their fields.
 */
function rejectIf(problems: readonly Problem[]): void {
  if (problems.length === 0) return;
  const sentences = sentencesOf(problems);
  throw wf.ApplicationFailure.create({ message: sentences.join('; '), type: 'InvalidRequest', details: [sentences, problems], nonRetryable: true });
}

function rejectIfEnded(state: PairState): void {
  if (state.ended) throw new Error('This pair has ended.');
}

function currentStage(state: PairState): PairStatus['stage'] {
  if (state.ended) return 'ended';
  const cycle = state.cycle;
  if (!cycle) return 'planning';
  return STAGES.find((s) => !cycle.done.includes(s)) ?? 'followUp';
}

export function describe(state: PairState): PairStatus {
  const cycle = state.cycle;
  const pending = cycle && !state.ended ? STAGES.filter((s) => !cycle.done.includes(s)) : [];
  return {
    pairId: state.pairId,
    state: state.ended ? 'ended' : state.paused ? 'paused' : 'active',
    stage: currentStage(state),
    cycle: cycle?.number ?? null,
    meetingAt: cycle ? new Date(cycle.plan.meetingAt).toISOString() : null,
    nextEvents: pending.map((stage) => ({ stage, at: new Date((cycle as CycleState).plan.stageAt[stage]).toISOString() })),
    openActionItems: state.openActionItems,
    pendingTopics: state.pendingTopics,
    consecutiveSkips: state.consecutiveSkips,
    questionSetVersion: state.questionSetVersion,
    settings: state.settings,
  };
}
