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

export interface EmailContexts {
  reflection: ReflectionEmail;
  'manager-prep': ManagerPrepEmail;
  reminder: ReminderEmail;
  agenda: AgendaEmail;
  'follow-up': FollowUpEmail;
  feedback: FeedbackEmail;
  'skip-nudge': SkipNudgeEmail;
}
