// Plain-text output of the CLI: aligned tables, and times as people read them in a pair's own time
// zone (pairs/local-time.ts), the machine's beside them.
import { DateTime } from 'luxon';
import { processTimeZone, readableDate, readableInstant } from '../pairs/local-time';
import type { Cadence } from '../workflows/pair-types';

/** Rows of cells separated by two spaces, each column as wide as its widest cell; no trailing spaces. */
export function columns(rows: string[][]): string {
  const count = Math.max(0, ...rows.map((row) => row.length));
  const widths = Array.from({ length: count }, (_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd();
  return rows.map(line).join('\n');
}

export const table = (headers: string[], rows: string[][]) => columns([headers, ...rows]);

/** Label–value lines with the values aligned. */
export function fields(entries: [label: string, value: string][]): string {
  const width = Math.max(...entries.map(([label]) => label.length));
  return entries.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

/**
 * An instant in the pair's time zone, named, and in the zone of the machine the CLI runs on beside
 * it where the clocks differ (set TZ to read another): "Thu 9 Jan, 10:00 Berlin (09:00 UTC)".
 */
export function localTime(instant: string | number | Date, timeZone: string, viewerZone = processTimeZone()): string {
  return readableInstant(instant, timeZone, viewerZone);
}

/** The day of a meeting in the pair's zone: "Thu 9 Jan". */
export const meetingDate = (instant: string | number | Date, timeZone: string): string => readableDate(instant, timeZone);

/** An instant in UTC, for lists that mix pairs of several time zones. */
export function utcTime(instant: string | Date): string {
  const at = instant instanceof Date ? DateTime.fromJSDate(instant) : DateTime.fromISO(instant);
  return at.isValid ? at.toUTC().toFormat("yyyy-MM-dd HH:mm 'UTC'") : String(instant);
}

const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const ORDINALS: Record<number, string> = { 1: 'first', 2: 'second', 3: 'third', 4: 'fourth', [-1]: 'last' };

export function describeCadence(cadence: Cadence): string {
  if (cadence.kind === 'demo') return `demo: every ${cadence.everyMinutes} minutes`;
  const weekday = WEEKDAY_NAMES[cadence.weekday - 1] ?? `weekday ${cadence.weekday}`;
  if (cadence.kind === 'monthly') return `monthly on the ${ORDINALS[cadence.ordinal] ?? cadence.ordinal} ${weekday}`;
  return cadence.everyWeeks === 1 ? `weekly on ${weekday}` : `every ${cadence.everyWeeks} weeks on ${weekday}`;
}

/** Whole hours as hours, anything else in minutes: "48 h", "90 min". */
export const minutesText = (minutes: number) => (minutes >= 60 && minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`);

export const person = (name: string, email: string) => `${name} <${email}>`;

export const json = (value: unknown) => JSON.stringify(value, null, 2);

const VISIBLE_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r' };

/**
 * Control characters (line breaks, escape sequences) in text quoted from the input, made visible:
 * a problem stays on its own "error:" line, and a file cannot drive the terminal.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- finding control characters to show them escaped is the point
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => VISIBLE_ESCAPES[c] ?? `\\u{${c.charCodeAt(0).toString(16)}}`);
}

export const errorLine = (problem: string) => `error: ${printable(problem)}`;
