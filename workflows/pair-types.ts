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
}

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

export interface ActionItemState {
  id: string;
  cycle: number;
  text: string;
  owner: Role;
}

export interface TopicState {
  id: string;
  text: string;
  by: Role;
}

export type CycleOutcome = 'held' | 'skipped' | 'paused';

export interface CycleState {
  number: number;
  plan: CyclePlan;
  done: Stage[];
  answered: FormKind[];
  reflectionSentAt?: number;
  skipped?: { reason: string; by: Role | 'admin' };
  /** Set by messages that move the meeting or its stages; the main loop plans again. */
  replan?: 'full' | 'stages';
  rescheduledTo?: number;
}

/** Everything the workflow carries from one run to the next through continue-as-new. */
export interface PairState {
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
  skipNextMeeting?: { reason: string; by: Role | 'admin' };
  endReason?: string;
  openForms: OpenForm[];
  openActionItems: ActionItemState[];
  pendingTopics: TopicState[];
  questionSetVersion: number | null;
  /** Counts for deterministic ids of topics. */
  topicSeq: number;
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

export interface AnswerReceipt {
  cycle: number;
  kind: FormKind;
  actionItemIds: string[];
}

export interface SkipRequest {
  reason?: string;
  by: Role | 'admin';
}

export interface RescheduleRequest {
  /** ISO 8601 instant with an offset or Z. */
  meetingAt: string;
}

export type ScheduleChange = Partial<PairSettings>;

export interface TopicRequest {
  text: string;
  by: Role;
}

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
}

export const MAX_TOPIC_LENGTH = 500;
/** Topics waiting for the next agenda: a pair link cannot be used to flood a 1:1. */
export const MAX_PENDING_TOPICS = 30;
export const TOPICS_FULL_PROBLEM = `the next agenda already has ${MAX_PENDING_TOPICS} topics waiting`;
export const MAX_ACTION_ITEM_LENGTH = 500;
export const MAX_REASON_LENGTH = 500;
