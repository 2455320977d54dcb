// What each page template in templates/pages is given: one interface per file, with the fields it
// reads (nested ones and the items of its #each blocks). Pages are rendered through view() in
// http/page-view.ts, which takes the interface of the page it renders, so a field left out is a
// compile error.

/** layout.hbs: every page has a title. */
export interface Page {
  title: string;
}

/** What an admin typed into a form, sent back with its problems; fields as @fastify/formbody parses them. */
type TypedFields<Name extends string> = Partial<Record<Name, string | string[]>>;

/** A choice among fixed values: a select's option or a radio button. */
interface Choice {
  value: string;
  selected: boolean;
}

/** The messages shown beside one input of an admin form. */
export interface InputProblem {
  /** Id of the element showing them, for the input's aria-describedby. */
  id: string;
  messages: readonly string[];
}

/** An admin form's problems (admin/form-problems.ts): each beside the input it is about, the rest listed on top. */
export interface FormProblems {
  /** Problems about no input of the page. */
  listed: readonly string[];
  /** Says how many are shown beside their inputs; empty when none are. */
  besideInputs: string;
  /** By the id of the input they are about. */
  byInput: Readonly<Record<string, InputProblem>>;
}

// ---- The pages behind the links in emails -------------------------------------------------------

export interface FormPageQuestion {
  /** The element id: `question-<question id>`. */
  id: string;
  questionId: string;
  text: string;
  required: boolean;
  error?: string;
  /** What was typed or answered before (text questions). */
  value: string;
  maxLength: number;
  isText: boolean;
  isChoices: boolean;
  isActionItems: boolean;
  /** What 1 and 5 mean on a scale; empty otherwise. */
  hint: string;
  choices: readonly { value: string; label: string; checked: boolean }[];
  /** Action items still open from earlier meetings, to tick as done. */
  openItems: readonly { id: string; text: string; ownerName: string; checked: boolean }[];
  /** Rows for new action items. */
  rows: readonly { index: number; number: number; text: string; ownerIsReport: boolean; ownerIsManager: boolean }[];
  canBePrivate: boolean;
  private: boolean;
}

export interface FormPage extends Page {
  intro: string;
  action: string;
  reportName: string;
  managerName: string;
  submitLabel: string;
  /** Only on the report's forms. */
  suggestionAction?: string;
  alreadyAnswered: boolean;
  formErrors: readonly string[];
  questionErrors: readonly { id: string; text: string; error: string }[];
  questions: readonly FormPageQuestion[];
  /** A fresh id per page view, sent back with the answers: a double submission is delivered once. */
  submission: string;
  /** The feedback form's choice of how the manager sees it (named or pooled); left out on every other form. */
  sharing?: {
    name: string;
    legend: string;
    hint: string;
    error?: string;
    choices: readonly { id: string; value: string; label: string; checked: boolean }[];
  };
  /** On the report's forms: "Your suggestion … was taken up by …", for suggestions accepted since their previous form. */
  suggestionsTakenUp: readonly string[];
}

export interface TopicPage extends Page {
  intro: string;
  action: string;
  recordUrl: string;
  meetingUrl: string;
  /** A fresh id per page view (or the one sent back with an error): a double submission adds one topic. */
  submission: string;
  error?: string;
  /** The topic as typed, sent back with its error. */
  text?: string;
  /** Why no topic can be added now; the form is left out. */
  full?: string;
}

export interface RecordPage extends Page {
  otherName: string;
  /** The manager's page for the pair (questions, suggestions, pooled feedback), relative to the record; empty for the report. */
  questionsUrl: string;
  meetingUrl: string;
  actionItems: readonly { text: string; owner: string; done: boolean; cycle: number }[];
  cycles: readonly {
    number: number;
    meetingWhen: string;
    status: string;
    answers: readonly { title: string; by: string; items: readonly { question: string; answer: string; private: boolean }[] }[];
  }[];
}

/** One of the forms on the "this 1:1" page, with its problem beside it after a refusal. */
interface MeetingForm {
  action: string;
  /** Shown beside the form, its inputs described by it; left out when there is none. */
  problem?: string;
}

