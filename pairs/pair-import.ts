// Importing pairs from a CSV file (one row per manager–report pair), as an admin does when
// rolling Rapport out to a team. Parsing and row checks are pure; creating goes through the
// caller's createPair, so the import uses exactly the same rules as the API.
import { readCsv, type CsvLimits, type CsvRecord, type LongField } from './csv-reading';
import { isPlainEmailAddress, nameProblem } from './people';
import { InvalidPairError, newPairProblems, PairExistsError, type NewPair } from './registration';
import { DEFAULT_OFFSETS, type Cadence, type PairSettings, type StageOffsets, type Weekday } from '../workflows/pair-types';
import { fieldsOf, listedProblems, sentencesOf, type Problem } from '../workflows/problem-list';
import { quoted } from '../workflows/quoted';
import { weekdayList, WEEKDAY_SPELLINGS } from './working-days';

export const MAX_IMPORT_ROWS = 5_000;
export const MAX_IMPORT_BYTES = 2 * 1024 * 1024;
/** Line-level parse problems listed one by one before the rest are summed up. */
const MAX_LISTED_LINE_PROBLEMS = 10;
/**
 * No value of a pair comes near this (names and notes take 200 characters, addresses 254): a
 * longer one means the file is not a list of pairs. Checked on every field before any row is read,
 * so the row checks only ever see short values.
 */
export const MAX_FIELD_LENGTH = 1_000;
/** Unknown header columns named before the rest are counted. */
const MAX_LISTED_COLUMNS = 20;
/** Far more than a header of pairs has (each column once, and a few unknown ones to point out). */
const MAX_COLUMNS = 100;
/** Refused rows listed with their reasons; the report counts the others. */
export const MAX_LISTED_REFUSED_ROWS = 100;

/** Every column a pair CSV may have, in the order problems are reported. */
export const PAIR_COLUMNS = [
  'manager_name',
  'manager_email',
  'report_name',
  'report_email',
  'cadence',
  'weekday',
  'ordinal',
  'meeting_time',
  'time_zone',
  'duration_minutes',
  'format_note',
  'feedback_every',
  'skip_nudge_after',
  'reflection_before_hours',
  'reminder_before_hours',
  'agenda_before_minutes',
  'follow_up_after_hours',
  'working_days',
  'calendar_invites',
] as const;
export type PairColumn = (typeof PAIR_COLUMNS)[number];

// ordinal is not required so that a file of weekly pairs need not carry it; a monthly row
// without one is refused on its own.
export const REQUIRED_COLUMNS: readonly PairColumn[] = [
  'manager_name',
  'manager_email',
  'report_name',
  'report_email',
  'cadence',
  'weekday',
  'meeting_time',
  'time_zone',
];

export interface ParsedRow {
  /** 1-based line of the file where the row starts (the header is line 1). */
  line: number;
  /** Values by column, trimmed; a column that is absent or empty in this row is left out. */
  values: Partial<Record<PairColumn, string>>;
}

export interface RefusedRow {
  line: number;
  who?: string;
  reasons: string[];
}

export interface ImportReport {
  created: { line: number; pairId: string; manager: string; report: string }[];
  /**
   * The first MAX_LISTED_REFUSED_ROWS refused rows, with their reasons, one problem each. `who`
   * names the row's people ("Ana Costa and Bo Li") by the names (else the addresses) it gives that
   * can be shown; it is left out when the row gives none.
   */
  refused: RefusedRow[];
  /** How many more rows were refused than are listed; left out when all are. */
  refusedNotListed?: number;
  fileProblems: string[];
}

// ---- Reading the file ----------------------------------------------------------------------------

/** The header, every row an import takes and one more, which tells the file has too many. */
const CSV_LIMITS: CsvLimits = { maxRecords: 1 + MAX_IMPORT_ROWS + 1, maxFields: MAX_COLUMNS, maxFieldLength: MAX_FIELD_LENGTH };

// ---- Header and rows ----------------------------------------------------------------------------

const KNOWN_COLUMNS: ReadonlySet<string> = new Set(PAIR_COLUMNS);

