// The `pairs` commands. Every check of a pair's values is the admin service's (the API's own), so
// the CLI only turns options into a NewPair and reports what the service says.
import type { PairAdmin } from '../pairs/pair-admin';
import type { NewPair } from '../pairs/registration';
import { weekdayList, WEEKDAY_SPELLINGS } from '../pairs/working-days';
import type { Cadence, PairSettings, PairStatus, Weekday } from '../workflows/pair-types';
import {
  EXIT_FAILED,
  EXIT_OK,
  numberIn,
  PAIR_ID_ARGUMENT as PAIR_ID,
  UsageError,
  type CliIo,
  type CommandAction,
  type CommandSpec,
  type OptionSpec,
  type ParsedArgs,
} from './cli-args';
import { isRecord, readDataFile, readInputFile } from './cli-files';
import { errorLine, json, localTime } from './cli-format';
import { importLines, importSummary, pairDetails, pairTable } from './pair-views';

const JSON_OPTION: OptionSpec = { name: 'json', description: "print JSON (the admin API's shape) instead of text" };

// ---- pairs create -------------------------------------------------------------------------------

/** How often a pair meets; `pairs schedule` takes the same options. */
export const CADENCE_OPTIONS: OptionSpec[] = [
  { name: 'cadence', value: 'weekly|monthly', description: 'how often the pair meets (required unless --file)' },
  { name: 'every-weeks', value: 'N', description: 'weekly only: meet every N weeks (default 1)' },
  { name: 'weekday', value: 'DAY', description: 'monday..sunday or 1 (Monday) to 7 (Sunday) (required unless --file)' },
  { name: 'ordinal', value: '1-4|last', description: 'monthly only: which such weekday of the month (required with monthly)' },
];

/** The days forms go out on, and calendar invites; `pairs schedule` takes the same options. */
export const WORKING_DAYS_AND_INVITES_OPTIONS: OptionSpec[] = [
  {
    name: 'working-days',
    value: 'DAYS',
    description: `the days forms and reminders may go out on, separated by commas: ${WEEKDAY_SPELLINGS} (default mon,tue,wed,thu,fri)`,
  },
  { name: 'calendar-invites', value: 'on|off', description: "send each meeting to both as a calendar invite (default: the organisation's, CALENDAR_INVITES)" },
];

const PAIR_OPTIONS: OptionSpec[] = [
  { name: 'manager-name', value: 'NAME', description: "the manager's name (required unless --file)" },
  { name: 'manager-email', value: 'EMAIL', description: "the manager's email address (required unless --file)" },
  { name: 'report-name', value: 'NAME', description: "the report's name (required unless --file)" },
  { name: 'report-email', value: 'EMAIL', description: "the report's email address (required unless --file)" },
  ...CADENCE_OPTIONS,
  { name: 'time', value: 'HH:MM', description: 'local meeting time, 24-hour clock (required unless --file)' },
  { name: 'time-zone', value: 'ZONE', description: 'IANA time zone, e.g. Europe/Berlin (required unless --file)' },
  { name: 'duration', value: 'MINUTES', description: 'meeting length (default 30)' },
  { name: 'format-note', value: 'TEXT', description: 'a note on the format, shown in the emails (at most 200 characters)' },
  { name: 'feedback-every', value: 'N', description: 'ask for feedback on the manager every N meetings held (default 4)' },
  { name: 'skip-nudge-after', value: 'N', description: 'nudge the manager after N skips in a row (default 3)' },
  ...WORKING_DAYS_AND_INVITES_OPTIONS,
];
const FILE_OPTION: OptionSpec = {
  name: 'file',
  value: 'PAIR.json',
  description: 'read the pair from a JSON or YAML file instead (NewPair: manager, report, settings, formatNote)',
};
const REQUIRED_PAIR_OPTIONS = ['manager-name', 'manager-email', 'report-name', 'report-email', 'cadence', 'weekday', 'time', 'time-zone'];
const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
type Ordinal = Extract<Cadence, { kind: 'monthly' }>['ordinal'];

/** A weekday name or number; anything else becomes NaN, which the service refuses with its own message. */
function weekdayIn(value: string): Weekday {
  const byName = WEEKDAYS.indexOf(value.trim().toLowerCase()) + 1;
  return (byName > 0 ? byName : numberIn(value)) as Weekday;
}

function ordinalIn(value: string): Ordinal {
  return (value.trim().toLowerCase() === 'last' ? -1 : numberIn(value)) as Ordinal;
}