/** meeting.hbs, "this 1:1": the next meeting, forms to skip, move or pause it, and what either person changed. */
export interface MeetingPage extends Page {
  intro: string;
  /** The next meeting in the pair's time zone; null when none is planned. */
  nextMeeting: string | null;
  /** Where the 1:1s stand (paused, ended, the next meeting not planned yet). */
  standing: readonly string[];
  timeZone: string;
  /** A fresh id per page view (or the one sent back with a refusal): a form sent twice is applied once. */
  submission: string;
  /** Each form is left out (null) when it cannot be used now. */
  /** `meeting` is the number of the meeting the skip means (empty before the first is planned). */
  skip: (MeetingForm & { meeting: string; explanation: string; reason: string; maxLength: number; otherName: string }) | null;
  move: (MeetingForm & { date: string; time: string; minDate: string }) | null;
  pause: (MeetingForm & { until: string; minDate: string; maxDate: string }) | null;
  /** Newest first; a skip's reason is shown to the two people of the pair. */
  changes: readonly { what: string; when: string; reason: string | null; noReason: boolean }[];
  topicUrl: string;
  recordUrl: string;
}

/** questions.hbs, the manager's page for the pair: its question editor, the report's suggestions and the pooled feedback summary. */
export interface ManagerQuestionsPage extends Page {
  reportName: string;
  managerName: string;
  notice?: string;
  problems?: FormProblems;
  /** Where the editor and the suggestion buttons post. */
  action: string;
  suggestionAction: string;
  recordUrl: string;
  /** A fresh id per page view (or the one sent back with a refusal): a form sent twice is applied once. */
  submission: string;
  questionSetVersion: number;
  editor: AdminPairPage['editor'];
  /** The report's suggestions waiting for a decision, oldest first. */
  suggestions: readonly { id: string; text: string }[];
  feedback: {
    periodDays: number;
    /** Below the threshold: why nothing is shown; null when the summary is shown. */
    message: string | null;
    scales: readonly { question: string; mean: string; count: number }[];
    texts: readonly { question: string; answers: readonly string[] }[];
  };
}

/** A page that says one thing: a refusal, a confirmation, an error. */
export interface MessagePage extends Page {
  paragraphs: readonly string[];
  backUrl?: string;
  backLabel?: string;
}

// ---- The admin's pages --------------------------------------------------------------------------

export interface AdminLoginPage extends Page {
  error?: string;
}

/** The working days and calendar invites on the admin's pair forms, as checkboxes. */
export interface WorkingDaysAndInvitesInputs {
  /** Monday to Sunday (value 1 to 7), each checked when it is a working day. */
  workingDays: readonly { value: number; label: string; checked: boolean }[];
  /** What the form showed, sent back with it (see admin/pair-forms.ts). */
  workingDaysShown: string;
  calendarInvites: boolean;
  calendarInvitesShown: 'on' | 'off';
  /** The pair has no choice of its own: it follows the organisation's default (CALENDAR_INVITES). */
  invitesFollowDefault: boolean;
}

export interface AdminPairsPage extends Page {
  problems?: FormProblems;
  /** The add-a-pair form's checkboxes: the defaults, or what was sent with a refused form. */
  newPair: WorkingDaysAndInvitesInputs;
  pairs: readonly {
    pairId: string;
    manager: { name: string };
    report: { name: string };
    state: string;
    cycle: number | null;
    nextEvent: { stage: string; at: string } | null;
    consecutiveSkips: number | null;
    /** What Temporal says of a workflow that stopped without the pair ending (state "stopped"). */
    stopped: { status: string; reason: string | null; stoppedAt: string | null } | null;
    undeliveredEmails: number;
  }[];
  typed?: TypedFields<'managerName' | 'managerEmail' | 'reportName' | 'reportEmail' | 'meetingTime' | 'timeZone' | 'formatNote'>;
}

export interface AdminImportPage extends Page {
  report: {
    fileProblems: readonly string[];
    created: readonly { line: number; pairId: string; manager: string; report: string }[];
    refused: readonly { line: number; reasons: readonly string[] }[];
    refusedNotListed?: number;
  };
  refusedCount: number;
}

