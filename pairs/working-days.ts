// A pair's working days as people type and read them: weekday names (monday or mon) or numbers
// (1 = Monday … 7 = Sunday), for the CLI's --working-days and the CSV import's working_days column.
// Whether a list is acceptable (one to seven days, none twice) is the settings' own check
// (workingDaysProblems), so every front door refuses the same lists with the same words.
import { DEFAULT_WORKING_DAYS, type Weekday } from '../workflows/pair-types';

export const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

/** How a weekday may be written, for messages. */
export const WEEKDAY_SPELLINGS = 'mon to sun, monday to sunday, or 1 (Monday) to 7 (Sunday)';

/** A weekday from its name, its first three letters or its number (any case); null for anything else. */
export function weekdayNamed(text: string): Weekday | null {
  const value = text.trim().toLowerCase();
  if (/^[1-7]$/.test(value)) return Number(value) as Weekday;
  const index = WEEKDAY_NAMES.findIndex((name) => name.toLowerCase() === value || name.slice(0, 3).toLowerCase() === value);
  return index < 0 ? null : ((index + 1) as Weekday);
}

export interface WeekdayList {
  /** The weekdays named, in the order given (repeats kept: the settings' check names them). */
  days: Weekday[];
  /** The items that name no weekday, as typed. */
  unknown: string[];
}

/** The weekdays of a list whose items are separated by `separator`; empty items are left out. */
export function weekdayList(text: string, separator: RegExp): WeekdayList {
  const items = text
    .split(separator)
    .map((item) => item.trim())
    .filter((item) => item !== '');
  const days = items.map(weekdayNamed).filter((day): day is Weekday => day !== null);
  return { days, unknown: items.filter((item) => weekdayNamed(item) === null) };
}

/** "Monday to Friday", "Tuesday, Thursday and Saturday" or "every day", for pages and the terminal. */
export function workingDaysText(workingDays: readonly Weekday[] | undefined): string {
  const days = [...new Set(workingDays ?? DEFAULT_WORKING_DAYS)].sort((a, b) => a - b);
  if (days.length === 7) return 'every day';
  const names = days.map((day) => WEEKDAY_NAMES[day - 1]);
  const consecutive = days.length >= 3 && days.every((day, index) => index === 0 || day === days[index - 1] + 1);
  if (consecutive) return `${names[0]} to ${names[names.length - 1]}`;
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