/** Option combinations the service cannot see (it never gets the options themselves). */
export function cadenceUsageProblems(values: Map<string, string>): string[] {
  const kind = values.get('cadence')?.trim().toLowerCase();
  const problems: string[] = [];
  if (kind === 'monthly' && !values.has('ordinal')) problems.push('--cadence monthly needs --ordinal 1-4|last');
  if (kind === 'monthly' && values.has('every-weeks')) problems.push('--every-weeks goes with --cadence weekly only');
  if (kind === 'weekly' && values.has('ordinal')) problems.push('--ordinal goes with --cadence monthly only');
  return problems;
}

export function cadenceOf(values: Map<string, string>): Cadence {
  const kind = (values.get('cadence') ?? '').trim().toLowerCase();
  const weekday = weekdayIn(values.get('weekday') ?? '');
  if (kind === 'monthly') return { kind, ordinal: ordinalIn(values.get('ordinal') ?? ''), weekday };
  // Any kind but monthly goes to the service as typed: it names the kinds there are.
  return { kind: kind as 'weekly', everyWeeks: numberIn(values.get('every-weeks') ?? '1'), weekday };
}

/** --working-days items separated by commas (spaces around them allowed). */
const WORKING_DAYS_SEPARATOR = /,/;
const INVITES_SWITCH: ReadonlyMap<string, boolean> = new Map([
  ['on', true],
  ['off', false],
]);

const invitesSwitched = (value: string) => INVITES_SWITCH.get(value.trim().toLowerCase());

function workingDaysUsageProblems(value: string | undefined): string[] {
  if (value === undefined) return [];
  return weekdayList(value, WORKING_DAYS_SEPARATOR).unknown.map((item) => `--working-days: "${item}" is not a weekday; write ${WEEKDAY_SPELLINGS}`);
}

function invitesUsageProblems(value: string | undefined): string[] {
  if (value === undefined || invitesSwitched(value) !== undefined) return [];
  return [`--calendar-invites must be on or off, not "${value}"`];
}

/**
 * What the service cannot word, since it gets weekdays and a boolean: a day name it does not know,
 * an invites switch other than on or off. Repeated days and an empty list are the service's to refuse.
 */
export function workingDaysAndInvitesProblems(values: Map<string, string>): string[] {
  return [...workingDaysUsageProblems(values.get('working-days')), ...invitesUsageProblems(values.get('calendar-invites'))];
}

/** The two settings as given; call workingDaysAndInvitesProblems first. */
export function workingDaysAndInvitesOf(values: Map<string, string>): Pick<PairSettings, 'workingDays' | 'calendarInvites'> {
  const settings: Pick<PairSettings, 'workingDays' | 'calendarInvites'> = {};
  const workingDays = values.get('working-days');
  const invites = values.get('calendar-invites');
  if (workingDays !== undefined) settings.workingDays = weekdayList(workingDays, WORKING_DAYS_SEPARATOR).days;
  const switched = invites === undefined ? undefined : invitesSwitched(invites);
  if (switched !== undefined) settings.calendarInvites = switched;
  return settings;
}

function countsOf(values: Map<string, string>): Partial<NewPair['settings']> {
  const counts: Partial<NewPair['settings']> = {};
  const duration = values.get('duration');
  const feedbackEvery = values.get('feedback-every');
  const skipNudgeAfter = values.get('skip-nudge-after');
  if (duration !== undefined) counts.durationMinutes = numberIn(duration);
  if (feedbackEvery !== undefined) counts.feedbackEveryCycles = numberIn(feedbackEvery);
  if (skipNudgeAfter !== undefined) counts.skipNudgeAfter = numberIn(skipNudgeAfter);
  return counts;
}

function newPairFromOptions({ values }: ParsedArgs): NewPair {
  const missing = REQUIRED_PAIR_OPTIONS.filter((name) => !values.has(name)).map((name) => `pairs create needs --${name} (or --file PAIR.json)`);
  const problems = [...missing, ...cadenceUsageProblems(values), ...workingDaysAndInvitesProblems(values)];
  if (problems.length > 0) throw new UsageError(problems, 'pairs create');
  const formatNote = values.get('format-note');
  return {
    manager: { name: values.get('manager-name') ?? '', email: values.get('manager-email') ?? '' },
    report: { name: values.get('report-name') ?? '', email: values.get('report-email') ?? '' },
    settings: {
      cadence: cadenceOf(values),
      meetingTime: values.get('time') ?? '',
      timeZone: values.get('time-zone') ?? '',
      ...countsOf(values),
      ...workingDaysAndInvitesOf(values),
    },
    ...(formatNote === undefined ? {} : { formatNote }),
  };
}

