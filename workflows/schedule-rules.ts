// Validation of a pair's settings. Pure and deterministic, so that the workflow's Update
// validators, the client and the admin API all give the same clear messages.
import type { Cadence, PairSettings, StageOffsets } from './pair-types';
import { problem, type Problem } from './problem-list';
import { quoted } from './quoted';

const MINUTES_PER_DAY = 24 * 60;
const MEETING_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
/** Longer than any IANA zone name (the longest has 32 characters), so a huge value is refused unread. */
const MAX_TIME_ZONE_LENGTH = 64;

function isWholeNumber(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function isWeekday(value: unknown): boolean {
  return isWholeNumber(value, 1, 7);
}

export function isKnownTimeZone(timeZone: unknown): boolean {
  if (typeof timeZone !== 'string' || timeZone.length === 0 || timeZone.length > MAX_TIME_ZONE_LENGTH) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

function isRecordWithKind(value: unknown, kind: string): boolean {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === kind;
}

/** The shortest possible gap between two occurrences of the cadence, in minutes. */
export function shortestCadenceGap(cadence: Cadence): number {
  if (cadence.kind === 'weekly') return cadence.everyWeeks * 7 * MINUTES_PER_DAY;
  if (cadence.kind === 'demo') return cadence.everyMinutes;
  return 28 * MINUTES_PER_DAY;
}

const WEEKDAY_PROBLEM = problem('cadence.weekday', 'Weekday must be a day from Monday (1) to Sunday (7)');

function weeklyProblems(cadence: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  if (!isWholeNumber(cadence.everyWeeks, 1, 52)) problems.push(problem('cadence.everyWeeks', 'Weeks between meetings must be a whole number from 1 to 52'));
  if (!isWeekday(cadence.weekday)) problems.push(WEEKDAY_PROBLEM);
  return problems;
}

function monthlyProblems(cadence: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  if (![1, 2, 3, 4, -1].includes(cadence.ordinal as number)) {
    problems.push(
      problem(
        'cadence.ordinal',
        'Weekday of the month must be the first, second, third, fourth or last (1, 2, 3, 4 or -1): a fifth does not occur every month',
      ),
    );
  }
  if (!isWeekday(cadence.weekday)) problems.push(WEEKDAY_PROBLEM);
  return problems;
}

export function cadenceProblems(cadence: unknown): Problem[] {
  if (typeof cadence !== 'object' || cadence === null) return [problem('cadence', 'Cadence is required')];
  const c = cadence as Record<string, unknown>;
  if (c.kind === 'weekly') return weeklyProblems(c);
  if (c.kind === 'monthly') return monthlyProblems(c);
  if (c.kind === 'demo') {
    return isWholeNumber(c.everyMinutes, 3, MINUTES_PER_DAY)
      ? []
      : [problem('cadence.everyMinutes', 'Minutes between demo meetings must be a whole number from 3 to 1440')];
  }
  return [problem('cadence.kind', 'Cadence must be weekly or monthly (or demo, a meeting every few minutes for trying Rapport out)')];
}

/** Each stage's time as the admin knows it. */
const OFFSET_WORDS: Record<keyof StageOffsets, string> = {
  reflectionBefore: 'The reflection form must go out 0 to 60 days before the meeting',
  reminderBefore: 'The reminder must go out 0 to 60 days before the meeting',
  agendaBefore: 'The agenda must go out 0 to 60 days before the meeting',
  followUpAfter: 'The follow-up must go out 0 to 60 days after the meeting',
};

export function offsetProblems(offsets: unknown, durationMinutes: unknown): Problem[] {
  if (typeof offsets !== 'object' || offsets === null) return [problem('offsets', 'The times the forms go out (offsets) are required')];
  const o = offsets as Partial<Record<keyof StageOffsets, unknown>>;
  const problems: Problem[] = [];
  for (const key of ['reflectionBefore', 'reminderBefore', 'agendaBefore', 'followUpAfter'] as const) {
    if (!isWholeNumber(o[key], 0, 60 * MINUTES_PER_DAY)) problems.push(problem(`offsets.${key}`, `${OFFSET_WORDS[key]}, in whole minutes`));
  }
  if (problems.length > 0) return problems;
  const valid = o as StageOffsets;
  if (valid.reminderBefore >= valid.reflectionBefore) {
    problems.push(
      problem('offsets.reminderBefore', 'The reminder must go out after the reflection form: set it closer to the meeting', ['offsets.reflectionBefore']),
    );
  }
  if (valid.reminderBefore <= valid.agendaBefore) {
    problems.push(
      problem('offsets.reminderBefore', 'The reminder must go out before the agenda: set it further from the meeting than the agenda', [
        'offsets.agendaBefore',
      ]),
    );
  }
  // A duration that is not a number has its own problem; comparing with it could even throw ({"toString": 1}).
  if (typeof durationMinutes === 'number' && valid.followUpAfter < durationMinutes) {
    problems.push(problem('offsets.followUpAfter', 'The follow-up must go out after the meeting ends: at least the meeting’s length after it starts'));
  }
  return problems;
}

/** Every problem with a pair's settings; empty when they are valid. */
/** Working days: absent (Monday to Friday), or one to seven different weekdays. */
export function workingDaysProblems(workingDays: unknown): Problem[] {
  if (workingDays === undefined) return [];
  const valid = Array.isArray(workingDays) && workingDays.length >= 1 && workingDays.length <= 7 && workingDays.every(isWeekday);
  if (!valid) return [problem('workingDays', 'Working days must be one to seven days from Monday (1) to Sunday (7)')];
  if (new Set(workingDays).size !== workingDays.length) return [problem('workingDays', 'Working days name a day twice')];
  return [];
}

function timeZoneProblem(timeZone: unknown): Problem {
  if (timeZone === undefined || timeZone === null || timeZone === '') return problem('timeZone', 'Time zone is required: use a name like Europe/Lisbon');
  return problem('timeZone', `Time zone not recognised: ${quoted(timeZone)} — use a name like Europe/Lisbon`);
}

export function settingsProblems(settings: PairSettings): Problem[] {
  const problems = [...cadenceProblems(settings.cadence)];
  if (typeof settings.meetingTime !== 'string' || !MEETING_TIME.test(settings.meetingTime)) {
    problems.push(problem('meetingTime', 'Meeting time must be a time like 09:30, on a 24-hour clock'));
  }
  // A demo meeting may last a minute, so that a whole cycle fits in a few minutes.
  const shortest = isRecordWithKind(settings.cadence, 'demo') ? 1 : 5;
  if (!isWholeNumber(settings.durationMinutes, shortest, 480)) {
    problems.push(problem('durationMinutes', `Meeting length must be a whole number of minutes from ${shortest} to 480`));
  }
  if (!isKnownTimeZone(settings.timeZone)) problems.push(timeZoneProblem(settings.timeZone));
  problems.push(...offsetProblems(settings.offsets, settings.durationMinutes));
  if (!isWholeNumber(settings.feedbackEveryCycles, 1, 52))
    problems.push(problem('feedbackEveryCycles', 'Feedback every N meetings: N must be a whole number from 1 to 52'));
  if (!isWholeNumber(settings.skipNudgeAfter, 1, 52)) problems.push(problem('skipNudgeAfter', 'Skips before a nudge must be a whole number from 1 to 52'));
  problems.push(...workingDaysProblems(settings.workingDays));
  if (settings.calendarInvites !== undefined && typeof settings.calendarInvites !== 'boolean') {
    problems.push(problem('calendarInvites', 'Calendar invites must be on or off (true or false)'));
  }
  if (problems.length > 0) return problems;
  const span = settings.offsets.reflectionBefore + settings.offsets.followUpAfter;
  if (span >= shortestCadenceGap(settings.cadence)) {
    problems.push(
      problem(
        'offsets.reflectionBefore',
        'From the reflection form to the follow-up must take less than the time between two meetings: send the form later or the follow-up sooner',
        ['offsets.followUpAfter'],
      ),
    );
  }
  return problems;
}

export function mergeSettings(settings: PairSettings, change: Partial<PairSettings>): PairSettings {
  return { ...settings, ...change, offsets: { ...settings.offsets, ...(change.offsets ?? {}) } };
}
