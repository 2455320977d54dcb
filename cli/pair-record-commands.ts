// The `pairs schedule`, `pairs history` and `pairs export` commands: change a running pair's
// cadence and stage times, read its record, and write it out as JSON or CSV.
import type { PairHistory } from '../pairs/pair-history';
import type { ScheduleChange, StageOffsets } from '../workflows/pair-types';
import { EXIT_OK, numberIn, PAIR_ID_ARGUMENT as PAIR_ID, UsageError, type CommandSpec, type OptionSpec } from './cli-args';
import { writeOutputFile } from './cli-files';
import { formName } from '../pairs/stage-names';
import { describeCadence, json, localTime, printable, table } from './cli-format';
import {
  cadenceOf,
  cadenceUsageProblems,
  CADENCE_OPTIONS,
  WORKING_DAYS_AND_INVITES_OPTIONS,
  workingDaysAndInvitesOf,
  workingDaysAndInvitesProblems,
} from './pair-commands';

// ---- pairs schedule -----------------------------------------------------------------------------

const OFFSET_OPTIONS: [option: string, key: keyof StageOffsets, description: string][] = [
  ['reflection-before', 'reflectionBefore', 'send the reflection form MINUTES before the meeting'],
  ['reminder-before', 'reminderBefore', 'send the reminder MINUTES before the meeting'],
  ['agenda-before', 'agendaBefore', 'send the agenda MINUTES before the meeting'],
  ['follow-up-after', 'followUpAfter', 'send the follow-up MINUTES after the meeting starts'],
];

const COUNT_OPTIONS: [option: string, key: 'durationMinutes' | 'feedbackEveryCycles' | 'skipNudgeAfter', description: string][] = [
  ['duration', 'durationMinutes', 'meeting length in minutes'],
  ['feedback-every', 'feedbackEveryCycles', 'ask for feedback on the manager every N meetings held'],
  ['skip-nudge-after', 'skipNudgeAfter', 'nudge the manager after N skips in a row'],
];

const SCHEDULE_OPTIONS: OptionSpec[] = [
  ...CADENCE_OPTIONS.map((option) => ({ ...option, description: option.description.replace(' (required unless --file)', '') })),
  { name: 'time', value: 'HH:MM', description: 'local meeting time, 24-hour clock' },
  { name: 'time-zone', value: 'ZONE', description: 'IANA time zone, e.g. Europe/Berlin' },
  ...COUNT_OPTIONS.map(([name, , description]) => ({ name, value: name === 'duration' ? 'MINUTES' : 'N', description })),
  ...OFFSET_OPTIONS.map(([name, , description]) => ({ name, value: 'MINUTES', description })),
  ...WORKING_DAYS_AND_INVITES_OPTIONS.map((option) => ({ ...option, description: option.description.replace(/ \(default.*\)$/, '') })),
];

function scheduleChangeOf(values: Map<string, string>): ScheduleChange {
  const change: ScheduleChange = {};
  if (values.has('cadence') || values.has('weekday')) change.cadence = cadenceOf(values);
  if (values.has('time')) change.meetingTime = values.get('time');
  if (values.has('time-zone')) change.timeZone = values.get('time-zone');
  for (const [name, key] of COUNT_OPTIONS) if (values.has(name)) change[key] = numberIn(values.get(name) ?? '');
  const offsets = OFFSET_OPTIONS.filter(([name]) => values.has(name));
  // The workflow merges partial offsets into the current ones, as the API's PATCH does.
  if (offsets.length > 0) change.offsets = Object.fromEntries(offsets.map(([name, key]) => [key, numberIn(values.get(name) ?? '')])) as unknown as StageOffsets;
  return { ...change, ...workingDaysAndInvitesOf(values) };
}

function cadenceChangeProblems(values: Map<string, string>): string[] {
  const cadence = values.has('cadence') || values.has('weekday') || values.has('every-weeks') || values.has('ordinal');
  if (!cadence) return [];
  const missing = ['cadence', 'weekday'].filter((name) => !values.has(name)).map((name) => `changing the cadence needs --${name} too`);
  return [...missing, ...cadenceUsageProblems(values)];
}

function scheduleUsageProblems(values: Map<string, string>): string[] {
  if (values.size === 0) return ['pairs schedule needs at least one option to change'];
  return [...cadenceChangeProblems(values), ...workingDaysAndInvitesProblems(values)];
}