async function newPairFromFile({ values }: ParsedArgs, path: string): Promise<NewPair> {
  const alongside = [...values.keys()].filter((name) => name !== 'file');
  if (alongside.length > 0) throw new UsageError([`--file cannot be combined with ${alongside.map((name) => `--${name}`).join(', ')}`], 'pairs create');
  const content = await readDataFile(path);
  if (!isRecord(content)) throw new UsageError([`${path} must hold one pair as an object with manager, report and settings`], 'pairs create');
  // The service checks every field, as it does for the API's request body.
  return content as unknown as NewPair;
}

const createCommand: CommandSpec = {
  group: 'pairs',
  name: 'create',
  summary: 'create a pair and start its 1:1 workflow',
  usage: [
    'pairs create --manager-name NAME --manager-email EMAIL --report-name NAME --report-email EMAIL',
    '             --cadence weekly|monthly [--every-weeks N] --weekday DAY [--ordinal 1-4|last]',
    '             --time HH:MM --time-zone ZONE [--duration MINUTES] [--format-note TEXT]',
    '             [--feedback-every N] [--skip-nudge-after N] [--working-days DAYS] [--calendar-invites on|off]',
    'pairs create --file PAIR.json',
  ],
  details: [
    'The pair is checked exactly as the admin API checks it; every problem is printed.',
    'A form or reminder that would fall on a day that is not a working day moves to a working day (see README.md, Cycle rules).',
  ],
  arguments: [],
  options: [...PAIR_OPTIONS, FILE_OPTION],
  async prepare(args) {
    const file = args.values.get('file');
    const pair = file === undefined ? newPairFromOptions(args) : await newPairFromFile(args, file);
    return async (admin, io) => {
      const { pairId } = await admin.createPair(pair);
      io.stdout(`Created pair ${pairId}.`);
      return EXIT_OK;
    };
  },
};

// ---- pairs import -------------------------------------------------------------------------------

const importCommand: CommandSpec = {
  group: 'pairs',
  name: 'import',
  summary: 'create pairs from a CSV file, reporting every row',
  details: [
    'The header names the columns: manager_name, manager_email, report_name, report_email, cadence',
    '(weekly, every N weeks or monthly), weekday, meeting_time, time_zone are required; ordinal,',
    'duration_minutes, format_note, feedback_every, skip_nudge_after, reflection_before_hours,',
    'reminder_before_hours, agenda_before_minutes, follow_up_after_hours, working_days (e.g. mon;tue;wed)',
    'and calendar_invites (yes or no) are optional.',
    'Exits with 1 when any row was refused or the file has problems.',
  ],
  arguments: [{ name: 'FILE', description: 'the CSV file (UTF-8, with a header row)' }],
  options: [],
  async prepare(args) {
    const csv = await readInputFile(args.arguments.FILE);
    return async (admin, io) => {
      const report = await admin.importPairs(csv);
      for (const problem of report.fileProblems) io.stderr(errorLine(problem));
      for (const line of importLines(report)) {
        if (line.refused) io.stderr(errorLine(line.text));
        else io.stdout(line.text);
      }
      io.stdout(importSummary(report));
      return report.fileProblems.length > 0 || report.refused.length > 0 ? EXIT_FAILED : EXIT_OK;
    };
  },
};

// ---- pairs list, show ---------------------------------------------------------------------------

const listCommand: CommandSpec = {
  group: 'pairs',
  name: 'list',
  summary: 'list the pairs with their state and next event',
  arguments: [],
  options: [
    { name: 'manager', value: 'TEXT', description: "only pairs whose manager's name or email contains TEXT" },
    { name: 'paused', description: 'only paused pairs' },
    { name: 'chronic-skips', description: 'only pairs skipped at least their skip-nudge number of times in a row' },
    JSON_OPTION,
  ],
  async prepare({ values, flags }) {
    const filter = { manager: values.get('manager'), paused: flags.has('paused'), chronicSkips: flags.has('chronic-skips') };
    return async (admin, io) => {
      const pairs = await admin.listPairs(filter);
      io.stdout(flags.has('json') ? json({ pairs }) : pairTable(pairs));
      return EXIT_OK;
    };
  },
};

const showCommand: CommandSpec = {
  group: 'pairs',
  name: 'show',
  summary: 'show one pair: people, schedule, state, next events, action items, topics',
  arguments: [PAIR_ID],
  options: [JSON_OPTION],
  async prepare({ arguments: { PAIR_ID: pairId }, flags }) {
    return async (admin, io) => {
      const view = await admin.showPair(pairId);
      if (flags.has('json')) {
        io.stdout(json(view));
        return EXIT_OK;
      }
      // The meetings' dates, to name the one each action item is from.
      const { timeline } = await admin.history(pairId);
      io.stdout(pairDetails(view, new Map(timeline.map((cycle) => [cycle.number, cycle.meetingAt]))));
      return EXIT_OK;
    };
  },
};

