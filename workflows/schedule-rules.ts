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

const WEEKDAY_PROBLEM = problem('cadence.weekday', 'cadence.weekday must be 1 (Monday) to 7 (Sunday)');

function weeklyProblems(cadence: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  if (!isWholeNumber(cadence.everyWeeks, 1, 52)) problems.push(problem('cadence.everyWeeks', 'cadence.everyWeeks must be a whole number from 1 to 52'));
  if (!isWeekday(cadence.weekday)) problems.push(WEEKDAY_PROBLEM);
  return problems;
}

function monthlyProblems(cadence: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  if (![1, 2, 3, 4, -1].includes(cadence.ordinal as number)) {
    problems.push(problem('cadence.ordinal', 'cadence.ordinal must be 1, 2, 3, 4 or -1 (last): a 5th weekday does not occur every month'));
  }
  if (!isWeekday(cadence.weekday)) problems.push(WEEKDAY_PROBLEM);
  return problems;
}

export function cadenceProblems(cadence: unknown): Problem[] {
  if (typeof cadence !== 'object' || cadence === null) return [problem('cadence', 'cadence is required')];
  const c = cadence as Record<string, unknown>;
  if (c.kind === 'weekly') return weeklyProblems(c);
  if (c.kind === 'monthly') return monthlyProblems(c);
  if (c.kind === 'demo') {
    return isWholeNumber(c.everyMinutes, 3, MINUTES_PER_DAY)
      ? []
      : [problem('cadence.everyMinutes', 'cadence.everyMinutes must be a whole number from 3 to 1440')];
  }
  return [problem('cadence.kind', 'cadence.kind must be "weekly" or "monthly" (or "demo", a meeting every few minutes for trying Rapport out)')];
}

export function offsetProblems(offsets: unknown, durationMinutes: unknown): Problem[] {
  if (typeof offsets !== 'object' || offsets === null) return [problem('offsets', 'offsets are required')];
  const o = offsets as Partial<Record<keyof StageOffsets, unknown>>;
  const problems: Problem[] = [];
  for (const key of ['reflectionBefore', 'reminderBefore', 'agendaBefore', 'followUpAfter'] as const) {
    if (!isWholeNumber(o[key], 0, 60 * MINUTES_PER_DAY)) problems.push(problem(`offsets.${key}`, `offsets.${key} must be whole minutes from 0 to 86400`));
  }
  if (problems.length > 0) return problems;
  const valid = o as StageOffsets;
  if (valid.reminderBefore >= valid.reflectionBefore) {
    problems.push(
      problem('offsets.reminderBefore', 'offsets.reminderBefore must be less than offsets.reflectionBefore: the reminder comes after the form', [
        'offsets.reflectionBefore',
      ]),
    );
  }
  if (valid.reminderBefore <= valid.agendaBefore) {
    problems.push(
      problem(
        'offsets.reminderBefore',
        'offsets.reminderBefore must be more than offsets.agendaBefore: the reminder must come before the agenda and the meeting',
        ['offsets.agendaBefore'],
      ),
    );
  }
  // A duration that is not a number has its own problem; comparing with it could even throw ({"toString": 1}).
  if (typeof durationMinutes === 'number' && valid.followUpAfter < durationMinutes) {
    problems.push(problem('offsets.followUpAfter', 'offsets.followUpAfter must be at least the meeting length: the follow-up comes after the meeting ends'));
  }
  return problems;
}

/** Every problem with a pair's settings; empty when they are valid. */
/** Working days: absent (Monday to Friday), or one to seven different weekdays. */
export function workingDaysProblems(workingDays: unknown): Problem[] {
  if (workingDays === undefined) return [];
  const valid = Array.isArray(workingDays) && workingDays.length >= 1 && workingDays.length <= 7 && workingDays.every(isWeekday);
  if (!valid) return [problem('workingDays', 'workingDays must list one to seven weekdays, 1 (Monday) to 7 (Sunday)')];
  if (new Set(workingDays).size !== workingDays.length) return [problem('workingDays', 'workingDays lists a weekday twice')];
  return [];
}

export function settingsProblems(settings: PairSettings): Problem[] {
  const problems = [...cadenceProblems(settings.cadence)];
  if (typeof settings.meetingTime !== 'string' || !MEETING_TIME.test(settings.meetingTime)) {
    problems.push(problem('meetingTime', 'meetingTime must be HH:MM on a 24-hour clock, e.g. 10:00'));
  }
  // A demo meeting may last a minute, so that a whole cycle fits in a few minutes.
  const shortest = isRecordWithKind(settings.cadence, 'demo') ? 1 : 5;
  if (!isWholeNumber(settings.durationMinutes, shortest, 480)) {
    problems.push(problem('durationMinutes', `durationMinutes must be a whole number from ${shortest} to 480`));
  }
  if (!isKnownTimeZone(settings.timeZone)) problems.push(problem('timeZone', `timeZone "${quoted(settings.timeZone)}" is not a known IANA time zone`));
  problems.push(...offsetProblems(settings.offsets, settings.durationMinutes));
  if (!isWholeNumber(settings.feedbackEveryCycles, 1, 52))
    problems.push(problem('feedbackEveryCycles', 'feedbackEveryCycles must be a whole number from 1 to 52'));
  if (!isWholeNumber(settings.skipNudgeAfter, 1, 52)) problems.push(problem('skipNudgeAfter', 'skipNudgeAfter must be a whole number from 1 to 52'));
  problems.push(...workingDaysProblems(settings.workingDays));
  if (settings.calendarInvites !== undefined && typeof settings.calendarInvites !== 'boolean') {
    problems.push(problem('calendarInvites', 'calendarInvites must be true or false'));
  }
  if (problems.length > 0) return problems;
  const span = settings.offsets.reflectionBefore + settings.offsets.followUpAfter;
  if (span >= shortestCadenceGap(settings.cadence)) {
    problems.push(
      problem('offsets.reflectionBefore', 'offsets.reflectionBefore plus offsets.followUpAfter must be shorter than the time between two meetings', [
        'offsets.followUpAfter',
      ]),
    );
  }
  return problems;
}

export function mergeSettings(settings: PairSettings, change: Partial<PairSettings>): PairSettings {
  return { ...settings, ...change, offsets: { ...settings.offsets, ...(change.offsets ?? {}) } };
}
