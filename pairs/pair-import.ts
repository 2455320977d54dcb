// Importing pairs from a CSV file (one row per manager–report pair), as an admin does when
// rolling Rapport out to a team. Parsing and row checks are pure; creating goes through the
// caller's createPair, so the import uses exactly the same rules as the API.
import { InvalidPairError, newPairProblems, PairExistsError, type NewPair } from './registration';
import { DEFAULT_OFFSETS, type Cadence, type PairSettings, type StageOffsets, type Weekday } from '../workflows/pair-types';
import { listedProblems } from '../workflows/problem-list';
import { quoted } from '../workflows/quoted';

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

export interface ImportReport {
  created: { line: number; pairId: string; manager: string; report: string }[];
  /** The first MAX_LISTED_REFUSED_ROWS refused rows, with their reasons. */
  refused: { line: number; reasons: string[] }[];
  /** How many more rows were refused than are listed; left out when all are. */
  refusedNotListed?: number;
  fileProblems: string[];
}

// ---- RFC 4180 reading ---------------------------------------------------------------------------

interface CsvRecord {
  line: number;
  /** The first MAX_COLUMNS + 1 fields: a record with more makes the file unusable anyway. */
  fields: string[];
  fieldCount: number;
}

interface Cursor {
  readonly text: string;
  pos: number;
  line: number;
  /** The first MAX_LISTED_LINE_PROBLEMS problems; the rest are only counted. */
  readonly problems: string[];
  problemsNotListed: number;
}

function noteProblem(cursor: Cursor, problem: string): void {
  if (cursor.problems.length < MAX_LISTED_LINE_PROBLEMS) cursor.problems.push(problem);
  else cursor.problemsNotListed += 1;
}

function lineBreakLength(text: string, pos: number): number {
  if (text[pos] === '\r') return text[pos + 1] === '\n' ? 2 : 1;
  return text[pos] === '\n' ? 1 : 0;
}

const COMMA = 0x2c;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const QUOTE = 0x22;
const SPACE = 0x20;
const TAB = 0x09;

/** Where a field that goes on from `from` ends: at a comma, a line break or the end of the text. */
function fieldEnd(text: string, from: number): number {
  // Character codes in one tight loop: a huge field is read in a few milliseconds.
  let pos = from;
  while (pos < text.length) {
    const code = text.charCodeAt(pos);
    if (code === COMMA || code === LINE_FEED || code === CARRIAGE_RETURN) break;
    pos += 1;
  }
  return pos;
}

function readPlainField(cursor: Cursor): string {
  const start = cursor.pos;
  cursor.pos = fieldEnd(cursor.text, start);
  const value = cursor.text.slice(start, cursor.pos);
  if (value.includes('"')) {
    noteProblem(
      cursor,
      `Line ${cursor.line}: a double quote inside a field that does not start with one; put the whole field in double quotes and double the quotes inside it ("O""Brien").`,
    );
  }
  return value;
}

/** Line breaks in text[from, to): CRLF, a lone CR and LF count one each. */
function lineBreaksIn(text: string, from: number, to: number): number {
  let count = 0;
  for (let pos = from; pos < to; pos += 1) {
    const code = text.charCodeAt(pos);
    if (code === LINE_FEED || (code === CARRIAGE_RETURN && text.charCodeAt(pos + 1) !== LINE_FEED)) count += 1;
  }
  return count;
}

/** Where the quoted field whose text starts at `from` closes: its first quote that is not doubled, or -1. */
function closingQuote(text: string, from: number): number {
  for (let pos = from; pos < text.length; pos += 1) {
    if (text.charCodeAt(pos) !== QUOTE) continue;
    if (text.charCodeAt(pos + 1) !== QUOTE) return pos;
    pos += 1;
  }
  return -1;
}

/** Reads "…" with "" for a quote; line breaks inside are part of the value and move the line count. */
function readQuotedField(cursor: Cursor): string {
  const { text } = cursor;
  const start = cursor.pos + 1;
  const close = closingQuote(text, start);
  const end = close < 0 ? text.length : close;
  const value = text.slice(start, end).split('""').join('"');
  const startLine = cursor.line;
  cursor.line += lineBreaksIn(text, start, end);
  if (close < 0) {
    cursor.pos = text.length;
    noteProblem(cursor, `Line ${startLine}: a field that starts with a double quote is never closed.`);
    return value;
  }
  cursor.pos = close + 1;
  return value + textAfterClosingQuote(cursor);
}