// ---- Messages to the pair's workflow -------------------------------------------------------------

/**
 * An action that sends one message to the pair's workflow and prints what it did. The status the
 * workflow answers with is from before it acts on the message (a skipped meeting is still listed),
 * so its next events are not printed; `pairs show` has them.
 */
function workflowAction(send: (admin: PairAdmin) => Promise<PairStatus>, done: (status: PairStatus) => string): CommandAction {
  return async (admin: PairAdmin, io: CliIo) => {
    const status = await send(admin);
    io.stdout(done(status));
    return EXIT_OK;
  };
}

const pauseCommand: CommandSpec = {
  group: 'pairs',
  name: 'pause',
  summary: 'pause a pair: no email until it is resumed',
  arguments: [PAIR_ID],
  options: [],
  async prepare({ arguments: { PAIR_ID: pairId } }) {
    return workflowAction(
      (admin) => admin.pause(pairId),
      () => `Paused pair ${pairId}.`,
    );
  },
};

const resumeCommand: CommandSpec = {
  group: 'pairs',
  name: 'resume',
  summary: 'resume a paused pair',
  details: ['A meeting still ahead carries on; one whose time passed during the pause is closed and the next one planned.'],
  arguments: [PAIR_ID],
  options: [],
  async prepare({ arguments: { PAIR_ID: pairId } }) {
    return workflowAction(
      (admin) => admin.resume(pairId),
      () => `Resumed pair ${pairId}.`,
    );
  },
};

const skipCommand: CommandSpec = {
  group: 'pairs',
  name: 'skip',
  summary: 'skip the upcoming meeting (the next one, once a meeting has taken place)',
  arguments: [PAIR_ID],
  options: [{ name: 'reason', value: 'TEXT', description: "why; kept with the skipped meeting in the pair's record" }],
  async prepare({ arguments: { PAIR_ID: pairId }, values }) {
    return workflowAction(
      (admin) => admin.skip(pairId, values.get('reason')),
      () => `Skipped the upcoming meeting of pair ${pairId}.`,
    );
  },
};

const rescheduleCommand: CommandSpec = {
  group: 'pairs',
  name: 'reschedule',
  summary: 'move this meeting to another time (not into the past, not to or past the next regular one)',
  arguments: [PAIR_ID],
  options: [{ name: 'at', value: 'ISO8601', description: 'the new meeting time with an offset or Z, e.g. 2025-03-06T15:00:00+01:00', required: true }],
  async prepare({ arguments: { PAIR_ID: pairId }, values }) {
    const meetingAt = values.get('at') ?? '';
    return workflowAction(
      (admin) => admin.reschedule(pairId, meetingAt),
      (status) => `Moved the meeting of pair ${pairId} to ${localTime(status.meetingAt ?? meetingAt, status.settings.timeZone)}.`,
    );
  },
};

const endCommand: CommandSpec = {
  group: 'pairs',
  name: 'end',
  summary: 'end a pair for good: its workflow finishes and no more email goes out',
  arguments: [PAIR_ID],
  options: [{ name: 'reason', value: 'TEXT', description: "why; kept in the pair's audit log" }],
  async prepare({ arguments: { PAIR_ID: pairId }, values }) {
    return workflowAction(
      (admin) => admin.end(pairId, values.get('reason')),
      () => `Ended pair ${pairId}.`,
    );
  },
};

// ---- pairs restart ------------------------------------------------------------------------------

const restartCommand: CommandSpec = {
  group: 'pairs',
  name: 'restart',
  summary: 'restart a pair whose workflow stopped (terminated, failed, timed out or cancelled in Temporal)',
  details: [
    'The new run carries on from what the database holds: settings, open action items, topics waiting',
    'and where the meetings stand. The meeting under way is carried on with the stages it had done, and no',
    'email already sent goes out twice. Refused for a pair that is running or has ended.',
  ],
  arguments: [PAIR_ID],
  options: [],
  async prepare({ arguments: { PAIR_ID: pairId } }) {
    return async (admin, io) => {
      const restarted = await admin.restart(pairId);
      const carried = `${restarted.openActionItems} open action item(s), ${restarted.pendingTopics} topic(s) waiting`;
      io.stdout(`Restarted pair ${pairId}: its workflow carries on with meeting ${restarted.cycle} (${carried})${restarted.paused ? ', still paused' : ''}.`);
      return EXIT_OK;
    };
  },
};

export const PAIR_COMMANDS: CommandSpec[] = [
  createCommand,
  importCommand,
  listCommand,
  showCommand,
  pauseCommand,
  resumeCommand,
  skipCommand,
  rescheduleCommand,
  endCommand,
  restartCommand,
];
