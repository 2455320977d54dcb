// Types shared by the pair workflow, its activities and its clients. Types and plain data only:
// this file is bundled into the deterministic workflow sandbox.

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export type Cadence =
  | { kind: 'weekly'; everyWeeks: number; weekday: Weekday }
  /** ordinal 1–4 is the Nth such weekday of the month, -1 the last one. */
  | { kind: 'monthly'; ordinal: 1 | 2 | 3 | 4 | -1; weekday: Weekday }
  /**
   * A compressed cadence for trying Rapport out and for real-time tests: a meeting every N minutes
   * from the next whole minute, so every stage's email arrives within minutes. meetingTime is unused.
   */
  | { kind: 'demo'; everyMinutes: number };

/** Minutes relative to the meeting, counted on the wall clock of the pair's time zone. */
export interface StageOffsets {
  reflectionBefore: number;
  reminderBefore: number;
  agendaBefore: number;
  followUpAfter: number;
}

export interface PairSchedule {
  cadence: Cadence;
  /** Local "HH:MM" in timeZone. */
  meetingTime: string;
  durationMinutes: number;
  /** IANA time zone, e.g. Europe/Berlin. */
  timeZone: string;
  offsets: StageOffsets;
}

export interface PairSettings extends PairSchedule {
  feedbackEveryCycles: number;
  skipNudgeAfter: number;
  /**
   * The days forms and reminders may land on, in the pair's time zone (DEFAULT_WORKING_DAYS when
   * absent); a stage that would fall on another day moves to a working day. The meeting never moves.
   */
  workingDays?: Weekday[];
  /** Whether each meeting is sent to both as a calendar invite (on when absent). */
  calendarInvites?: boolean;
}

/** Monday to Friday. */
export const DEFAULT_WORKING_DAYS: Weekday[] = [1, 2, 3, 4, 5];

export const DEFAULT_OFFSETS: StageOffsets = {
  reflectionBefore: 48 * 60,
  reminderBefore: 24 * 60,
  agendaBefore: 60,
  followUpAfter: 24 * 60,
};
export const DEFAULT_FEEDBACK_EVERY_CYCLES = 4;
export const DEFAULT_SKIP_NUDGE_AFTER = 3;

export type Role = 'report' | 'manager';

/** The stages of one cycle, in the order they happen. */
export const STAGES = ['reflection', 'reminder', 'agenda', 'meeting', 'followUp'] as const;
export type Stage = (typeof STAGES)[number];

/** A form sent to one person. Reflection goes to the report, the prep form to the manager. */
export type FormKind = 'reflection' | 'managerPrep' | 'followUpReport' | 'followUpManager' | 'feedback';
export const FORM_RECIPIENT: Record<FormKind, Role> = {
  reflection: 'report',
  managerPrep: 'manager',
  followUpReport: 'report',
  followUpManager: 'manager',
  feedback: 'report',
};
export const FOLLOW_UP_FORMS: FormKind[] = ['followUpReport', 'followUpManager'];
export const PREPARATION_FORMS: FormKind[] = ['reflection', 'managerPrep'];

/** What planCycle works out for one meeting; all instants are epoch milliseconds. */
export interface CyclePlan {
  /** The cadence occurrence this cycle stands for (a reschedule moves meetingAt, not slotAt). */
  slotAt: number;
  meetingAt: number;
  stageAt: Record<Stage, number>;
  /** The cadence occurrence after slotAt: a reschedule may not reach it. */
  followingSlotAt: number;
}

export interface OpenForm {
  cycle: number;
  kind: FormKind;
}

/** An open action item as the workflow carries it: its text lives in the database (ActionItem). */
export interface ActionItemState {
  id: string;
  cycle: number;
  owner: Role;
  /** Only in state carried from before PAIR_STATE_VERSION 2; upgradePairState drops it. */
  text?: string;
}

/** A topic waiting for the next agenda: its text lives in the database (Topic). */
export interface TopicState {
  id: string;
  by: Role;
  /** Only in state carried from before PAIR_STATE_VERSION 2; upgradePairState drops it. */
  text?: string;
}

/** Who skipped a meeting; the reason they gave is stored in the database (PairNote). */
export interface SkipState {
  by: Role | 'admin';
  reasonId?: string;
  /** The reason's text, in state carried from before PAIR_STATE_VERSION 2 (and in replayed histories). */
  reason?: string;
}

export type CycleOutcome = 'held' | 'skipped' | 'paused';

export interface CycleState {
  number: number;
  plan: CyclePlan;
  done: Stage[];
  answered: FormKind[];
  reflectionSentAt?: number;
  skipped?: SkipState;
  /** Set by messages that move the meeting or its stages; the main loop plans again. */
  replan?: 'full' | 'stages';
  rescheduledTo?: number;
  /** The last calendar invite (or cancellation) sent for this meeting. */
  invite?: InviteState;
}

/** What the people's calendars were last told of a meeting. */
export interface InviteState {
  /** The event's SEQUENCE: rises with every update or cancellation. */
  sequence: number;
  meetingAt: number;
  durationMinutes: number;
  cancelled: boolean;
}

/**
 * The shape of PairState. 1 (no version field) carried topic and action-item texts and reasons;
 * 2 carries ids only. upgradePairState turns any older state into the current one.
 */
export const PAIR_STATE_VERSION = 2;

