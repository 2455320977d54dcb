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
  /** "You answered this form before, on …": shown at the top; empty when it was not answered yet. */
  answeredBefore: string;
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
  topicUrl: string;
  /** The same record to download (for review season), behind the same link. */
  jsonUrl: string;
  csvUrl: string;
  /** Newest first; status "Open" or "Done in meeting 4", age "agreed 2 weeks ago". */
  actionItems: readonly { text: string; owner: string; done: boolean; cycle: number; status: string; age: string }[];
  cycles: readonly {
    number: number;
    meetingWhen: string;
    status: string;
    answers: readonly { title: string; by: string; items: readonly { question: string; answer: string; private: boolean }[] }[];
  }[];
  /** The topics this person added that went on an agenda, newest first. */
  topics: readonly { text: string; forCycle: number; addedWhen: string }[];
  /** Feedback on the manager: the report's own (with how they shared it), or the report's named feedback for the manager. */
  feedback: readonly {
    cycle: number;
    meetingWhen: string;
    by: string;
    sharing: string;
    items: readonly { question: string; answer: string; private: boolean }[];
  }[];
  /** The manager's record: where pooled feedback is instead; empty for the report. */
  pooledNote: string;
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
  /** After a confirmation: what the person may want to do next, as links. */
  nextSteps?: readonly { url: string; label: string }[];
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

/** The cadence selects of the schedule form (admin/pair-forms.ts). */
export interface CadenceInputs {
  /** What the form showed, sent back with it: "weekly:1:4". */
  shown: string;
  /** A cadence the form has no inputs for (demo): kept unless another is chosen. */
  keepLabel: string | null;
  kinds: readonly (Choice & { label: string })[];
  everyWeeks: string;
  ordinals: readonly (Choice & { label: string })[];
  weekdays: readonly (Choice & { label: string })[];
}

/** The add-a-pair form's cadence, length and feedback inputs: the defaults, or what a refused form sent. */
export interface NewPairSettingsInputs {
  cadence: CadenceInputs;
  durationMinutes: string;
  feedbackEveryCycles: string;
}

export interface AdminPairsPage extends Page {
  problems?: FormProblems;
  newPairSettings: NewPairSettingsInputs;
  /** The add-a-pair form's checkboxes: the defaults, or what was sent with a refused form. */
  newPair: WorkingDaysAndInvitesInputs;
  /** The list part (pairs/pair-list.ts pairListView): one page of rows, the search as sent, the page links. */
  list: {
    rows: readonly {
      pairId: string;
      managerName: string;
      reportName: string;
      state: string;
      /** What Temporal says of a workflow that stopped without the pair ending (state "stopped"); since: in the pair's zone. */
      stopped: { status: string; reason: string | null; since: string | null } | null;
      /** Times in the pair's zone, stages by their names: never ids or cycle numbers. */
      stage: string | null;
      meeting: string | null;
      next: string | null;
      consecutiveSkips: number | null;
      undeliveredEmails: number;
    }[];
    total: number;
    page: number;
    pages: number;
    q: string;
    filters: readonly { value: string; label: string; selected: boolean }[];
    sorts: readonly { value: string; label: string; selected: boolean }[];
    previous: string | null;
    next: string | null;
    problems: readonly string[];
    narrowed: boolean;
  };
  typed?: TypedFields<'managerName' | 'managerEmail' | 'reportName' | 'reportEmail' | 'meetingTime' | 'timeZone' | 'formatNote'>;
}

export interface AdminOverviewPage extends Page {
  weeks: number;
  /** ?weeks= could not be read: the overview shown is over the default weeks. */
  problems: readonly string[];
  csvHref: string;
  sections: readonly {
    id: string;
    title: string;
    about: string;
    rows: readonly { section: string; pairId: string; manager: string; managerEmail: string; report: string; reportEmail: string; detail: string }[];
  }[];
}