function textAfterClosingQuote(cursor: Cursor): string {
  const start = cursor.pos;
  cursor.pos = fieldEnd(cursor.text, start);
  if (cursor.pos === start) return '';
  noteProblem(cursor, `Line ${cursor.line}: text after the closing double quote of a field; put the whole field in double quotes and double the quotes inside it.`);
  return cursor.text.slice(start, cursor.pos);
}

/** Moves past a field that will not be kept, without copying it. */
function skipField(cursor: Cursor): void {
  const { text } = cursor;
  if (text.charCodeAt(cursor.pos) !== QUOTE) {
    cursor.pos = fieldEnd(text, cursor.pos);
    return;
  }
  const close = closingQuote(text, cursor.pos + 1);
  const end = close < 0 ? text.length : close;
  cursor.line += lineBreaksIn(text, cursor.pos + 1, end);
  cursor.pos = close < 0 ? text.length : fieldEnd(text, close + 1);
}

function readField(cursor: Cursor): string {
  return cursor.text.charCodeAt(cursor.pos) === QUOTE ? readQuotedField(cursor) : readPlainField(cursor);
}

function readRecord(cursor: Cursor): CsvRecord {
  const record: CsvRecord = { line: cursor.line, fields: [], fieldCount: 0 };
  for (;;) {
    if (record.fieldCount <= MAX_COLUMNS) record.fields.push(readField(cursor));
    else skipField(cursor);
    record.fieldCount += 1;
    if (cursor.text.charCodeAt(cursor.pos) !== COMMA) break;
    cursor.pos += 1;
  }
  const breakLength = lineBreakLength(cursor.text, cursor.pos);
  if (breakLength > 0) {
    cursor.pos += breakLength;
    cursor.line += 1;
  }
  return record;
}

/** The header, every row an import takes and one more, which tells the file has too many. */
const MAX_RECORDS = 1 + MAX_IMPORT_ROWS + 1;

interface ReadFile {
  records: CsvRecord[];
  problems: string[];
  problemsNotListed: number;
}

/**
 * The records of the file, up to MAX_RECORDS, with the line each starts on; blank lines and rows
 * of empty fields are skipped. A file with more is refused, so the rest is not read.
 */
/** Where a line of nothing but commas and blanks starting at `from` ends, or -1 for any other line. */
function blankLineEnd(text: string, from: number): number {
  let pos = from;
  for (; pos < text.length; pos += 1) {
    const code = text.charCodeAt(pos);
    if (code !== COMMA && code !== SPACE && code !== TAB) break;
  }
  if (pos >= text.length) return pos;
  return lineBreakLength(text, pos) > 0 ? pos + lineBreakLength(text, pos) : -1;
}

function readRecords(text: string): ReadFile {
  const cursor: Cursor = { text: text.replace(/^\uFEFF/, ''), pos: 0, line: 1, problems: [], problemsNotListed: 0 };
  const records: CsvRecord[] = [];
  while (cursor.pos < cursor.text.length && records.length < MAX_RECORDS) {
    // Blank lines are skipped without building a record: a file of nothing else is read quickly.
    const blankEnd = blankLineEnd(cursor.text, cursor.pos);
    if (blankEnd >= 0) {
      cursor.pos = blankEnd;
      cursor.line += 1;
      continue;
    }
    const record = readRecord(cursor);
    // A record with more fields than are kept is kept itself: its unread fields may hold text.
    const blank = record.fieldCount === record.fields.length && record.fields.every((field) => field.trim() === '');
    if (!blank) records.push(record);
  }
  return { records, problems: cursor.problems, problemsNotListed: cursor.problemsNotListed };
}

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
    const value = record.fields[index]?.trim() ?? '';
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

/** Fields too long to be a value of a pair, as problems naming their line and position. */
function longFieldProblems(records: CsvRecord[]): string[] {
  const problems: string[] = [];
  for (const record of records) {
    record.fields.forEach((field, index) => {
      const length = field.trim().length;
      if (length <= MAX_FIELD_LENGTH) return;
      problems.push(
        `Line ${record.line}, field ${index + 1} has ${length.toLocaleString('en-US')} characters; no value of a pair is longer than ${MAX_FIELD_LENGTH.toLocaleString('en-US')}. Is this the right file?`,
      );
    });
  }
  return problems;
}