function isPairColumn(name: string): name is PairColumn {
  return KNOWN_COLUMNS.has(name);
}

/** The first few items, and how many more there were. */
function someOf(items: string[], max: number): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${(items.length - max).toLocaleString('en-US')} more` : shown;
}

function unknownColumnsProblem(names: string[]): string | undefined {
  const unknown = names.filter((name) => !isPairColumn(name)).map((name) => (name === '' ? '(empty)' : quoted(name)));
  if (unknown.length === 0) return undefined;
  return `Unknown column(s) in the header: ${someOf(unknown, MAX_LISTED_COLUMNS)}. The columns are: ${PAIR_COLUMNS.join(', ')}.`;
}

/** Names that appear more than once, each once, in the order they repeat. */
function repeatedNames(names: string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const name of names) {
    if (name !== '' && seen.has(name)) repeated.add(name);
    seen.add(name);
  }
  return [...repeated];
}

function columnCountProblem(header: CsvRecord): string | undefined {
  const count = header.fieldCount;
  if (count <= MAX_COLUMNS) return undefined;
  return `The header has ${count.toLocaleString('en-US')} columns, but a pair CSV has at most ${PAIR_COLUMNS.length}: ${PAIR_COLUMNS.join(', ')}.`;
}

function headerProblems(names: string[]): string[] {
  const problems: string[] = [];
  const unknown = unknownColumnsProblem(names);
  if (unknown) problems.push(unknown);
  const present = new Set(names);
  const missing = REQUIRED_COLUMNS.filter((column) => !present.has(column));
  if (missing.length > 0) problems.push(`Missing required column(s) in the header: ${missing.join(', ')}.`);
  for (const name of repeatedNames(names)) problems.push(`Column ${quoted(name)} appears more than once in the header.`);
  return problems;
}

function toRow(record: CsvRecord, columns: PairColumn[]): ParsedRow {
  const values: ParsedRow['values'] = {};
  columns.forEach((column, index) => {
    const value = record.fields?.[index]?.trim() ?? '';
    if (value !== '') values[column] = value;
  });
  return { line: record.line, values };
}

function fieldCountProblems(records: CsvRecord[], expected: number): string[] {
  return records
    .filter((record) => record.fieldCount !== expected)
    .map(
      (record) =>
        `Line ${record.line} has ${record.fieldCount.toLocaleString('en-US')} fields but the header has ${expected}; a value that contains a comma must be in double quotes.`,
    );
}

/** A field too long to be a value of a pair, as a problem naming its line and position. */
const longFieldProblem = ({ line, field, length }: LongField) =>
  `Line ${line}, field ${field} has ${length.toLocaleString('en-US')} characters; no value of a pair is longer than ${MAX_FIELD_LENGTH.toLocaleString('en-US')}. Is this the right file?`;

/** The first MAX_LISTED_LINE_PROBLEMS problems, then how many more there are: at least that many when not all the file was read. */
function listed(problems: string[], readToEnd = true): string[] {
  const more = problems.length - MAX_LISTED_LINE_PROBLEMS;
  if (more <= 0) return problems;
  const count = `${readToEnd ? '' : 'at least '}${more.toLocaleString('en-US')}`;
  return [...problems.slice(0, MAX_LISTED_LINE_PROBLEMS), `… and ${count} more problem(s) like these.`];
}

function sizeProblem(text: string): string | undefined {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= MAX_IMPORT_BYTES) return undefined;
  const kib = Math.ceil(bytes / 1024).toLocaleString('en-US');
  return `The file is ${kib} KiB, more than the 2 MiB (2,048 KiB) one import can take. Split it into smaller files.`;
}

function rowCountProblem(count: number): string | undefined {
  if (count === 0) return 'The file has a header but no rows: add one row per pair.';
  if (count <= MAX_IMPORT_ROWS) return undefined;
  return `The file has more than ${MAX_IMPORT_ROWS.toLocaleString('en-US')} rows, the most one import can take. Split it into smaller files.`;
}

const refusal = (problems: string[]) => ({ rows: [], problems });

/** Reads a pair CSV (RFC 4180, with a header row). Any problem here is about the whole file. */
export function parsePairCsv(text: string): { rows: ParsedRow[]; problems: string[] } {
  const tooBig = sizeProblem(text);
  if (tooBig) return refusal([tooBig]);
  const file = readCsv(text, CSV_LIMITS);
  const [header, ...body] = file.records;
  if (!header) return refusal(['The file is empty: it needs a header row and one row per pair.']);
  if (file.longFields.length > 0) return refusal(listed(file.longFields.map(longFieldProblem)));
  const tooWide = columnCountProblem(header);
  if (tooWide) return refusal([tooWide]);
  const names = header.fields?.map((name) => name.trim().toLowerCase()) ?? [];
  const lineProblems = [...file.problems, ...fieldCountProblems(body, header.fieldCount)];
  // A header csv-parse could not read has its own line problem; its names are not checked.
  const problems = [...(header.fields ? headerProblems(names) : []), ...listed(lineProblems, file.readToEnd)];
  const countProblem = rowCountProblem(body.length);
  if (countProblem) problems.push(countProblem);
  if (problems.length > 0) return refusal(listedProblems(problems));
  return { rows: body.map((record) => toRow(record, names.filter(isPairColumn))), problems: [] };
}

// ---- One row to a NewPair -----------------------------------------------------------------------

/** Each column as the person who filled in the file knows it, for the row's own problems. */
const COLUMN_WORDS: Record<PairColumn, string> = {
  manager_name: 'Manager name',
  manager_email: 'Manager email',
  report_name: 'Report name',
  report_email: 'Report email',
  cadence: 'Cadence',
  weekday: 'Weekday',
  ordinal: 'Weekday of the month (ordinal)',
  meeting_time: 'Meeting time',
  time_zone: 'Time zone',
  duration_minutes: 'Meeting length',
  format_note: 'Format or place',
  feedback_every: 'Feedback every N meetings',
  skip_nudge_after: 'Skips before a nudge',
  reflection_before_hours: 'Hours before the meeting for the reflection form',
  reminder_before_hours: 'Hours before the meeting for the reminder',
  agenda_before_minutes: 'Minutes before the meeting for the agenda',
  follow_up_after_hours: 'Hours after the meeting for the follow-up',
  working_days: 'Working days',
  calendar_invites: 'Calendar invites',
};

/** The CSV column behind each field of a NewPair a problem can be about. */
const FIELD_COLUMNS: ReadonlyMap<string, PairColumn> = new Map<string, PairColumn>([
  ['manager.name', 'manager_name'],
  ['manager.email', 'manager_email'],
  ['report.name', 'report_name'],
  ['report.email', 'report_email'],
  ['cadence', 'cadence'],
  ['cadence.kind', 'cadence'],
  ['cadence.everyWeeks', 'cadence'],
  ['cadence.weekday', 'weekday'],
  ['cadence.ordinal', 'ordinal'],
  ['meetingTime', 'meeting_time'],
  ['timeZone', 'time_zone'],
  ['durationMinutes', 'duration_minutes'],
  ['offsets.reflectionBefore', 'reflection_before_hours'],
  ['offsets.reminderBefore', 'reminder_before_hours'],
  ['offsets.agendaBefore', 'agenda_before_minutes'],
  ['offsets.followUpAfter', 'follow_up_after_hours'],
  ['feedbackEveryCycles', 'feedback_every'],
  ['skipNudgeAfter', 'skip_nudge_after'],
  ['formatNote', 'format_note'],
  ['workingDays', 'working_days'],
  ['calendarInvites', 'calendar_invites'],
]);

/** The columns a problem of the API is about, its own field's first. */
function columnsOf(apiProblem: Problem): PairColumn[] {
  const columns = fieldsOf(apiProblem).flatMap((field) => FIELD_COLUMNS.get(field) ?? []);
  return [...new Set(columns)];
}

/** Collects the problems of one row, at most one of its own per column. */
class RowReader {
  readonly ownProblems = new Map<PairColumn, string>();

  constructor(private readonly values: ParsedRow['values']) {}

  optional(column: PairColumn): string | undefined {
    return this.values[column];
  }

  required(column: PairColumn): string {
    const value = this.values[column];
    if (value === undefined) this.refuse(column, `${COLUMN_WORDS[column]} is required`);
    return value ?? '';
  }

  refuse(column: PairColumn, sentence: string): void {
    if (!this.ownProblems.has(column)) this.ownProblems.set(column, sentence);
  }
}

// Values the API refuses (a weekday 9, an ordinal 5, NaN for "not a number") are passed on as they
// are: newPairProblems reports them, so the import says what the API would.
const NOT_A_NUMBER = Number.NaN;

function numberIn(value: string): number {
  return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(value) ? Number(value) : NOT_A_NUMBER;
}

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

function weekdayOf(row: RowReader): Weekday {
  const value = row.required('weekday');
  const byName = WEEKDAYS.indexOf(value.toLowerCase()) + 1;
  if (byName > 0) return byName as Weekday;
  const number = numberIn(value);
  if (Number.isNaN(number) && value !== '') row.refuse('weekday', `Weekday not recognised: ${quoted(value)} — write a day from Monday to Sunday, or 1 to 7`);
  return number as Weekday;
}

type Ordinal = Extract<Cadence, { kind: 'monthly' }>['ordinal'];

function ordinalOf(row: RowReader): Ordinal {
  const value = row.optional('ordinal');
  if (value === undefined) {
    row.refuse('ordinal', 'A monthly cadence needs the weekday of the month (ordinal): 1, 2, 3, 4 or last');
    return NOT_A_NUMBER as Ordinal;
  }
  if (value.toLowerCase() === 'last') return -1;
  const number = numberIn(value);
  if (Number.isNaN(number)) row.refuse('ordinal', `Weekday of the month (ordinal) not recognised: ${quoted(value)} — write 1, 2, 3, 4 or last`);
  return number as Ordinal;
}

function everyWeeksOf(row: RowReader, cadence: string): number {
  if (cadence === 'weekly') return 1;
  const everyWeeks = numberIn(/^every (\S+) weeks?$/.exec(cadence)?.[1] ?? '');
  if (Number.isNaN(everyWeeks) && cadence !== '') {
    row.refuse('cadence', `Cadence not recognised: ${quoted(cadence)} — write weekly, every N weeks (like every 2 weeks) or monthly`);
  }
  return everyWeeks;
}

function cadenceOf(row: RowReader): Cadence {
  const cadence = row.required('cadence').toLowerCase().replace(/\s+/g, ' ');
  const weekday = weekdayOf(row);
  if (cadence === 'monthly') return { kind: 'monthly', ordinal: ordinalOf(row), weekday };
  if (row.optional('ordinal') !== undefined) row.refuse('ordinal', 'Only a monthly cadence takes a weekday of the month (ordinal): leave it empty');
  return { kind: 'weekly', everyWeeks: everyWeeksOf(row, cadence), weekday };
}

/** Spreadsheets drop the leading zero of 09:30; put it back so the API's HH:MM check is about the time. */
function meetingTimeOf(row: RowReader): string {
  const value = row.required('meeting_time');
  return /^\d:\d\d$/.test(value) ? `0${value}` : value;
}

function hoursAsMinutes(row: RowReader, column: PairColumn, value: string): number {
  const minutes = numberIn(value) * 60;
  if (Number.isNaN(minutes) || Math.abs(minutes - Math.round(minutes)) > 1e-9) {
    row.refuse(column, `${COLUMN_WORDS[column]} not recognised: ${quoted(value)} — write a number of hours in whole minutes, like 48 or 1.5`);
    return NOT_A_NUMBER;
  }
  return Math.round(minutes);
}

const OFFSET_COLUMNS: [key: keyof StageOffsets, column: PairColumn, unit: 'hours' | 'minutes'][] = [
  ['reflectionBefore', 'reflection_before_hours', 'hours'],
  ['reminderBefore', 'reminder_before_hours', 'hours'],
  ['agendaBefore', 'agenda_before_minutes', 'minutes'],
  ['followUpAfter', 'follow_up_after_hours', 'hours'],
];

function offsetsOf(row: RowReader): StageOffsets {
  const offsets = { ...DEFAULT_OFFSETS };
  for (const [key, column, unit] of OFFSET_COLUMNS) {
    const value = row.optional(column);
    if (value === undefined) continue;
    offsets[key] = unit === 'hours' ? hoursAsMinutes(row, column, value) : numberIn(value);
  }
  return offsets;
}

type CountSetting = 'durationMinutes' | 'feedbackEveryCycles' | 'skipNudgeAfter';
const COUNT_COLUMNS: [key: CountSetting, column: PairColumn][] = [
  ['durationMinutes', 'duration_minutes'],
  ['feedbackEveryCycles', 'feedback_every'],
  ['skipNudgeAfter', 'skip_nudge_after'],
];

/** Only the settings the row gives: withDefaults fills in the rest, as it does for the API. */
function countsOf(row: RowReader): Partial<Pick<PairSettings, CountSetting>> {
  const counts: Partial<Pick<PairSettings, CountSetting>> = {};
  for (const [key, column] of COUNT_COLUMNS) {
    const value = row.optional(column);
    if (value !== undefined) counts[key] = numberIn(value);
  }
  return counts;
}

/** Days in one field, separated by semicolons or spaces: a comma would end the field. */
const WORKING_DAYS_SEPARATOR = /[;\s]+/;

/** Only when the row gives them; a pair without them works Monday to Friday. */
function workingDaysOf(row: RowReader): Pick<PairSettings, 'workingDays'> {
  const value = row.optional('working_days');
  if (value === undefined) return {};
  const { days, unknown } = weekdayList(value, WORKING_DAYS_SEPARATOR);
  if (unknown.length > 0) {
    const named = unknown.map((item) => `"${quoted(item)}"`).join(', ');
    row.refuse('working_days', `Working days not recognised: ${named} — write ${WEEKDAY_SPELLINGS}, separated by ";"`);
  }
  return { workingDays: days };
}

const YES_NO: ReadonlyMap<string, boolean> = new Map([
  ['yes', true],
  ['no', false],
]);

/** Only when the row gives it; a pair without it follows the organisation's default (CALENDAR_INVITES). */
function calendarInvitesOf(row: RowReader): Pick<PairSettings, 'calendarInvites'> {
  const value = row.optional('calendar_invites');
  if (value === undefined) return {};
  const invites = YES_NO.get(value.toLowerCase());
  if (invites === undefined) row.refuse('calendar_invites', `Calendar invites not recognised: ${quoted(value)} — write yes or no`);
  return invites === undefined ? {} : { calendarInvites: invites };
}

function draftPair(row: RowReader): NewPair {
  const formatNote = row.optional('format_note');
  return {
    manager: { name: row.required('manager_name'), email: row.required('manager_email') },
    report: { name: row.required('report_name'), email: row.required('report_email') },
    settings: {
      cadence: cadenceOf(row),
      meetingTime: meetingTimeOf(row),
      timeZone: row.required('time_zone'),
      ...countsOf(row),
      offsets: offsetsOf(row),
      ...workingDaysOf(row),
      ...calendarInvitesOf(row),
    },
    ...(formatNote === undefined ? {} : { formatNote }),
  };
}

interface RowProblem {
  columns: PairColumn[];
  sentence: string;
}

function ownProblems(reader: RowReader): RowProblem[] {
  return [...reader.ownProblems].map(([column, sentence]) => ({ columns: [column], sentence }));
}

/** The API's problems with the columns they are about, leaving out columns that already have a problem of the row's own. */
function apiProblems(pair: NewPair, reader: RowReader): RowProblem[] {
  return newPairProblems(pair)
    .map((apiProblem) => ({ columns: columnsOf(apiProblem), sentence: apiProblem.message }))
    .filter((problem) => !problem.columns.some((column) => reader.ownProblems.has(column)));
}

function columnOrder(problem: RowProblem): number {
  return problem.columns.length > 0 ? PAIR_COLUMNS.indexOf(problem.columns[0]) : PAIR_COLUMNS.length;
}

/** The NewPair a row stands for, or every problem with it, in column order: each sentence names its column in words. */
export function rowToNewPair(row: ParsedRow): { pair?: NewPair; problems: string[] } {
  const reader = new RowReader(row.values);
  const pair = draftPair(reader);
  const problems = [...ownProblems(reader), ...apiProblems(pair, reader)].sort((a, b) => columnOrder(a) - columnOrder(b));
  return problems.length > 0 ? { problems: problems.map((found) => found.sentence) } : { pair, problems: [] };
}

// ---- Import -------------------------------------------------------------------------------------

function pairKey(pair: NewPair): string {
  return `${pair.manager.email.trim().toLowerCase()} ${pair.report.email.trim().toLowerCase()}`;
}

/** A line break in a value a problem quotes would split the problem over lines of the report (and of the CLI's output). */
const onOneLine = (sentence: string) => sentence.replace(/\r\n|[\r\n\u2028\u2029]/g, '↵');

/** A person of a row as the report names them: by name, else by address, when the row gives one that can be shown. */
function personOf(name: string | undefined, email: string | undefined): string | undefined {
  if (name !== undefined && nameProblem('name', 'Name', name) === undefined) return name;
  return email !== undefined && isPlainEmailAddress(email) ? email.toLowerCase() : undefined;
}

/** Who a row is about: "Ana Costa and Bo Li", one of them, or undefined when it names neither. */
export function whoOf(row: ParsedRow): string | undefined {
  const people = [personOf(row.values.manager_name, row.values.manager_email), personOf(row.values.report_name, row.values.report_email)];
  const named = people.filter((person): person is string => person !== undefined);
  return named.length > 0 ? named.join(' and ') : undefined;
}

/** Lists the row, or only counts it once MAX_LISTED_REFUSED_ROWS are listed. */
function refuse(report: ImportReport, row: ParsedRow, reasons: string[]): void {
  if (report.refused.length < MAX_LISTED_REFUSED_ROWS) {
    const who = whoOf(row);
    report.refused.push({ line: row.line, ...(who === undefined ? {} : { who }), reasons: reasons.map(onOneLine) });
    return;
  }
  report.refusedNotListed = (report.refusedNotListed ?? 0) + 1;
}

function reasonsFor(error: unknown): string[] {
  if (error instanceof InvalidPairError) return sentencesOf(error.problems);
  if (error instanceof PairExistsError) return [error.message];
  return [error instanceof Error ? error.message : String(error)];
}

/**
 * Creates a pair for every valid row, one at a time and in file order, and reports each row.
 * A row that fails does not stop the rest; a file with file-level problems creates nothing.
 */
export async function importPairs(csvText: string, createPair: (pair: NewPair) => Promise<{ pairId: string }>): Promise<ImportReport> {
  const { rows, problems } = parsePairCsv(csvText);
  const report: ImportReport = { created: [], refused: [], fileProblems: problems.map(onOneLine) };
  if (problems.length > 0) return report;
  const firstLineOfPair = new Map<string, number>();
  for (const row of rows) {
    const { pair, problems: rowProblems } = rowToNewPair(row);
    if (!pair) {
      refuse(report, row, rowProblems);
      continue;
    }
    const key = pairKey(pair);
    const sameAs = firstLineOfPair.get(key);
    if (sameAs !== undefined) {
      refuse(report, row, [`Same pair as row ${sameAs}: a pair is created once`]);
      continue;
    }
    firstLineOfPair.set(key, row.line);
    await createOne(row, pair, createPair, report);
  }
  return report;
}

async function createOne(row: ParsedRow, pair: NewPair, createPair: (pair: NewPair) => Promise<{ pairId: string }>, report: ImportReport): Promise<void> {
  try {
    const { pairId } = await createPair(pair);
    report.created.push({ line: row.line, pairId, manager: pair.manager.email.trim().toLowerCase(), report: pair.report.email.trim().toLowerCase() });
  } catch (error) {
    refuse(report, row, reasonsFor(error));
  }
}
