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
  isLegacyAnswer,
  type ActionItemState,
  type AnswerMessage,
  type CycleOutcome,
  type CycleState,
  type EndRequest,
  type FormAnswered,
  type FormKind,
  type OpenForm,
  type PairOutcome,
  type PairState,
  type PairStatus,
  type PairWorkflowInput,
  type PauseRequest,
  type Role,
  type RescheduleRequest,
  type ScheduleChange,
  type SkipRequest,
  type SkipState,
  type TopicMessage,
  type TopicRequest,
  type Stage,
} from './pair-types';
import { answerMessageProblems, endProblems, pauseProblems, rescheduleProblems, scheduleChangeProblems, skipProblems, topicProblems } from './message-rules';
import { HandlerLock } from './handler-lock';
import { startingPairState } from './pair-state';
import type { RecordPairStateRequest } from '../activities/pair-state-writes';
import type { SendChangeNoticeRequest } from '../activities/change-notices';
import { requestProblem, sentencesOf, type Problem } from './problem-list';
import { mergeSettings } from './schedule-rules';

type Activities = ReturnType<typeof createActivities>;

const sideEffects = wf.proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  // No attempt limit: a mail relay or database outage is waited out, never turned into a lost email.
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});
/** Planning is retried without limit too: no activity failure ever ends a pair. */
const planning = wf.proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
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
type Sender = 'sendForms' | 'sendReminder' | 'sendAgenda' | 'sendInvite';
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
/** A send tried locally first, for activities that came after SEND_LOCALLY_FIRST (no patch of their own). */
const sendingLocallyThenRegularly = sendLocallyFirst;
/** Patch: answers recorded by a local activity instead of a regular one (changes the commands). */
export const RECORD_ANSWER_LOCALLY = 'record-answer-locally';

/**
 * Patch: from here on a run carries ids only, writes its state to the database in order, runs its
 * state-changing handlers one at a time, and continues as new from inside any wait once its
 * history grows long. Checked once at the start of a run, so a run started by an older worker
 * keeps that worker's behaviour until it continues as new.
 */
export const PAIR_WORKFLOW_V4 = 'pair-workflow-v4';
/**
 * Patch: a stage's forms write the pair's status with the question set version they were sent
 * with, and the workflow takes that write as its own: a pair's first reflection no longer writes
 * its state a second time just to record the version (one local activity fewer in a burst).
 */
export const PUBLISH_SENT_VERSION = 'publish-sent-version';
/** A run continues as new once its history passes this many events (or the server suggests it). */
export const CONTINUE_AS_NEW_AFTER_EVENTS = 1_000;