/** The first MAX_LISTED_LINE_PROBLEMS problems, then how many more there are, counting `notListed` ones. */
function listed(problems: string[], notListed = 0): string[] {
  const more = Math.max(0, problems.length - MAX_LISTED_LINE_PROBLEMS) + notListed;
  if (more === 0) return problems;
  return [...problems.slice(0, MAX_LISTED_LINE_PROBLEMS), `… and ${more.toLocaleString('en-US')} more problem(s) like these.`];
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

/** Reads a pair CSV (RFC 4180, with a header row). Any problem here is about the whole file. */
export function parsePairCsv(text: string): { rows: ParsedRow[]; problems: string[] } {
  const tooBig = sizeProblem(text);
  if (tooBig) return { rows: [], problems: [tooBig] };
  const { records, problems: syntaxProblems, problemsNotListed } = readRecords(text);
  const [header, ...body] = records;
  if (!header) return { rows: [], problems: ['The file is empty: it needs a header row and one row per pair.'] };
  const tooLong = longFieldProblems(records);
  if (tooLong.length > 0) return { rows: [], problems: listed(tooLong) };
  const tooWide = columnCountProblem(header);
  if (tooWide) return { rows: [], problems: [tooWide] };
  const names = header.fields.map((name) => name.trim().toLowerCase());
  const problems = [...headerProblems(names), ...listed([...syntaxProblems, ...fieldCountProblems(body, names.length)], problemsNotListed)];
  const countProblem = rowCountProblem(body.length);
  if (countProblem) problems.push(countProblem);
  const columns = names.filter(isPairColumn);
  if (columns.length !== names.length) return { rows: [], problems: listedProblems(problems) };
  return { rows: body.map((record) => toRow(record, columns)), problems: listedProblems(problems) };
}

// ---- One row to a NewPair -----------------------------------------------------------------------

/** The CSV column behind each field the API's messages name. */
const API_FIELD_COLUMNS: [field: RegExp, column: PairColumn][] = [
  [/manager\.name\b/, 'manager_name'],
  [/manager\.email\b/, 'manager_email'],
  [/report\.name\b/, 'report_name'],
  [/report\.email\b/, 'report_email'],
  [/^manager and report\b/, 'manager_email'],
  [/^manager and report\b/, 'report_email'],
  [/\bcadence(\.kind|\.everyWeeks)?(?![.\w])/, 'cadence'],
  [/cadence\.weekday\b/, 'weekday'],
  [/cadence\.ordinal\b/, 'ordinal'],
  [/\bmeetingTime\b/, 'meeting_time'],
  [/\btimeZone\b/, 'time_zone'],
  [/\bdurationMinutes\b/, 'duration_minutes'],
  [/offsets\.reflectionBefore\b/, 'reflection_before_hours'],
  [/offsets\.reminderBefore\b/, 'reminder_before_hours'],
  [/offsets\.agendaBefore\b/, 'agenda_before_minutes'],
  [/offsets\.followUpAfter\b/, 'follow_up_after_hours'],
  [/\bfeedbackEveryCycles\b/, 'feedback_every'],
  [/\bskipNudgeAfter\b/, 'skip_nudge_after'],
  [/\bformatNote\b/, 'format_note'],
];

/**
 * The columns an API message is about, in the order the message names them. Only the text before
 * the first double quote is read: after it comes the value quoted from the row, which could name
 * any field ("cadence.weekday" typed as an email address).
 */
function columnsOf(apiProblem: string): PairColumn[] {
  const quote = apiProblem.indexOf('"');
  const fields = quote < 0 ? apiProblem : apiProblem.slice(0, quote);
  const found = API_FIELD_COLUMNS.map(([field, column]) => ({ column, at: fields.search(field) })).filter((hit) => hit.at >= 0);
  return [...new Set(found.sort((a, b) => a.at - b.at).map((hit) => hit.column))];
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
    if (value === undefined) this.refuse(column, 'a value is required');
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
  if (Number.isNaN(number) && value !== '') row.refuse('weekday', `"${quoted(value)}" must be a day from monday to sunday, or 1 to 7`);
  return number as Weekday;
}

type Ordinal = Extract<Cadence, { kind: 'monthly' }>['ordinal'];

function ordinalOf(row: RowReader): Ordinal {
  const value = row.optional('ordinal');
  if (value === undefined) {
    row.refuse('ordinal', 'a monthly cadence needs 1, 2, 3, 4 or last');
    return NOT_A_NUMBER as Ordinal;
  }
  if (value.toLowerCase() === 'last') return -1;
  const number = numberIn(value);
  if (Number.isNaN(number)) row.refuse('ordinal', `"${quoted(value)}" must be 1, 2, 3, 4 or last`);
  return number as Ordinal;
}

function everyWeeksOf(row: RowReader, cadence: string): number {
  if (cadence === 'weekly') return 1;
  const everyWeeks = numberIn(/^every (\S+) weeks?$/.exec(cadence)?.[1] ?? '');
  if (Number.isNaN(everyWeeks) && cadence !== '') {
    row.refuse('cadence', `"${quoted(cadence)}" must be weekly, every N weeks (e.g. every 2 weeks) or monthly`);
  }
  return everyWeeks;
}

function cadenceOf(row: RowReader): Cadence {
  const cadence = row.required('cadence').toLowerCase().replace(/\s+/g, ' ');
  const weekday = weekdayOf(row);
  if (cadence === 'monthly') return { kind: 'monthly', ordinal: ordinalOf(row), weekday };
  if (row.optional('ordinal') !== undefined) row.refuse('ordinal', 'only a monthly cadence takes an ordinal; leave it empty');
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
    row.refuse(column, `"${quoted(value)}" must be a number of hours in whole minutes, e.g. 48 or 1.5`);
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
    .map((problem) => ({ columns: columnsOf(problem), sentence: problem }))
    .filter((problem) => !problem.columns.some((column) => reader.ownProblems.has(column)));
}

function columnOrder(problem: RowProblem): number {
  return problem.columns.length > 0 ? PAIR_COLUMNS.indexOf(problem.columns[0]) : PAIR_COLUMNS.length;
}

function sentenceOf(problem: RowProblem): string {
  return problem.columns.length > 0 ? `${problem.columns.join(', ')}: ${problem.sentence}` : problem.sentence;
}

/** The NewPair a row stands for, or every problem with it as "column: sentence", in column order. */
export function rowToNewPair(row: ParsedRow): { pair?: NewPair; problems: string[] } {
  const reader = new RowReader(row.values);
  const pair = draftPair(reader);
  const problems = [...ownProblems(reader), ...apiProblems(pair, reader)].sort((a, b) => columnOrder(a) - columnOrder(b));
  return problems.length > 0 ? { problems: problems.map(sentenceOf) } : { pair, problems: [] };
}

// ---- Import -------------------------------------------------------------------------------------

function pairKey(pair: NewPair): string {
  return `${pair.manager.email.trim().toLowerCase()} ${pair.report.email.trim().toLowerCase()}`;
}

/** Lists the row, or only counts it once MAX_LISTED_REFUSED_ROWS are listed. */
function refuse(report: ImportReport, line: number, reasons: string[]): void {
  if (report.refused.length < MAX_LISTED_REFUSED_ROWS) {
    report.refused.push({ line, reasons });
    return;
  }
  report.refusedNotListed = (report.refusedNotListed ?? 0) + 1;
}

function reasonsFor(error: unknown): string[] {
  if (error instanceof InvalidPairError) return error.problems;
  if (error instanceof PairExistsError) return [error.message];
  return [error instanceof Error ? error.message : String(error)];
}

/**
 * Creates a pair for every valid row, one at a time and in file order, and reports each row.
 * A row that fails does not stop the rest; a file with file-level problems creates nothing.
 */
export async function importPairs(
  csvText: string,
  createPair: (pair: NewPair) => Promise<{ pairId: string }>,
): Promise<ImportReport> {
  const { rows, problems } = parsePairCsv(csvText);
  const report: ImportReport = { created: [], refused: [], fileProblems: problems };
  if (problems.length > 0) return report;
  const firstLineOfPair = new Map<string, number>();
  for (const row of rows) {
    const { pair, problems: rowProblems } = rowToNewPair(row);
    if (!pair) {
      refuse(report, row.line, rowProblems);
      continue;
    }
    const key = pairKey(pair);
    const sameAs = firstLineOfPair.get(key);
    if (sameAs !== undefined) {
      refuse(report, row.line, [`same pair as line ${sameAs}`]);
      continue;
    }
    firstLineOfPair.set(key, row.line);
    await createOne(row.line, pair, createPair, report);
  }
  return report;
}

async function createOne(
  line: number,
  pair: NewPair,
  createPair: (pair: NewPair) => Promise<{ pairId: string }>,
  report: ImportReport,
): Promise<void> {
  try {
    const { pairId } = await createPair(pair);
    report.created.push({ line, pairId, manager: pair.manager.email.trim().toLowerCase(), report: pair.report.email.trim().toLowerCase() });
  } catch (error) {
    refuse(report, line, reasonsFor(error));
  }
}