/** Everything the workflow carries from one run to the next through continue-as-new. Ids, flags and instants only. */
export interface PairState {
  version?: number;
  pairId: string;
  settings: PairSettings;
  cycle: CycleState | null;
  /** The slot of the last cycle that closed: the next cycle is the first occurrence after it. */
  lastSlotAt: number | null;
  nextCycleNumber: number;
  consecutiveSkips: number;
  meetingsSinceFeedback: number;
  paused: boolean;
  ended: boolean;
  skipNextMeeting?: SkipState;
  /** Why the pair ended, stored in the database (PairNote). */
  endReasonId?: string;
  /** The reason's text, in state carried from before PAIR_STATE_VERSION 2 (and in replayed histories). */
  endReason?: string;
  /**
   * The revision of the state the workflow last wrote to the database (Pair.stateRevision): every
   * write carries a higher one, so an older write never wins.
   */
  stateRevision?: number;
  openForms: OpenForm[];
  openActionItems: ActionItemState[];
  pendingTopics: TopicState[];
  questionSetVersion: number | null;
  /** Counts for deterministic ids of topics. */
  topicSeq: number;
  /** When a pause for an absence ends: the pair resumes on its own then. */
  pausedUntil?: number;
  /** Counts the notices sent to the other person of a change (part of each notice's outbox key). */
  noticeSeq?: number;
}

export interface PairWorkflowInput {
  pairId: string;
  settings: PairSettings;
  /** Present when the workflow continued as new. */
  carried?: PairState;
}

export interface PairOutcome {
  pairId: string;
  endedAfterCycle: number;
}

// ---- Messages ----------------------------------------------------------------------------------

export type AnswerValue = string | number | boolean | null;

export interface NewActionItem {
  text: string;
  owner: Role;
}

export interface FormAnswer {
  cycle: number;
  kind: FormKind;
  /** Answers by question id. */
  answers: Record<string, AnswerValue>;
  /** Follow-up forms only. */
  meetingHeld?: boolean;
  actionItems?: NewActionItem[];
  completedActionItemIds?: string[];
  /** Question ids the report marked private: hidden from the manager's view of the record. */
  privateQuestionIds?: string[];
}

/**
 * What the answerForm Update carries: which form was answered and the few facts the workflow
 * decides on. What the person typed is already stored with the answer (Answer.payload) and never
 * travels through Temporal.
 */
export interface FormAnswered {
  cycle: number;
  kind: FormKind;
  /** Follow-up forms only: whether the meeting took place. */
  meetingHeld?: boolean;
  /** Follow-up forms only: the owners of the action items agreed, in the order stored with the answer. */
  addedActionItems?: { owner: Role }[];
  completedActionItemIds?: string[];
}

/** The answerForm Update: today's FormAnswered, or the whole FormAnswer that web services before it sent. */
export type AnswerMessage = FormAnswered | FormAnswer;

export const isLegacyAnswer = (message: AnswerMessage): message is FormAnswer => 'answers' in message;

export interface AnswerReceipt {
  cycle: number;
  kind: FormKind;
  actionItemIds: string[];
}

export interface SkipRequest {
  by: Role | 'admin';
  /** The meeting (cycle number) the sender means to skip: a skip sent twice never skips the next one too. */
  cycle?: number;
  /** The PairNote that holds the reason given, stored before the Update is sent. */
  reasonId?: string;
  /** The reason's text, as senders before PairNote sent it (replayed histories only). */
  reason?: string;
}

export interface EndRequest {
  /** The PairNote that holds the reason given. */
  reasonId?: string;
  /** The reason's text, as senders before PairNote sent it (replayed histories only). */
  reason?: string;
}

export interface RescheduleRequest {
  /** ISO 8601 instant with an offset or Z. */
  meetingAt: string;
  /** Who moved it (recorded, and told to the other person); an admin when absent. */
  by?: Role | 'admin';
}

/** A pause: by whom, and optionally until when (an absence), after which the pair resumes on its own. */
export interface PauseRequest {
  by?: Role | 'admin';
  /** ISO 8601 instant with an offset or Z; absent for a pause until someone resumes. */
  until?: string;
}

export type ScheduleChange = Partial<PairSettings>;

/** A topic for the next agenda: its text is stored (Topic, not yet on an agenda) before the Update is sent. */
export interface TopicRequest {
  topicId: string;
  by: Role;
}

/** The addTopic Update as senders before it sent it, with the text (replayed histories only). */
export interface LegacyTopicRequest {
  text: string;
  by: Role;
}

export type TopicMessage = TopicRequest | LegacyTopicRequest;

export interface NextEvent {
  stage: Stage;
  at: string;
}

export interface PairStatus {
  pairId: string;
  state: 'active' | 'paused' | 'ended';
  stage: Stage | 'planning' | 'ended';
  cycle: number | null;
  meetingAt: string | null;
  nextEvents: NextEvent[];
  openActionItems: ActionItemState[];
  pendingTopics: TopicState[];
  consecutiveSkips: number;
  questionSetVersion: number | null;
  settings: PairSettings;
  /** The meeting a skip sent now would skip (a skip names it, so that a repeated skip skips nothing more). */
  upcomingMeeting: number;
}

export const MAX_TOPIC_LENGTH = 500;
/** Topics waiting for the next agenda: a pair link cannot be used to flood a 1:1. */
export const MAX_PENDING_TOPICS = 30;
export const TOPICS_FULL_PROBLEM = `the next agenda already has ${MAX_PENDING_TOPICS} topics waiting`;
export const MAX_ACTION_ITEM_LENGTH = 500;
export const MAX_REASON_LENGTH = 500;
/** Open action items carried from cycle to cycle: a follow-up that would pass it is refused with a clear message. */
export const MAX_OPEN_ACTION_ITEMS = 100;
export const ACTION_ITEMS_FULL_PROBLEM = `this pair already has ${MAX_OPEN_ACTION_ITEMS} open action items: tick some off before adding more`;
/** Ids made by callers (topic and note ids): short, and safe in any log. */
export const MESSAGE_ID_PATTERN = /^[A-Za-z0-9:_-]{1,120}$/;
