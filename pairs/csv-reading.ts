// Reading a CSV file (RFC 4180: commas, double quotes, CRLF, LF or CR line ends) that may be
// hostile. csv-parse reads the values; before it runs, one pass over the text that copies nothing
// finds where each record starts, how many fields and lines it has and how long its fields are, so
// that the work csv-parse is given stays small whatever the file: 2 MiB are read in tens of
// milliseconds, and csv-parse never sees a field too long or a record too wide to be a pair's.
//
// csv-parse stops at the first error of a call and, left to go on, would read what follows in the
// state the error left (inside a quote that never closes): each record it refuses is therefore
// told by its own line, and reading goes on from the next record in a new call. Its line numbers
// are not used either: it counts a CRLF inside a quoted value as two lines.
import { CsvError, parse, type CsvErrorCode, type Options } from 'csv-parse/sync';

export interface CsvLimits {
  /** Records read; the rest of the file is not read at all. */
  maxRecords: number;
  /** Fields of a record read; a record with more has its fields counted, and only the first maxFields + 1 read. */
  maxFields: number;
  /** Characters a value (trimmed) may have; a file with a longer one is not read further. */
  maxFieldLength: number;
}

export interface CsvRecord {
  /** 1-based line of the file where the record starts. */
  line: number;
  /** How many fields the record has, counted even where they are not read. */
  fieldCount: number;
  /** The values as written (not trimmed), or null when the record could not be read or was not. */
  fields: string[] | null;
}

export interface LongField {
  line: number;
  /** 1-based position of the field in its record. */
  field: number;
  /** Its length, trimmed. */
  length: number;
}

export interface CsvFile {
  /** Records with any text, in file order: blank lines and records of empty values are left out. */
  records: CsvRecord[];
  /** "Line N: …" for each record csv-parse refused, in line order. */
  problems: string[];
  /** False when reading stopped after MAX_PARSES calls: records after that were not checked. */
  readToEnd: boolean;
  /** Values longer than maxFieldLength; when there are any, no record is read. */
  longFields: LongField[];
}

// ---- The survey: where records are, and how big --------------------------------------------------

const COMMA = 0x2c;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const QUOTE = 0x22;
const SPACE = 0x20;
const TAB = 0x09;

interface SurveyedRecord {
  line: number;
  start: number;
  /** After its line break, or the end of the text. */
  end: number;
  /** Where csv-parse stops reading it: `end`, or after the first maxFields + 1 fields of a record with more. */
  readEnd: number;
  fieldCount: number;
}

interface FieldSpan {
  line: number;
  field: number;
  start: number;
  end: number;
}

interface RecordShape {
  end: number;
  readEnd: number;
  fieldCount: number;
  /** Nothing but commas, spaces and tabs. */
  blank: boolean;
  /** Line breaks in it, its own included. */
  lines: number;
}

function lineBreakLength(text: string, pos: number): number {
  const code = text.charCodeAt(pos);
  if (code === CARRIAGE_RETURN) return text.charCodeAt(pos + 1) === LINE_FEED ? 2 : 1;
  return code === LINE_FEED ? 1 : 0;
}

/**
 * The shape of the record starting at `start`, by the rules csv-parse reads it with: a double quote
 * opens a quoted field only as its first character, and inside one a doubled quote is a quote.
 * Character codes in one tight loop: 2 MiB take a few milliseconds.
 */
function surveyRecord(text: string, start: number, line: number, limits: CsvLimits, longFields: FieldSpan[]): RecordShape {
  const longField = (field: number, from: number, to: number) => {
    if (to - from > limits.maxFieldLength) longFields.push({ line, field, start: from, end: to });
  };
  let pos = start;
  let fieldStart = start;
  let fieldCount = 1;
  let readEnd = -1;
  let blank = true;
  let quoted = false;
  let lines = 0;
  for (; pos < text.length; pos += 1) {
    const code = text.charCodeAt(pos);
    if (quoted) {
      if (code === QUOTE) {
        if (text.charCodeAt(pos + 1) === QUOTE) pos += 1;
        else quoted = false;
      } else if (code === LINE_FEED || (code === CARRIAGE_RETURN && text.charCodeAt(pos + 1) !== LINE_FEED)) {
        lines += 1;
      }
      continue;
    }
    if (code === COMMA) {
      longField(fieldCount, fieldStart, pos);
      if (fieldCount === limits.maxFields + 1) readEnd = pos;
      fieldCount += 1;
      fieldStart = pos + 1;
      continue;
    }
    if (code === LINE_FEED || code === CARRIAGE_RETURN) break;
    if (code === QUOTE && pos === fieldStart) quoted = true;
    if (code !== SPACE && code !== TAB) blank = false;
  }
  longField(fieldCount, fieldStart, pos);
  const breakLength = lineBreakLength(text, pos);
  const end = pos + breakLength;
  return { end, readEnd: readEnd < 0 ? end : readEnd, fieldCount, blank, lines: lines + (breakLength > 0 ? 1 : 0) };
}