const scheduleCommand: CommandSpec = {
  group: 'pairs',
  name: 'schedule',
  summary: "change a running pair's cadence, meeting time, time zone, length, stage times, working days or calendar invites",
  details: [
    'Only the options given change. A new cadence moves this meeting if its reflection form has not gone out;',
    'otherwise it applies from the next cycle. The change is checked exactly as the admin API checks it.',
  ],
  arguments: [PAIR_ID],
  options: SCHEDULE_OPTIONS,
  async prepare({ arguments: { PAIR_ID: pairId }, values }) {
    const problems = scheduleUsageProblems(values);
    if (problems.length > 0) throw new UsageError(problems, 'pairs schedule');
    const change = scheduleChangeOf(values);
    return async (admin, io) => {
      const status = await admin.changeSchedule(pairId, change);
      const { settings } = status;
      io.stdout(
        `Changed the schedule of pair ${pairId}: ${describeCadence(settings.cadence)} at ${settings.meetingTime} ${settings.timeZone}, ${settings.durationMinutes} minutes.`,
      );
      return EXIT_OK;
    };
  },
};

// ---- pairs history ------------------------------------------------------------------------------

const percent = (rate: number | null) => (rate === null ? '-' : `${Math.round(rate * 100)}%`);

/** `viewerZone`: the zone whose time is shown beside the pair's where the clocks differ (the machine's). */
export function historyText(history: PairHistory, viewerZone?: string): string {
  const zone = history.pair.timeZone;
  if (history.timeline.length === 0) return 'No meetings yet.';
  // Each meeting by its time in the pair's zone; the JSON keeps the numbers.
  const rows = history.timeline.map((cycle) => [
    localTime(cycle.meetingAt, zone, viewerZone),
    cycle.skipReason ? `${cycle.status} (${printable(cycle.skipReason)})` : cycle.status,
    `${cycle.forms.filter((form) => form.answered).length}/${cycle.forms.length}`,
    cycle.forms.map((form) => `${formName(form.kind)}${form.answered ? ' ✓' : ''}`).join(', ') || '-',
    String(cycle.actionItems.length),
  ]);
  const { meetingsHeld: held, actionItems } = history;
  return [
    table(['MEETING', 'STATUS', 'ANSWERED', 'FORMS', 'ACTION ITEMS'], rows),
    '',
    `Meetings held (confirmed by someone): ${held.held} of ${held.closed} (${percent(held.rate)}), ${held.unconfirmed} unconfirmed; action items done: ${actionItems.done} of ${actionItems.total} (${percent(actionItems.rate)}).`,
    `Feedback on the manager: ${history.feedback.results.length} answer(s).`,
  ].join('\n');
}

const historyCommand: CommandSpec = {
  group: 'pairs',
  name: 'history',
  summary: "show a pair's meetings: held or skipped, forms answered, action items, and the rates",
  arguments: [PAIR_ID],
  options: [{ name: 'json', description: 'print the whole history as JSON (the admin API shape: answers per question, charts, feedback)' }],
  async prepare({ arguments: { PAIR_ID: pairId }, flags }) {
    return async (admin, io) => {
      const history = await admin.history(pairId);
      io.stdout(flags.has('json') ? json(history) : historyText(history));
      return EXIT_OK;
    };
  },
};

// ---- pairs export -------------------------------------------------------------------------------

const FORMATS = ['json', 'csv'] as const;

const exportCommand: CommandSpec = {
  group: 'pairs',
  name: 'export',
  summary: "write a pair's full record (cycles, forms, answers, action items, topics) as JSON or CSV",
  arguments: [PAIR_ID],
  options: [
    { name: 'format', value: 'json|csv', description: 'the file format (default json)' },
    { name: 'out', value: 'FILE', description: 'write to FILE (replacing it) instead of printing' },
  ],
  async prepare({ arguments: { PAIR_ID: pairId }, values }) {
    const format = (values.get('format') ?? 'json').toLowerCase();
    if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError([`--format must be json or csv, not "${format}"`], 'pairs export');
    const out = values.get('out');
    return async (admin, io) => {
      const text = format === 'csv' ? await admin.exportCsv(pairId) : json(await admin.exportJson(pairId));
      if (out === undefined) {
        io.stdout(text);
        return EXIT_OK;
      }
      await writeOutputFile(out, text.endsWith('\n') ? text : `${text}\n`);
      io.stdout(`Wrote the record of pair ${pairId} to ${out}.`);
      return EXIT_OK;
    };
  },
};

export const PAIR_RECORD_COMMANDS: CommandSpec[] = [scheduleCommand, historyCommand, exportCommand];