export interface AdminPairPage extends Page {
  notice?: string;
  problems?: FormProblems;
  /** The schedule form's checkboxes, as the pair's settings are now. */
  schedule: WorkingDaysAndInvitesInputs;
  pair: {
    id: string;
    reportName: string;
    managerName: string;
    status: string;
    timeZone: string;
    meetingTime: string;
    durationMinutes: number;
    feedbackEveryCycles: number;
  };
  /** What the database holds; stage and skips are null before the workflow first wrote its state. */
  status: {
    state: string;
    stage: string | null;
    cycle: number | null;
    consecutiveSkips: number | null;
    nextEvents: readonly { stage: string; at: string }[];
  };
  /** Its workflow stopped without the pair ending: Temporal's status name, its reason, and since when (local time). */
  stopped: { status: string; reason: string | null; since: string | null } | null;
  search: { temporalQuery: string };
  undeliveredEmails: readonly { cycleNumber: number; stage: string; recipientRole: string; toAddress: string; lastError: string | null }[];
  actions: readonly string[];
  /** A fresh id per page view for the forms on it: one sent twice is applied once. */
  submission: string;
  heldRate: string;
  doneRate: string;
  /** `svg` is our own chart markup, rendered unescaped. */
  charts: readonly { label: string; svg: string }[];
  history: {
    timeline: readonly {
      number: number;
      meetingAt: string;
      status: string;
      skipReason: string | null;
      forms: readonly { kind: string; answered: boolean }[];
      /** Only counted. */
      actionItems: readonly unknown[];
    }[];
  };
  openSuggestions: readonly { id: string; text: string; by: string }[];
  questionSetVersion: number;
  editor: readonly {
    stage: string;
    title: string;
    canBeDisabled: boolean;
    enabled: boolean;
    rows: readonly {
      stage: string;
      index: number;
      order: number;
      id: string;
      text: string;
      required: boolean;
      /** Choice options, one per line. */
      options: string;
      isNew: boolean;
      types: readonly Choice[];
      problems?: Readonly<Partial<Record<'text' | 'type' | 'options', InputProblem>>>;
    }[];
  }[];
  bankChoices: readonly { stage: string; title: string; questions: readonly { id: string; text: string }[] }[];
}

export interface AdminQuestionBankPage extends Page {
  notice?: string;
  problems?: FormProblems;
  questions: readonly {
    id: string;
    stage: string | null;
    question: { id: string; text: string; type: string; required: boolean; options?: readonly string[] };
  }[];
  typed: TypedFields<'text' | 'questionId' | 'options' | 'required'>;
  types: readonly Choice[];
  stages: readonly (Choice & { label: string })[];
}

// ---- The local stack's mail viewer --------------------------------------------------------------

export interface MailListPage extends Page {
  filter: string;
  total: number;
  rows: readonly {
    url: string;
    receivedAt: string;
    receivedAtIso: string;
    from: string;
    to: readonly { address: string; filterUrl: string }[];
    subject: string;
  }[];
  mailDir: string;
}

export interface MailMessagePage extends Page {
  headers: readonly { name: string; value: string | undefined }[];
  allHeaders: readonly { name: string; value: unknown }[];
  rawUrl: string;
  /** Left out when the message has no HTML part. */
  htmlUrl?: string;
  sandbox: string;
  /** The text part as plain text and links; left out when there is none. */
  text?: readonly ({ text: string; url?: undefined } | { url: string; text?: undefined })[];
  attachments: readonly { name: string; type: string }[];
}

export interface PageContexts {
  'form.hbs': FormPage;
  'topic.hbs': TopicPage;
  'record.hbs': RecordPage;
  'meeting.hbs': MeetingPage;
  'questions.hbs': ManagerQuestionsPage;
  'message.hbs': MessagePage;
  'admin-login.hbs': AdminLoginPage;
  'admin-pairs.hbs': AdminPairsPage;
  'admin-import.hbs': AdminImportPage;
  'admin-pair.hbs': AdminPairPage;
  'admin-question-bank.hbs': AdminQuestionBankPage;
  'mail-list.hbs': MailListPage;
  'mail-message.hbs': MailMessagePage;
}

export type PageName = keyof PageContexts;