/** Writes the pair's state to the database, retried without limit: a database outage is waited out. */
const publishing = wf.proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function pairWorkflow(input: PairWorkflowInput): Promise<PairOutcome> {
  const state = startingPairState(input);
  const pairId = state.pairId;
  const today = wf.patched(PAIR_WORKFLOW_V4);
  const lock = new HandlerLock();
  /** Bumped by every message that should wake the main loop from a stage timer. */
  let revision = 0;
  const wake = () => {
    revision += 1;
  };
  const runIsLong = () => {
    const info = wf.workflowInfo();
    return today && (info.continueAsNewSuggested || info.historyLength >= CONTINUE_AS_NEW_AFTER_EVENTS);
  };
  /** Runs a state-changing handler under the lock (today's runs; older runs as they were). */
  const oneAtATime = <T>(work: () => Promise<T>): Promise<T> => (today ? lock.run(work) : work());

  const isOpen = (cycle: number, kind: FormKind) => state.openForms.some((f) => f.cycle === cycle && f.kind === kind);
  const closeForms = (match: (form: OpenForm) => boolean): OpenForm[] => {
    const closing = state.openForms.filter(match);
    state.openForms = state.openForms.filter((f) => !match(f));
    return closing;
  };
  const meetingNotYetHeld = (cycle: CycleState | null): cycle is CycleState => cycle !== null && !cycle.done.includes('meeting');
  const alreadySkipped = () => {
    const cycle = state.cycle;
    return meetingNotYetHeld(cycle) ? cycle.skipped !== undefined : state.skipNextMeeting !== undefined;
  };

  // ---- Messages --------------------------------------------------------------------------------

  wf.setHandler(pairStatusQuery, () => describe(state));

  wf.setHandler(
    answerFormUpdate,
    (message) =>
      oneAtATime(async () => {
        const legacy = isLegacyAnswer(message) ? message : undefined;
        const isFollowUp = FOLLOW_UP_FORMS.includes(message.kind);
        const owners = legacy ? (legacy.actionItems ?? []) : ((message as FormAnswered).addedActionItems ?? []);
        const newItems: ActionItemState[] = isFollowUp
          ? owners.map((item, index) => ({ id: `${pairId}:${message.cycle}:${message.kind}:${index}`, cycle: message.cycle, owner: item.owner }))
          : [];
        // Checked again here: a ticked item may have been closed by an answer handled just before.
        const completed = isFollowUp ? (message.completedActionItemIds ?? []).filter((id) => !today || state.openActionItems.some((i) => i.id === id)) : [];
        const record = wf.patched(RECORD_ANSWER_LOCALLY) ? recordingLocally.recordAnswer : sideEffects.recordAnswer;
        const recorded = record({
          pairId,
          cycle: message.cycle,
          kind: message.kind,
          meetingHeld: message.meetingHeld,
          newActionItems: newItems,
          completedActionItemIds: completed,
          ...(legacy ? { legacyAnswer: legacy } : {}),
        });
        await (today ? recorded.catch(rethrowRefusal) : recorded);
        const cycle = state.cycle;
        if (cycle?.number === message.cycle && !cycle.answered.includes(message.kind)) cycle.answered.push(message.kind);
        if (isFollowUp) {
          // Editing a follow-up answer replaces the items that form agreed before.
          const fromThisForm = `${pairId}:${message.cycle}:${message.kind}:`;
          state.openActionItems = state.openActionItems.filter((item) => !item.id.startsWith(fromThisForm) && !completed.includes(item.id)).concat(newItems);
        }
        return { cycle: message.cycle, kind: message.kind, actionItemIds: newItems.map((item) => item.id) };
      }),
    {
      validator: (message: AnswerMessage) => {
        rejectIf(answerMessageProblems(message, state.openActionItems));
        if (!isOpen(message.cycle, message.kind)) {
          refuse(`This form (${message.kind}, meeting ${message.cycle}) is closed: its stage has passed or it was never sent.`, 'FormClosed');
        }
      },
    },
  );

  wf.setHandler(
    skipMeetingUpdate,
    (request) =>
      oneAtATime(async () => {
        // Two skips can pass their validators before either is handled: the second skips nothing.
        if (today) {
          rejectIfEnded(state);
          if (alreadySkipped()) refuse('The next meeting is already skipped.', 'AlreadySkipped');
        }
        const skip: SkipState =
          request.reasonId !== undefined
            ? { by: request.by, reasonId: request.reasonId }
            : { reason: request.reason?.trim() || 'no reason given', by: request.by };
        if (meetingNotYetHeld(state.cycle)) state.cycle.skipped = skip;
        else state.skipNextMeeting = skip;
        wake();
        if (today) await tellTheOther({ change: 'skipped', by: request.by, ...(request.reasonId !== undefined ? { reasonId: request.reasonId } : {}) });
        return describe(state);
      }),
    {
      validator: (request: SkipRequest) => {
        rejectIf(skipProblems(request));
        rejectIfEnded(state);
        if (alreadySkipped()) refuse('The next meeting is already skipped.', 'AlreadySkipped');
        if (request.cycle !== undefined && request.cycle !== upcomingMeeting(state)) {
          refuse(
            `Meeting ${request.cycle} is no longer the next one (that is meeting ${upcomingMeeting(state)}), so nothing was skipped.`,
            'NotTheNextMeeting',
          );
        }
      },
    },
  );

  wf.setHandler(
    rescheduleMeetingUpdate,
    (request) =>
      oneAtATime(async () => {
        const cycle = state.cycle;
        if (today && (!meetingNotYetHeld(cycle) || cycle.skipped)) refuse('There is no upcoming meeting to reschedule any more.', 'NoUpcomingMeeting');
        const current = cycle as CycleState;
        const at = Date.parse(request.meetingAt);
        const from = current.rescheduledTo ?? current.plan.meetingAt;
        current.rescheduledTo = at;
        current.replan = 'stages';
        wake();
        await sideEffects.recordPairChange({
          pairId,
          cycle: current.number,
          kind: 'rescheduled',
          detail: today
            ? { from: new Date(from).toISOString(), to: new Date(at).toISOString(), by: request.by ?? 'admin' }
            : { from: new Date(current.plan.meetingAt).toISOString(), to: new Date(at).toISOString() },
        });
        // The handler plans the moved stages itself, so that its answer and the main loop see the whole change.
        if (today && current.replan) await replan(current);
        if (today) await tellTheOther({ change: 'moved', by: request.by ?? 'admin', from, to: at });
        return describe(state);
      }),
    {
      validator: (request: RescheduleRequest) => {
        rejectIfEnded(state);
        const cycle = state.cycle;
        if (!meetingNotYetHeld(cycle)) refuse('There is no upcoming meeting to reschedule yet; try again in a moment.', 'NoUpcomingMeeting');
        if (cycle.skipped) refuse('This meeting was skipped; it cannot be rescheduled.', 'MeetingSkipped');
        rejectIf(rescheduleProblems(request, Date.now(), cycle.plan.followingSlotAt));
      },
    },
  );

  wf.setHandler(
    pauseUpdate,
    (request) =>
      oneAtATime(async () => {
        if (today && state.paused) refuse('The pair is already paused.', 'AlreadyPaused');
        const by = request?.by ?? 'admin';
        const until = typeof request?.until === 'string' ? Date.parse(request.until) : undefined;
        state.paused = true;
        if (until !== undefined) state.pausedUntil = until;
        wake();
        const detail = today ? { by, ...(until !== undefined ? { until: new Date(until).toISOString() } : {}) } : {};
        await sideEffects.recordPairChange({ pairId, cycle: state.cycle?.number ?? null, kind: 'paused', detail, status: 'paused' });
        if (today && by !== 'admin') await tellTheOther({ change: 'paused', by, ...(until !== undefined ? { until } : {}) });
        return describe(state);
      }),
    {
      validator: (request: PauseRequest) => {
        rejectIfEnded(state);
        if (state.paused) refuse('The pair is already paused.', 'AlreadyPaused');
        rejectIf(pauseProblems(request, Date.now()));
      },
    },
  );

  wf.setHandler(
    resumeUpdate,
    () =>
      oneAtATime(async () => {
        if (today && !state.paused) refuse('The pair is not paused.', 'NotPaused');
        await resume({});
        return describe(state);
      }),
    {
      validator: () => {
        rejectIfEnded(state);
        if (!state.paused) refuse('The pair is not paused.', 'NotPaused');
      },
    },
  );

  /** Ends a pause: by a message, or on its own when an absence's pause runs out. */
  async function resume(detail: Record<string, string>): Promise<void> {
    state.paused = false;
    delete state.pausedUntil;
    wake();
    await sideEffects.recordPairChange({ pairId, cycle: state.cycle?.number ?? null, kind: 'resumed', detail, status: 'active' });
  }

  /**
   * Tells the other person of a change one of them made (a skip, a move, a pause), once: the
   * notice's outbox key holds a number that only grows.
   */
  async function tellTheOther(notice: Omit<SendChangeNoticeRequest, 'pairId' | 'cycle' | 'sequence' | 'by'> & { by: Role | 'admin' }): Promise<void> {
    if (notice.by === 'admin') return;
    state.noticeSeq = (state.noticeSeq ?? 0) + 1;
    await sideEffects.sendChangeNotice({ ...notice, by: notice.by, pairId, cycle: upcomingMeeting(state), sequence: state.noticeSeq });
  }

  wf.setHandler(
    changeScheduleUpdate,
    (change) =>
      oneAtATime(async () => {
        // Checked again against the settings as they are now: a change handled just before may have moved them.
        if (today) rejectIf(scheduleChangeProblems(change, state.settings));
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
        if (today && cycle?.replan) await replan(cycle);
        return describe(state);
      }),
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
          rejectIf([requestProblem('version must be a whole number of at least 1')]);
        }
      },
    },
  );

  wf.setHandler(
    addTopicUpdate,
    (request) =>
      oneAtATime(async () => {
        const legacyText = 'text' in request ? request.text.trim() : undefined;
        if (legacyText === undefined) {
          const pending = state.pendingTopics.find((topic) => topic.id === (request as TopicRequest).topicId);
          // The same topic sent again (a retried request) is added once.
          if (pending) return { topicId: pending.id, forCycle: topicCycle() };
          if (today && state.pendingTopics.length >= MAX_PENDING_TOPICS) rejectIf([requestProblem(TOPICS_FULL_PROBLEM)]);
        }
        if (legacyText !== undefined) state.topicSeq += 1;
        const topic =
          legacyText !== undefined ? { id: `${pairId}:topic:${state.topicSeq}`, by: request.by } : { id: (request as TopicRequest).topicId, by: request.by };
        const forCycle = topicCycle();
        const recording = { pairId, topicId: topic.id, by: topic.by, forCycle, ...(legacyText !== undefined ? { legacyText } : {}) };
        if (!today) {
          state.pendingTopics.push(topic);
          await sideEffects.recordTopic(recording);
          return { topicId: topic.id, forCycle };
        }
        // Only a topic the database holds goes on the agenda; a refusal by the activity is the Update's refusal.
        await sideEffects.recordTopic(recording).catch(rethrowRefusal);
        state.pendingTopics.push(topic);
        return { topicId: topic.id, forCycle };
      }),
    {
      validator: (request: TopicMessage) => {
        rejectIfEnded(state);
        rejectIf(topicProblems(request));
        const known = !('text' in request) && state.pendingTopics.some((topic) => topic.id === request.topicId);
        if (!known) rejectIf(state.pendingTopics.length >= MAX_PENDING_TOPICS ? [requestProblem(TOPICS_FULL_PROBLEM)] : []);
      },
    },
  );

  wf.setHandler(
    endPairUpdate,
    (request) =>
      oneAtATime(async () => {
        if (today) rejectIfEnded(state);
        state.ended = true;
        if (typeof request?.reasonId === 'string') state.endReasonId = request.reasonId;
        else if (typeof request?.reason === 'string') state.endReason = request.reason.trim().slice(0, MAX_REASON_LENGTH);
        wake();
        return describe(state);
      }),
    {
      validator: (request: EndRequest) => {
        rejectIfEnded(state);
        rejectIf(endProblems(request));
      },
    },
  );

  /** The meeting a topic added now goes on the agenda of. */
  function topicCycle(): number {
    const cycle = state.cycle;
    return cycle && !cycle.done.includes('agenda') ? cycle.number : state.nextCycleNumber + (cycle ? 1 : 0);
  }

  // ---- What the database knows of this workflow --------------------------------------------------

  let published = '';
  /** The next revision of the pair's status, or null when it is the one last written. */
  function nextPublication(status: PairStatus): RecordPairStateRequest | null {
    const json = JSON.stringify(status);
    if (json === published) return null;
    state.stateRevision = (state.stateRevision ?? 0) + 1;
    published = json;
    return { pairId, revision: state.stateRevision, status };
  }

  /** Writes the pair's status to the database when it changed, with the next revision. */
  async function publishState(): Promise<void> {
    // A run that has just continued as new between cycles plans its next one at once: nothing to show yet.
    if (!today || (state.cycle === null && !state.paused && !state.ended)) return;
    const publication = nextPublication(describe(state));
    if (publication) await publishing.recordPairState(publication);
  }

  /**
   * The status the pair will have once a stage is done, for the stage's own activity to write
   * after its send: one event fewer per stage than a write of its own. Should a message change the
   * state meanwhile, the main loop writes the difference when it next looks.
   */
  function publicationAfter(stage: Stage, cycle: CycleState, change: Partial<PairState> = {}): { publish?: RecordPairStateRequest } {
    if (!today) return {};
    const publication = nextPublication(describe({ ...state, ...change, cycle: { ...cycle, done: [...cycle.done, stage] } }));
    return publication ? { publish: publication } : {};
  }

  // ---- The cycle -------------------------------------------------------------------------------

  /** Waits for an absolute instant; returns false early when a message changed something. */
  async function sleepUntil(at: number): Promise<boolean> {
    const seen = revision;
    const remaining = at - Date.now();
    if (remaining <= 0) return true;
    const interrupted = await wf.condition(() => revision !== seen || runIsLong(), remaining);
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

  async function sendForms(cycle: CycleState, kinds: FormKind[], stage: Stage): Promise<void> {
    const request = { pairId, cycle: cycle.number, meetingAt: cycle.plan.meetingAt };
    const together = wf.patched(SEND_LOCALLY_FIRST);
    const publication = together ? publicationAfter(stage, cycle) : {};
    const results = together
      ? await sendLocallyFirst('sendForms', {
          ...request,
          kinds,
          openActionItems: kinds.some((kind) => FOLLOW_UP_FORMS.includes(kind)) ? state.openActionItems : undefined,
          ...publication,
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
    // The send wrote the status with the question set version it used (a pair's first forms learn
    // it there), so the status it wrote is the one published: no second write of the same state.
    // Asked only when the version moved, so that the patch's marker is not added to every run.
    const sent = publication.publish?.status;
    if (sent && sent.questionSetVersion !== state.questionSetVersion && wf.patched(PUBLISH_SENT_VERSION)) {
      published = JSON.stringify({ ...sent, questionSetVersion: state.questionSetVersion });
    }
  }

  async function runStage(stage: Stage, cycle: CycleState): Promise<void> {
    switch (stage) {
      case 'reflection':
        // Forms that the agenda would close on arrival (a reschedule to just before the meeting)
        // are not sent: nobody gets a link that is already closed.
        if (today && Date.now() >= cycle.plan.stageAt.agenda) return;
        await sendForms(cycle, PREPARATION_FORMS, stage);
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
        const publication = unanswered.length > 0 ? publicationAfter(stage, cycle) : {};
        await Promise.all(
          unanswered.map((kind) => send('sendReminder', { pairId, cycle: cycle.number, kind, meetingAt: cycle.plan.meetingAt, ...publication })),
        );
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
          ...publicationAfter(stage, cycle, { pendingTopics: state.pendingTopics.filter((topic) => !topics.includes(topic)) }),
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
        await sendForms(cycle, feedbackDue ? [...FOLLOW_UP_FORMS, 'feedback'] : FOLLOW_UP_FORMS, stage);
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
      ...(cycle.skipped?.reasonId ? { reasonId: cycle.skipped.reasonId } : { reason: cycle.skipped?.reason }),
      ...(today && cycle.skipped ? { by: cycle.skipped.by } : {}),
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
    const until = state.pausedUntil;
    const resumes = () => !state.paused || state.ended || runIsLong();
    if (today && until !== undefined) {
      // A pause for an absence ends on its own at its date.
      if (Date.now() < until) await wf.condition(resumes, until - Date.now());
      if (state.paused && !state.ended && Date.now() >= until) await lock.run(() => resume({ by: 'absence over' }));
    } else {
      await wf.condition(resumes);
    }
    const cycle = state.cycle;
    if (state.paused || state.ended || !meetingNotYetHeld(cycle)) return;
    // A meeting whose time passed during the pause is closed; one still ahead carries on and
    // the stages that fell due during the pause run now.
    if (Date.now() >= cycle.plan.meetingAt) await closeCurrentCycle(cycle, 'paused');
  }

  /**
   * What the people's calendars should show of the meeting under way: the meeting at its time
   * while it is on; nothing (a cancellation) while it is skipped, paused over or the pair ended. A
   * meeting already held is left as it is. Null when the calendars are already right.
   */
  function calendarChange(cycle: CycleState): 'REQUEST' | 'CANCEL' | null {
    if (cycle.done.includes('meeting') || cycle.replan) return null;
    const last = cycle.invite;
    const wanted = !state.paused && !state.ended && !cycle.skipped;
    if (!wanted) return last && !last.cancelled ? 'CANCEL' : null;
    const current = last && !last.cancelled && last.meetingAt === cycle.plan.meetingAt && last.durationMinutes === state.settings.durationMinutes;
    return current ? null : 'REQUEST';
  }

  /** Sends the invite, its update or its cancellation when the meeting changed since the last one. */
  async function keepCalendarsInStep(): Promise<void> {
    const cycle = state.cycle;
    const method = cycle ? calendarChange(cycle) : null;
    if (!cycle || !method) return;
    const invite = {
      sequence: (cycle.invite?.sequence ?? -1) + 1,
      meetingAt: cycle.plan.meetingAt,
      durationMinutes: state.settings.durationMinutes,
      cancelled: method === 'CANCEL',
    };
    await sendingLocallyThenRegularly('sendInvite', {
      pairId,
      cycle: cycle.number,
      meetingAt: invite.meetingAt,
      durationMinutes: invite.durationMinutes,
      method,
      sequence: invite.sequence,
    });
    cycle.invite = invite;
  }

  async function continueToNextRun(): Promise<never> {
    await wf.condition(wf.allHandlersFinished);
    return wf.continueAsNew<typeof pairWorkflow>({ pairId, settings: state.settings, carried: state });
  }

  while (!state.ended) {
    if (today) {
      // The loop acts on whole changes only: a handler half-way through holds the lock.
      await wf.condition(() => !lock.busy);
      await keepCalendarsInStep();
      await publishState();
      if (state.ended) break;
      if (runIsLong()) return continueToNextRun();
    }
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
  if (today) await keepCalendarsInStep();
  const unfinished = meetingNotYetHeld(state.cycle) ? { cycle: state.cycle.number, meetingAt: state.cycle.plan.meetingAt } : null;
  await sideEffects.endPair({
    pairId,
    unfinishedCycle: unfinished,
    closeForms: closeForms(() => true),
    ...(state.endReasonId ? { reasonId: state.endReasonId } : { reason: state.endReason }),
  });
  await publishState();
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

/** An activity's non-retryable refusal becomes the Update's own: callers see its type and message. */
function rethrowRefusal(error: unknown): never {
  if (error instanceof wf.ActivityFailure && error.cause instanceof wf.ApplicationFailure) throw error.cause;
  throw error;
}

/** Refuses an Update with one sentence, typed so that Temporal's tools show a refusal, not an error to retry. */
function refuse(message: string, type: string): never {
  throw wf.ApplicationFailure.create({ message, type, details: [[message], [requestProblem(message)]], nonRetryable: true });
}

function rejectIfEnded(state: PairState): void {
  if (state.ended) refuse('This pair has ended.', 'PairEnded');
}

/** The meeting a skip sent now would skip. */
export function upcomingMeeting(state: PairState): number {
  const cycle = state.cycle;
  if (!cycle) return state.nextCycleNumber;
  return cycle.done.includes('meeting') ? cycle.number + 1 : cycle.number;
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
    upcomingMeeting: upcomingMeeting(state),
  };
}