export interface AdminImportPage extends Page {
  report: {
    fileProblems: readonly string[];
    created: readonly { line: number; pairId: string; manager: string; report: string }[];
    /** `who` names the row's people (pair-import.ts); each reason is one problem, shown on a line of its own. */
    refused: readonly { line: number; who?: string; reasons: readonly string[] }[];
    refusedNotListed?: number;
  };
  refusedCount: number;
}

export interface AdminPairPage extends Page {
  notice?: string;
  problems?: FormProblems;
  /** The schedule form's checkboxes, as the pair's settings are now. */
  schedule: WorkingDaysAndInvitesInputs;
  /** The schedule form's cadence inputs, the pair's cadence selected. */
  cadence: CadenceInputs;
  /** Which of the collapsed forms opens: the one whose problems are shown. */
  openForm: { reschedule: boolean; schedule: boolean; questions: boolean };
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
  /** "running", "paused", "ended" or "stopped"; the stage reached and for which meeting; skips in a row. */
  state: { name: string; stage: string | null; skips: string | null };
  /** An ended pair: when (readable, in the pair's zone) and the reason it was ended with. */
  ended: { at: string | null; reason: string | null } | null;
  /** Times read in the pair's zone with the zone named ("Thu 10 Dec, 10:00 Lisbon"), stages by name. */
  nextMeeting: { at: string; onHold: boolean; stages: readonly { name: string; at: string }[] } | null;
  /** The forms of the meeting under way: who was asked and whether they answered (never what). */
  thisMeeting: { forms: readonly { name: string; person: string; answered: boolean; state: string }[] } | null;
  openActionItems: readonly { text: string; owner: string; from: string }[];
  /** Its workflow stopped without the pair ending: Temporal's status name, its reason, and since when (local time). */
  stopped: { status: string; reason: string | null; since: string | null } | null;
  search: { temporalQuery: string };
  undeliveredEmails: readonly { meeting: string; email: string; recipient: string; toAddress: string; lastError: string | null }[];
  /** Only the actions that apply now; ending has a confirmation page of its own. */
  actions: readonly { action: string; label: string }[];
  canEnd: boolean;
  /** A fresh id per page view for the forms on it: one sent twice is applied once. */
  submission: string;
  heldRate: string;
  doneRate: string;
  /** `svg` is our own chart markup, rendered unescaped. */
  charts: readonly { label: string; svg: string }[];
  /** Newest first, each meeting by its date. */
  timeline: readonly { meeting: string; outcome: string; forms: string; actionItems: number }[];
  /** The reschedule form's value: the meeting's time on the pair's wall clock. */
  reschedule: { meetingAt: string };
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
      isNew: boolean;
      types: readonly (Choice & { label: string })[];
      /** The fields of the row's type, null for the other types: a choice's options (one per line), a scale's labels, a text's limit. */
      choice: { options: string } | null;
      scale: { low: string; high: string } | null;
      lengthLimit: { maxLength: string } | null;
      problems?: Readonly<Partial<Record<'text' | 'type' | 'options' | 'scaleLabels' | 'maxLength', InputProblem>>>;
    }[];
  }[];
  /** Where the question editor (partials/question-editor.hbs) posts. */
  editorAction: string;
  bankChoices: readonly { stage: string; title: string; questions: readonly { id: string; text: string }[] }[];
}

/** The confirmation before a pair is ended, with the reason it ends for. */
export interface AdminPairEndPage extends Page {
  pair: { id: string; reportName: string; managerName: string };
  submission: string;
  problems?: FormProblems;
  reason: string;
  maxReasonLength: number;
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
  'admin-overview.hbs': AdminOverviewPage;
  'admin-import.hbs': AdminImportPage;
  'admin-pair.hbs': AdminPairPage;
  'admin-pair-end.hbs': AdminPairEndPage;
  'admin-question-bank.hbs': AdminQuestionBankPage;
  'mail-list.hbs': MailListPage;
  'mail-message.hbs': MailMessagePage;
}

export type PageName = keyof PageContexts;
