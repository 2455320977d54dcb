// Importing pairs from a CSV file (one row per manager–report pair), as an admin does when
// rolling Rapport out to a team. Parsing and row checks are pure; creating goes through the
// caller's createPair, so the import uses exactly the same rules as the API.
import { InvalidPairError, newPairProblems, PairExistsError, type NewPair } from '../client/pairs';
import { DEFAULT_OFFSETS, type Cadence, type PairSettings, type StageOffsets, type Weekday } from '../workflows/pair-types';

export const MAX_IMPORT_ROWS = 5_000;
export const MAX_IMPORT_BYTES = 2 * 1024 * 1024;
/** Line-level parse problems listed one by one before the rest are summed up. */
const MAX_LISTED_LINE_PROBLEMS = 10;

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
  refused: { line: number; reasons: string[] }[];
  fileProblems: string[];
}

// ---- RFC 4180 reading ---------------------------------------------------------------------------

interface CsvRecord {
  line: number;
  fields: string[];
}

interface Cursor {
  readonly text: string;
  pos: number;
  line: number;
  readonly problems: string[];
}

function lineBreakLength(text: string, pos: number): number {
  if (text[pos] === '\r') return text[pos + 1] === '\n' ? 2 : 1;
  return text[pos] === '\n' ? 1 : 0;
}

function atFieldEnd(cursor: Cursor): boolean {
  const { text, pos } = cursor;
  return pos >= text.length || text[pos] === ',' || lineBreakLength(text, pos) > 0;
}

function readPlainField(cursor: Cursor): string {
  const start = cursor.pos;
  let strayQuote = false;
  while (!atFieldEnd(cursor)) {
    if (cursor.text[cursor.pos] === '"') strayQuote = true;
    cursor.pos += 1;
  }
  if (strayQuote) {
    cursor.problems.push(
      `Line ${cursor.line}: a double quote inside a field that does not start with one; put the whole field in double quotes and double the quotes inside it ("O""Brien").`,
    );
  }
  return cursor.text.slice(start, cursor.pos);
}

/** Reads "…" with "" for a quote; line breaks inside are part of the value and move the line count. */
function readQuotedField(cursor: Cursor): string {
  const { text } = cursor;
  const startLine = cursor.line;
  let value = '';
  cursor.pos += 1;
  while (cursor.pos < text.length) {
    const breakLength = lineBreakLength(text, cursor.pos);
    if (breakLength > 0) {
      value += text.slice(cursor.pos, cursor.pos + breakLength);
      cursor.pos += breakLength;
      cursor.line += 1;
    } else if (text[cursor.pos] !== '"') {
      value += text[cursor.pos];
      cursor.pos += 1;
    } else if (text[cursor.pos + 1] === '"') {
      value += '"';
      cursor.pos += 2;
    } else {
      cursor.pos += 1;
      return value + textAfterClosingQuote(cursor);
    }
  }
  cursor.problems.push(`Line ${startLine}: a field that starts with a double quote is never closed.`);
  return value;
}

function textAfterClosingQuote(cursor: Cursor): string {
  if (atFieldEnd(cursor)) return '';
  cursor.problems.push(
    `Line ${cursor.line}: text after the closing double quote of a field; put the whole field in double quotes and double the quotes inside it.`,
  );
  const start = cursor.pos;
  while (!atFieldEnd(cursor)) cursor.pos += 1;
  return cursor.text.slice(start, cursor.pos);
}

function readRecord(cursor: Cursor): CsvRecord {
  const record: CsvRecord = { line: cursor.line, fields: [] };
  for (;;) {
    record.fields.push(cursor.text[cursor.pos] === '"' ? readQuotedField(cursor) : readPlainField(cursor));
    if (cursor.text[cursor.pos] !== ',') break;
    cursor.pos += 1;
  }
  const breakLength = lineBreakLength(cursor.text, cursor.pos);
  if (breakLength > 0) {
    cursor.pos += breakLength;
    cursor.line += 1;
  }
  return record;
}

/** Every record of the file with the line it starts on; blank lines and rows of empty fields are skipped. */
function readRecords(text: string): { records: CsvRecord[]; problems: string[] } {
  const cursor: Cursor = { text: text.replace(/^\uFEFF/, ''), pos: 0, line: 1, problems: [] };
  const records: CsvRecord[] = [];
  while (cursor.pos < cursor.text.length) {
    const record = readRecord(cursor);
    if (record.fields.some((field) => field.trim() !== '')) records.push(record);
  }
  return { records, problems: cursor.problems };
}

