// What each email template is given: one interface per NAME.{subject,html,text}.hbs, with the
// fields its three files, the layout and the partials read. Rendering takes the interface of the
// template it renders (EmailTemplates.render), so a field left out is a compile error.

/** layout.html.hbs and footer.text.hbs: every email is to one person of a pair, with their links. */
export interface PairEmailContext {
  recipientName: string;
  reportName: string;
  managerName: string;
  /** Add a topic to the next agenda. */
  topicUrl: string;
  /** The recipient's own record. */
  recordUrl: string;
  /** "This 1:1": skip, move or pause the next meeting, and see what either person changed. */
  meetingUrl: string;
  /** The manager's page for the pair: shape its questions with the report, their suggestions, pooled feedback. Empty (or absent) for the report. */
  questionsUrl?: string;
}

/** The meeting an email is about, in the pair's time zone. */
export interface MeetingContext {
  meetingWhen: string;
  durationMinutes: number;
  /** Empty when the pair has none. */
  formatNote: string;
}

/** form-questions.{html,text}.hbs: the questions a form will ask and its link. */
export interface FormQuestionsContext {
  questions: readonly { text: string; required: boolean }[];
  formUrl: string;
}

export interface ReflectionEmail extends PairEmailContext, MeetingContext, FormQuestionsContext {
  /** When the agenda goes out: answers before then are on it. */
  agendaWhen: string;
}

export interface ManagerPrepEmail extends PairEmailContext, MeetingContext, FormQuestionsContext {}

export interface FollowUpEmail extends PairEmailContext, FormQuestionsContext {
  meetingWhen: string;
  openActionItems: readonly { text: string; ownerName: string }[];
}

export interface FeedbackEmail extends PairEmailContext, FormQuestionsContext {
  meetingWhen: string;
}

export interface ReminderEmail extends PairEmailContext {
  meetingWhen: string;
  formUrl: string;
}

/** One answered question on the agenda. */
export interface AgendaItem {
  question: string;
  answer: string;
  /** Shown only on the report's own copy: the manager's copy leaves private answers out. */
  private: boolean;
}

export interface AgendaEmail extends PairEmailContext, MeetingContext {
  report: { items: readonly AgendaItem[]; topics: readonly string[] };
  manager: { items: readonly Omit<AgendaItem, 'private'>[]; topics: readonly string[] };
  actionItems: readonly { text: string; ownerName: string; cycle: number }[];
}

export interface SkipNudgeEmail extends PairEmailContext {
  meetingWhen: string;
  consecutiveSkips: number;
}

/** invite.* and invite-cancelled.*: the email that carries a meeting's calendar invite or its cancellation. */
export interface InviteEmail extends PairEmailContext, MeetingContext {
  /** The other person of the pair. */
  otherName: string;
  /** "Your topics" to the report, "<report>'s topics" to the manager. */
  whoseTopics: string;
}

/**
 * change-notice.*: the other person of the pair hears that a meeting was skipped or moved, or the
 * 1:1s paused. Exactly one of skip, move and pause is set; the others are null.
 */
export interface ChangeNoticeEmail extends PairEmailContext {
  /** Who made the change: the other person of the pair. */
  byName: string;
  /** The meeting concerned (before a move, its old time) in the pair's time zone; null when it is not known. */
  meetingWhen: string | null;
  /** The skip's reason in the words of whoever skipped; null when they gave none. */
  skip: { reason: string | null } | null;
  /** The meeting's new time; null when it is not known. */
  move: { toWhen: string | null } | null;
  /** The day the 1:1s start again on their own; null for a pause until someone resumes. */
  pause: { untilDate: string | null } | null;
}

export interface EmailContexts {
  reflection: ReflectionEmail;
  'manager-prep': ManagerPrepEmail;
  reminder: ReminderEmail;
  agenda: AgendaEmail;
  'follow-up': FollowUpEmail;
  feedback: FeedbackEmail;
  'skip-nudge': SkipNudgeEmail;
  'change-notice': ChangeNoticeEmail;
  invite: InviteEmail;
  'invite-cancelled': InviteEmail;
}