/**
 * Where a line of nothing but commas, spaces and tabs that starts at `start` ends (after its line
 * break), or `start` when the line has anything else. A file of a million such lines is skipped
 * without a record or a closure made for each.
 */
function blankLineEnd(text: string, start: number): number {
  let pos = start;
  for (; pos < text.length; pos += 1) {
    const code = text.charCodeAt(pos);
    if (code !== COMMA && code !== SPACE && code !== TAB) break;
  }
  const breakLength = lineBreakLength(text, pos);
  return breakLength > 0 ? pos + breakLength : start;
}

/** The first maxRecords records that are not blank, and the fields whose text is long enough to look at. */
function survey(text: string, limits: CsvLimits): { records: SurveyedRecord[]; spans: FieldSpan[] } {
  const records: SurveyedRecord[] = [];
  const spans: FieldSpan[] = [];
  let pos = 0;
  let line = 1;
  while (pos < text.length && records.length < limits.maxRecords) {
    const blankEnd = blankLineEnd(text, pos);
    if (blankEnd > pos) {
      line += 1;
      pos = blankEnd;
      continue;
    }
    const shape = surveyRecord(text, pos, line, limits, spans);
    if (!shape.blank) records.push({ line, start: pos, end: shape.end, readEnd: shape.readEnd, fieldCount: shape.fieldCount });
    line += shape.lines;
    pos = shape.end;
  }
  return { records, spans };
}

/** A field's value from its text: without its enclosing quotes, and doubled quotes single. */
function unquoted(raw: string): string {
  if (!raw.startsWith('"')) return raw;
  const inner = raw.length > 1 && raw.endsWith('"') ? raw.slice(1, -1) : raw.slice(1);
  return inner.split('""').join('"');
}

/** Only fields whose text is longer than the limit are looked at: a value cannot be longer than its text. */
function longFieldsIn(text: string, spans: FieldSpan[], limits: CsvLimits): LongField[] {
  return spans
    .map((span) => ({ line: span.line, field: span.field, length: unquoted(text.slice(span.start, span.end)).trim().length }))
    .filter((field) => field.length > limits.maxFieldLength);
}

// ---- Reading with csv-parse ---------------------------------------------------------------------

/** Calls of csv-parse one file may cost: the header, the rows, one more for each row it refuses. */
const MAX_PARSES = 50;
/**
 * Fields csv-parse reads in one go, about 30 ms of its time. More than a file of maxRecords
 * records as wide as a pair CSV (17 columns) has: only a header of unknown columns reaches it.
 */
const MAX_FIELDS_READ = 100_000;

const CSV_OPTIONS: Options = { bom: false, record_delimiter: ['\r\n', '\n', '\r'], relax_column_count: false };

const CLOSING_QUOTE_PROBLEM = 'text after the closing double quote of a field; put the whole field in double quotes and double the quotes inside it.';
const SYNTAX_PROBLEMS: Partial<Record<CsvErrorCode, string>> = {
  INVALID_OPENING_QUOTE:
    'a double quote inside a field that does not start with one; put the whole field in double quotes and double the quotes inside it ("O""Brien").',
  CSV_INVALID_CLOSING_QUOTE: CLOSING_QUOTE_PROBLEM,
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: CLOSING_QUOTE_PROBLEM,
  CSV_QUOTE_NOT_CLOSED: 'a field that starts with a double quote is never closed.',
};

const syntaxProblem = (line: number, error: CsvError) => `Line ${line}: ${SYNTAX_PROBLEMS[error.code] ?? `this row could not be read as CSV (${error.code}).`}`;