// ---- Header and rows ----------------------------------------------------------------------------

function isPairColumn(name: string): name is PairColumn {
  return (PAIR_COLUMNS as readonly string[]).includes(name);
}

function headerProblems(names: string[]): string[] {
  const problems: string[] = [];
  const unknown = names.filter((name) => !isPairColumn(name)).map((name) => (name === '' ? '(empty)' : name));
  if (unknown.length > 0) {
    problems.push(`Unknown column(s) in the header: ${unknown.join(', ')}. The columns are: ${PAIR_COLUMNS.join(', ')}.`);
  }
  const missing = REQUIRED_COLUMNS.filter((column) => !names.includes(column));
  if (missing.length > 0) problems.push(`Missing required column(s) in the header: ${missing.join(', ')}.`);
  const repeated = names.filter((name, index) => name !== '' && names.indexOf(name) !== index);
  for (const name of new Set(repeated)) problems.push(`Column ${name} appears more than once in the header.`);
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
    .filter((record) => record.fields.length !== expected)
    .map(
      (record) =>
        `Line ${record.line} has ${record.fields.length} fields but the header has ${expected}; a value that contains a comma must be in double quotes.`,
    );
}

function listed(problems: string[]): string[] {
  if (problems.length <= MAX_LISTED_LINE_PROBLEMS) return problems;
  const more = problems.length - MAX_LISTED_LINE_PROBLEMS;
  return [...problems.slice(0, MAX_LISTED_LINE_PROBLEMS), `… and ${more} more problem(s) like these.`];
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
  return `The file has ${count.toLocaleString('en-US')} rows; at most ${MAX_IMPORT_ROWS.toLocaleString('en-US')} can be imported at once. Split it into smaller files.`;
}

/** Reads a pair CSV (RFC 4180, with a header row). Any problem here is about the whole file. */
export function parsePairCsv(text: string): { rows: ParsedRow[]; problems: string[] } {
  const tooBig = sizeProblem(text);
  if (tooBig) return { rows: [], problems: [tooBig] };
  const { records, problems: syntaxProblems } = readRecords(text);
  const [header, ...body] = records;
  if (!header) return { rows: [], problems: ['The file is empty: it needs a header row and one row per pair.'] };
  const names = header.fields.map((name) => name.trim().toLowerCase());
  const problems = [...headerProblems(names), ...listed([...syntaxProblems, ...fieldCountProblems(body, names.length)])];
  const countProblem = rowCountProblem(body.length);
  if (countProblem) problems.push(countProblem);
  const columns = names.filter(isPairColumn);
  if (columns.length !== names.length) return { rows: [], problems };
  return { rows: body.map((record) => toRow(record, columns)), problems };
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

/** The columns an API message is about, in the order the message names them. */
function columnsOf(apiProblem: string): PairColumn[] {
  const found = API_FIELD_COLUMNS.map(([field, column]) => ({ column, at: apiProblem.search(field) })).filter((hit) => hit.at >= 0);
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
  if (Number.isNaN(number) && value !== '') row.refuse('weekday', `"${value}" must be a day from monday to sunday, or 1 to 7`);
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
  if (Number.isNaN(number)) row.refuse('ordinal', `"${value}" must be 1, 2, 3, 4 or last`);
  return number as Ordinal;
}

function everyWeeksOf(row: RowReader, cadence: string): number {
  if (cadence === 'weekly') return 1;
  const everyWeeks = numberIn(/^every (\S+) weeks?$/.exec(cadence)?.[1] ?? '');
  if (Number.isNaN(everyWeeks) && cadence !== '') {
    row.refuse('cadence', `"${cadence}" must be weekly, every N weeks (e.g. every 2 weeks) or monthly`);
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
    row.refuse(column, `"${value}" must be a number of hours in whole minutes, e.g. 48 or 1.5`);
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
      report.refused.push({ line: row.line, reasons: rowProblems });
      continue;
    }
    const key = pairKey(pair);
    const sameAs = firstLineOfPair.get(key);
    if (sameAs !== undefined) {
      report.refused.push({ line: row.line, reasons: [`same pair as line ${sameAs}`] });
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
    report.refused.push({ line, reasons: reasonsFor(error) });
  }
}
