/**
 * The context interfaces (templates/email-contexts.ts, templates/page-contexts.ts) against the
 * templates themselves. Each template is rendered in Handlebars' strict mode, which throws on a
 * field it reads that the context does not have, with a sample that the compiler holds to exactly
 * its interface: every field given (optional ones too), no other, and every list with an item so
 * that the fields read inside #each are looked up. A template that reads a field its interface
 * lacks fails here; an interface field a call site leaves out fails the type check.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { EmailContexts } from '../templates/email-contexts';
import { EMAIL_TEMPLATE_DIR, type EmailName } from '../templates/email-templates';
import type { PageContexts, PageName } from '../templates/page-contexts';
import { PAGE_PARTIALS } from '../templates/page-partials';
import { newPairSettingsInputs } from '../admin/pair-forms';

const PAGES_DIR = join(__dirname, '..', 'templates', 'pages');

const pair = {
  recipientName: 'Raj Report',
  reportName: 'Raj Report',
  managerName: 'Mia Manager',
  topicUrl: 'http://rapport.test/t',
  recordUrl: 'http://rapport.test/r',
  meetingUrl: 'http://rapport.test/m',
  questionsUrl: 'http://rapport.test/q',
};
const workingDaysAndInvites = {
  workingDays: [{ value: 1, label: 'Monday', checked: true }],
  workingDaysShown: '1,2,3,4,5',
  calendarInvites: true,
  calendarInvitesShown: 'on' as const,
  invitesFollowDefault: true,
};

const meeting = { meetingWhen: 'Thu 2030-01-10 10:00 Europe/Berlin', durationMinutes: 30, formatNote: 'a walk' };
const form = { questions: [{ text: 'What do you want to talk about?', required: true }], formUrl: 'http://rapport.test/f' };

const EMAILS: { [K in EmailName]: EmailContexts[K] } = {
  reflection: { ...pair, ...meeting, ...form, agendaWhen: 'Thu 2030-01-10 09:00 Europe/Berlin' },
  'manager-prep': { ...pair, ...meeting, ...form },
  reminder: { ...pair, meetingWhen: meeting.meetingWhen, formUrl: form.formUrl },
  agenda: {
    ...pair,
    ...meeting,
    report: { items: [{ question: 'Energy', answer: '4 / 5', private: true }], topics: ['Moving teams'] },
    manager: { items: [{ question: 'Topics', answer: 'Promotion case' }], topics: ['Budget'] },
    actionItems: [{ text: 'Write the doc', ownerName: 'Raj Report', cycle: 1 }],
  },
  'follow-up': { ...pair, ...form, meetingWhen: meeting.meetingWhen, openActionItems: [{ text: 'Write the doc', ownerName: 'Raj Report' }] },
  feedback: { ...pair, ...form, meetingWhen: meeting.meetingWhen },
  'skip-nudge': { ...pair, meetingWhen: meeting.meetingWhen, consecutiveSkips: 3 },
  'change-notice': {
    ...pair,
    byName: 'Mia Manager',
    meetingWhen: meeting.meetingWhen,
    skip: { reason: 'Off sick' },
    move: { toWhen: 'Fri 2030-01-11 14:00 Europe/Berlin' },
    pause: { untilDate: 'Monday 21 January 2030' },
  },
  invite: { ...pair, ...meeting, otherName: 'Mia Manager', whoseTopics: 'Your topics' },
  'invite-cancelled': { ...pair, ...meeting, otherName: 'Mia Manager', whoseTopics: 'Your topics' },
};

const choice = { value: 'text', selected: true };
const inputProblem = { id: 'text-problem', messages: ['question text is empty'] };
const formProblems = (listed: string) => ({ listed: [listed], besideInputs: '1 problem is shown beside its field.', byInput: { text: inputProblem } });

const PAGES: { [K in PageName]: PageContexts[K] } = {
  'form.hbs': {
    title: 'Reflection',
    submission: 'a-submission-id',
    intro: 'Your 1:1 is coming up.',
    action: '/forms/t',
    reportName: 'Raj Report',
    managerName: 'Mia Manager',
    submitLabel: 'Save my answers',
    suggestionAction: '/forms/t/suggestion',
    answeredBefore: 'You answered this form before, on Thursday 10 January 2030, 09:00 (Europe/Berlin).',
    formErrors: ['Please check the form.'],
    questionErrors: [{ id: 'question-topics', text: 'Topics', error: 'This question needs an answer.' }],
    questions: [
      {
        id: 'question-topics',
        questionId: 'topics',
        text: 'Topics',
        required: true,
        error: 'This question needs an answer.',
        value: '',
        maxLength: 2000,
        isText: true,
        isChoices: true,
        isActionItems: true,
        hint: '1 = drained, 5 = energised',
        choices: [{ value: '4', label: '4', checked: true }],
        openItems: [{ id: 'ai-1', text: 'Write the doc', ownerName: 'Raj Report', checked: false }],
        rows: [{ index: 0, number: 1, text: '', ownerIsReport: true, ownerIsManager: false }],
        canBePrivate: true,
        private: false,
      },
    ],
    sharing: {
      name: 'feedbackSharing',
      legend: 'How should Mia Manager see this?',
      hint: 'Pooled answers never show your name.',
      error: 'Choose how your manager sees this feedback.',
      choices: [{ id: 'sharing-named', value: 'named', label: 'With my name', checked: true }],
    },
    suggestionsTakenUp: ['Your suggestion “Ask about focus” was taken up by Mia Manager.'],
  },
  'topic.hbs': {
    title: 'Add a topic',
    submission: 'a-submission-id',
    intro: 'Anything?',
    action: '/pairs/t/topic',
    recordUrl: '/pairs/t/record',
    meetingUrl: '/pairs/t/meeting',
    error: 'Please write the topic.',
    text: '',
    full: 'The agenda is full.',
  },
  'record.hbs': {
    title: 'Your record',
    otherName: 'Mia Manager',
    questionsUrl: 'questions',
    meetingUrl: '/pairs/t/meeting',
    topicUrl: '/pairs/t/topic',
    jsonUrl: '/pairs/t/record.json',
    csvUrl: '/pairs/t/record.csv',
    actionItems: [{ text: 'Write the doc', owner: 'Raj Report', done: true, cycle: 1, status: 'Done in meeting 2', age: 'agreed 2 weeks ago' }],
    topics: [{ text: 'Moving teams', forCycle: 1, addedWhen: meeting.meetingWhen }],
    feedback: [
      {
        cycle: 1,
        meetingWhen: meeting.meetingWhen,
        by: 'Raj Report',
        sharing: 'Shared with your name',
        items: [{ question: 'Keep', answer: 'Listening', private: false }],
      },
    ],
    pooledNote: 'Pooled feedback is on the questions page.',
    cycles: [
      {
        number: 1,
        meetingWhen: meeting.meetingWhen,
        status: 'held',
        answers: [{ title: 'Reflection', by: 'Raj Report', items: [{ question: 'Energy', answer: '4 / 5', private: true }] }],
      },
    ],
  },
  'questions.hbs': {
    title: 'Your 1:1s with Raj Report: the questions',
    reportName: 'Raj Report',
    managerName: 'Mia Manager',
    notice: 'Saved.',
    problems: formProblems('unknown stage "x"'),
    action: '/pairs/t/questions',
    suggestionAction: '/pairs/t/questions/suggestions',
    recordUrl: '/pairs/t/record',
    submission: 'a-submission-id',
    questionSetVersion: 2,
    editor: [
      {
        stage: 'reflection',
        title: 'Reflection',
        canBeDisabled: true,
        enabled: true,
        rows: [
          {
            stage: 'reflection',
            index: 0,
            order: 1,
            id: 'topics',
            text: 'Topics',
            required: true,
            isNew: false,
            types: [{ ...choice, label: 'text' }],
            // Every type's fields at once, so that each block of the editor is rendered.
            choice: { options: 'Mornings\nAfternoons' },
            scale: { low: 'drained', high: 'energised' },
            lengthLimit: { maxLength: '500' },
            problems: { text: inputProblem, type: inputProblem, options: inputProblem, scaleLabels: inputProblem, maxLength: inputProblem },
          },
        ],
      },
    ],
    suggestions: [{ id: 's-1', text: 'Ask about focus' }],
    feedback: {
      periodDays: 90,
      message: 'Not enough answers yet to show a summary without identifying anyone.',
      scales: [{ question: 'How useful are our 1:1s?', mean: '4.3', count: 3 }],
      texts: [{ question: 'Keep doing?', answers: ['Listening'] }],
    },
  },
  'meeting.hbs': {
    title: 'This 1:1',
    intro: 'Your 1:1s with Mia Manager.',
    nextMeeting: meeting.meetingWhen,
    standing: ['Your 1:1s are paused until Monday 21 January 2030.'],
    timeZone: 'Europe/Berlin',
    submission: 'a-submission-id',
    skip: {
      action: '/pairs/t/meeting/skip',
      problem: 'Meeting 1 is no longer the next one.',
      meeting: '1',
      explanation: 'Meeting 1 will not take place.',
      reason: 'Off sick',
      maxLength: 500,
      otherName: 'Mia Manager',
    },
    move: {
      action: '/pairs/t/meeting/move',
      problem: 'A meeting cannot be rescheduled into the past.',
      date: '2030-01-10',
      time: '10:00',
      minDate: '2030-01-01',
    },
    pause: { action: '/pairs/t/meeting/pause', problem: 'Please choose a day after today.', until: '2030-01-21', minDate: '2030-01-02', maxDate: '2031-01-01' },
    changes: [{ what: 'Skipped meeting 1 by Mia Manager', when: meeting.meetingWhen, reason: 'Off sick', noReason: true }],
    topicUrl: '/pairs/t/topic',
    recordUrl: '/pairs/t/record',
  },
  'message.hbs': {
    title: 'Saved',
    paragraphs: ['Your answers are saved.'],
    nextSteps: [{ url: '/pairs/t/record', label: 'See your record' }],
    backUrl: '/mail',
    backLabel: 'All mail',
  },
  'admin-login.hbs': { title: 'Sign in', error: 'That user name and password do not match.' },
  'admin-pairs.hbs': {
    title: 'Pairs',
    newPairSettings: newPairSettingsInputs({ cadence: 'monthly', ordinal: 'last', weekday: '5', durationMinutes: '600' }),
    problems: formProblems('manager.email is not an email address'),
    list: {
      rows: [
        {
          pairId: 'p1',
          managerName: 'Mia Manager',
          reportName: 'Raj Report',
          state: 'stopped',
          stopped: { status: 'TERMINATED', reason: 'ops mistake', since: 'Wed 9 Jan 2030, 09:00 Berlin' },
          stage: 'Agenda',
          meeting: 'Thu 10 Jan 2030, 10:00 Berlin',
          next: 'Agenda, Thu 10 Jan 2030, 09:00 Berlin',
          consecutiveSkips: 0,
          undeliveredEmails: 1,
        },
      ],
      total: 51,
      page: 2,
      pages: 2,
      q: 'mia',
      filters: [{ value: '', label: 'All pairs', selected: true }],
      sorts: [{ value: 'manager', label: "Manager's name", selected: true }],
      previous: '/admin?q=mia',
      next: null,
      problems: ['There is no sort "x": choose manager, report, next, skips or newest.'],
      narrowed: true,
    },
    typed: {
      managerName: 'Mia',
      managerEmail: 'mia@',
      reportName: 'Raj',
      reportEmail: 'raj@example.com',
      meetingTime: '10:00',
      timeZone: 'Europe/Berlin',
      formatNote: '',
    },
    newPair: workingDaysAndInvites,
  },
  'admin-overview.hbs': {
    title: 'Organisation overview',
    weeks: 4,
    problems: ['The number of weeks must be a whole number from 1 to 104 (not "x").'],
    csvHref: '/admin/overview.csv?weeks=4',
    sections: [
      {
        id: 'not-met',
        title: 'Not met in 4 weeks',
        about: 'Pairs older than 4 weeks with no confirmed meeting in them.',
        rows: [
          {
            section: 'Not met',
            pairId: 'p1',
            manager: 'Mia',
            managerEmail: 'mia@example.com',
            report: 'Raj',
            reportEmail: 'raj@example.com',
            detail: 'No confirmed meeting yet',
          },
        ],
      },
      { id: 'paused', title: 'Paused', about: 'Pairs paused by someone.', rows: [] },
    ],
  },
  'admin-import.hbs': {
    title: 'Import',
    report: {
      fileProblems: ['line 1: no header'],
      created: [{ line: 2, pairId: 'p1', manager: 'Mia', report: 'Raj' }],
      refused: [{ line: 3, who: 'Mia and Raj', reasons: ['bad time zone'] }],
      refusedNotListed: 2,
    },
    refusedCount: 3,
  },
  'admin-pair-end.hbs': {
    title: 'End Raj Report and Mia Manager?',
    pair: { id: 'p1', reportName: 'Raj Report', managerName: 'Mia Manager' },
    submission: 'a-submission-id',
    problems: formProblems('reason'),
    reason: 'Raj moved team',
    maxReasonLength: 500,
  },
  'admin-pair.hbs': {
    title: 'Raj Report and Mia Manager',
    submission: 'a-submission-id',
    notice: 'Paused.',
    problems: formProblems('refused'),
    schedule: workingDaysAndInvites,
    pair: {
      id: 'p1',
      reportName: 'Raj Report',
      managerName: 'Mia Manager',
      status: 'active',
      timeZone: 'Europe/Berlin',
      meetingTime: '10:00',
      durationMinutes: 30,
      feedbackEveryCycles: 4,
    },
    cadence: {
      shown: 'weekly:1:4',
      keepLabel: 'as it is: a meeting every 5 minutes',
      kinds: [{ value: 'weekly', label: 'Every N weeks', selected: true }],
      everyWeeks: '1',
      ordinals: [{ value: '1', label: 'first', selected: true }],
      weekdays: [{ value: '4', label: 'Thursday', selected: true }],
    },
    openForm: { reschedule: true, schedule: false, questions: false },
    state: { name: 'running', stage: 'next: Reflection, for the meeting on Thu 10 Jan', skips: '1 skipped in a row' },
    ended: { at: 'Thu 10 Jan, 10:00 Berlin', reason: 'Raj moved team' },
    nextMeeting: { at: 'Thu 10 Jan, 10:00 Berlin', onHold: true, stages: [{ name: 'Agenda', at: 'Thu 10 Jan, 09:00 Berlin' }] },
    thisMeeting: { forms: [{ name: 'Reflection', person: 'Raj Report (report)', answered: true, state: 'answered Tue 8 Jan, 12:00 Berlin' }] },
    openActionItems: [{ text: 'Book the course', owner: 'Raj Report (report)', from: 'Thu 3 Jan' }],
    stopped: { status: 'FAILED', reason: 'a bug', since: 'Wed 9 Jan, 09:00 Berlin' },
    search: { temporalQuery: 'RapportManagerKey = "p1"' },
    undeliveredEmails: [
      { meeting: 'Thu 10 Jan', email: 'Agenda', recipient: 'Mia Manager (manager)', toAddress: 'mia@example.com', lastError: '550 no such user' },
    ],
    actions: [{ action: 'pause', label: 'Pause' }],
    canEnd: true,
    heldRate: '50%',
    doneRate: 'no action items yet',
    charts: [{ label: 'Energy', svg: '<svg></svg>' }],
    timeline: [{ meeting: 'Thu 10 Jan', outcome: 'skipped (holiday)', forms: 'Reflection ✓', actionItems: 0 }],
    reschedule: { meetingAt: '2030-01-10T10:00' },
    openSuggestions: [{ id: 's1', text: 'Ask about learning', by: 'report' }],
    questionSetVersion: 2,
    editor: [
      {
        stage: 'managerPrep',
        title: 'Preparation (to the manager)',
        canBeDisabled: true,
        enabled: true,
        rows: [
          {
            stage: 'managerPrep',
            index: 0,
            order: 1,
            id: 'topics',
            text: 'Topics',
            required: false,
            isNew: true,
            types: [{ ...choice, label: 'text' }],
            // Every type's fields at once, so that each block of the editor is rendered.
            choice: { options: 'Mornings\nAfternoons' },
            scale: { low: 'drained', high: 'energised' },
            lengthLimit: { maxLength: '500' },
            problems: { text: inputProblem, type: inputProblem, options: inputProblem, scaleLabels: inputProblem, maxLength: inputProblem },
          },
        ],
      },
    ],
    editorAction: '/admin/pairs/p1/question-set',
    bankChoices: [{ stage: 'reflection', title: 'Reflection (to the report)', questions: [{ id: 'b1', text: 'What did you learn?' }] }],
  },
  'admin-question-bank.hbs': {
    title: 'Question bank',
    notice: 'Added to the bank.',
    problems: formProblems('text is required'),
    questions: [{ id: 'b1', stage: null, question: { id: 'learning', text: 'What did you learn?', type: 'choice', required: true, options: ['a', 'b'] } }],
    typed: { text: '', questionId: '', options: '', required: 'on' },
    types: [choice],
    stages: [{ ...choice, label: 'any stage' }],
  },
  'mail-list.hbs': {
    title: 'Mail received',
    filter: 'raj',
    total: 2,
    rows: [
      {
        url: '/mail/1.eml',
        receivedAt: '2030-01-10 09:00:00',
        receivedAtIso: '2030-01-10T09:00:00Z',
        from: 'Rapport',
        to: [{ address: 'raj@example.com', filterUrl: '/mail?to=raj' }],
        subject: 'Agenda',
      },
    ],
    mailDir: '/tmp/mail',
  },
  'mail-message.hbs': {
    title: 'Agenda',
    headers: [{ name: 'From', value: 'Rapport' }],
    allHeaders: [{ name: 'subject', value: 'Agenda' }],
    rawUrl: '/mail/1.eml/raw',
    htmlUrl: '/mail/1.eml/html',
    sandbox: 'allow-popups',
    text: [
      { text: 'Open ', url: undefined },
      { url: 'http://rapport.test/f', text: undefined },
    ],
    attachments: [{ name: 'a.ics', type: 'text/calendar' }],
  },
};

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');
const strictly = (engine: typeof Handlebars, source: string) => engine.compile(source, { strict: true });

describe('email templates', () => {
  const html = Handlebars.create();
  const text = Handlebars.create();
  html.registerPartial('layout', read(EMAIL_TEMPLATE_DIR, 'layout.html.hbs'));
  html.registerPartial('form-questions', read(EMAIL_TEMPLATE_DIR, 'form-questions.html.hbs'));
  text.registerPartial('form-questions-text', read(EMAIL_TEMPLATE_DIR, 'form-questions.text.hbs'));
  text.registerPartial('footer-text', read(EMAIL_TEMPLATE_DIR, 'footer.text.hbs'));

  it('has a context interface for every email in the folder', () => {
    const inFolder = new Set(
      readdirSync(EMAIL_TEMPLATE_DIR)
        .filter((file) => file.endsWith('.subject.hbs'))
        .map((file) => file.replace('.subject.hbs', '')),
    );
    expect([...inFolder].sort()).toEqual(Object.keys(EMAILS).sort());
  });

  it.each(Object.entries(EMAILS))('%s reads only what its interface gives', (name, context) => {
    const subject = strictly(text, read(EMAIL_TEMPLATE_DIR, `${name}.subject.hbs`))(context);
    expect(strictly(html, read(EMAIL_TEMPLATE_DIR, `${name}.html.hbs`))({ ...context, subject })).toContain('</html>');
    expect(strictly(text, read(EMAIL_TEMPLATE_DIR, `${name}.text.hbs`))(context)).toContain(context.recordUrl);
  });
});

describe('page templates', () => {
  const pages = Handlebars.create();
  for (const [name, file] of Object.entries(PAGE_PARTIALS)) pages.registerPartial(name, read(PAGES_DIR, file));

  it('has a context interface for every page in the folder', () => {
    const inFolder = readdirSync(PAGES_DIR).filter((file) => file.endsWith('.hbs') && file !== 'layout.hbs');
    expect(inFolder.sort()).toEqual(Object.keys(PAGES).sort());
  });

  it.each(Object.entries(PAGES))('%s reads only what its interface gives', (file, context) => {
    const body = strictly(pages, read(PAGES_DIR, file))(context);
    expect(strictly(pages, read(PAGES_DIR, 'layout.hbs'))({ ...context, body })).toContain(
      `<title>${Handlebars.escapeExpression(context.title)} · Rapport</title>`,
    );
  });
});