/** The records csv-parse reads from `input`, or the error of the first one it refuses. */
function parsed(input: Buffer): { records: string[][] } | { error: CsvError } {
  try {
    return { records: parse(input, CSV_OPTIONS) };
  } catch (error) {
    if (error instanceof CsvError) return { error };
    throw error;
  }
}

/** How many records csv-parse read before the one it refused. */
const recordsBefore = (error: CsvError) => (typeof error.records === 'number' ? error.records : 0);

interface Reading {
  fields: Map<SurveyedRecord, string[]>;
  problems: { line: number; text: string }[];
  parsesLeft: number;
  /** Records were left unread because no parse was left. */
  stopped: boolean;
}

/** One record on its own; it has no width to keep to, so what csv-parse adds is its quoting. */
function readAlone(text: string, record: SurveyedRecord, reading: Reading): void {
  reading.parsesLeft -= 1;
  const result = parsed(Buffer.from(text.slice(record.start, record.readEnd)));
  if ('error' in result) reading.problems.push({ line: record.line, text: syntaxProblem(record.line, result.error) });
  else if (result.records.length === 1) reading.fields.set(record, result.records[0]);
}

/**
 * The records as wide as the header, after it, in one call, and one more after each record refused.
 * The values of a file with a refused record are not needed: only those of a file without one are kept.
 */
function readInOneGo(text: string, sameWidth: SurveyedRecord[], reading: Reading): void {
  const records = sameWidth.slice(0, Math.floor(MAX_FIELDS_READ / sameWidth[0].fieldCount));
  if (records.length < sameWidth.length) reading.stopped = true;
  const slices = records.map((record) => text.slice(record.start, record.end));
  const input = Buffer.from(slices.join(''));
  const offsets: number[] = [];
  slices.reduce((offset, slice) => {
    offsets.push(offset);
    return offset + Buffer.byteLength(slice);
  }, 0);
  for (let from = 0; from < records.length;) {
    if (reading.parsesLeft === 0) {
      reading.stopped = true;
      return;
    }
    reading.parsesLeft -= 1;
    const result = parsed(input.subarray(offsets[from]));
    if (!('error' in result)) {
      records.slice(from).forEach((record, index) => {
        const fields = result.records[index];
        if (fields) reading.fields.set(record, fields);
      });
      return;
    }
    const refused = Math.min(from + recordsBefore(result.error), records.length - 1);
    reading.problems.push({ line: records[refused].line, text: syntaxProblem(records[refused].line, result.error) });
    from = refused + 1;
  }
}

/** Records of another width than the header's, each on its own: the survey counted their fields. */
function readOneByOne(text: string, records: SurveyedRecord[], reading: Reading): void {
  for (const record of records) {
    if (reading.parsesLeft === 0) {
      reading.stopped = true;
      return;
    }
    readAlone(text, record, reading);
  }
}

const isBlank = (fields: string[] | null) => fields !== null && fields.every((field) => field.trim() === '');

/** Reads a CSV file within `limits`; its first record decides the width the others are read at. */
export function readCsv(csvText: string, limits: CsvLimits): CsvFile {
  const text = csvText.replace(/^\uFEFF/, '');
  const { records, spans } = survey(text, limits);
  const unread = records.map((record) => ({ line: record.line, fieldCount: record.fieldCount, fields: null }));
  const longFields = longFieldsIn(text, spans, limits);
  const [header] = records;
  if (!header || longFields.length > 0 || header.fieldCount > limits.maxFields) return { records: unread, problems: [], readToEnd: true, longFields };
  const reading: Reading = { fields: new Map(), problems: [], parsesLeft: MAX_PARSES, stopped: false };
  // The header on its own, so that its names are read even when a row is refused.
  readAlone(text, header, reading);
  const sameWidth = records.filter((record) => record !== header && record.fieldCount === header.fieldCount);
  if (sameWidth.length > 0) readInOneGo(text, sameWidth, reading);
  readOneByOne(
    text,
    records.filter((record) => record.fieldCount !== header.fieldCount),
    reading,
  );
  const read = records
    .map((record) => ({ line: record.line, fieldCount: record.fieldCount, fields: reading.fields.get(record) ?? null }))
    .filter((record) => !isBlank(record.fields));
  const problems = reading.problems.sort((a, b) => a.line - b.line).map((found) => found.text);
  return { records: read, problems, readToEnd: !reading.stopped, longFields };
}
