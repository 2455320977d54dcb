// Works out when a pair meets and when each stage of a cycle falls due. All arithmetic is on the
// wall clock of the pair's time zone, so a 10:00 Europe/Berlin meeting stays at 10:00 local time
// across DST changes, and "48 hours before" means the same local time two days earlier.
import { DateTime } from 'luxon';
import type { Cadence, CyclePlan, PairSchedule, Stage } from '../workflows/pair-types';

export interface PlanNextCycleRequest {
  schedule: PairSchedule;
  /** The slot of the previous cycle; null for a pair's first cycle. */
  afterSlot: number | null;
  now: number;
}

export interface PlanStagesRequest {
  schedule: PairSchedule;
  slotAt: number;
  meetingAt: number;
}

function atMeetingTime(day: DateTime, meetingTime: string): DateTime {
  const [hour, minute] = meetingTime.split(':').map(Number);
  return day.set({ hour, minute, second: 0, millisecond: 0 });
}

/** The Nth (or last, ordinal -1) given weekday of the month containing `day`. */
function nthWeekdayOfMonth(day: DateTime, ordinal: number, weekday: number): DateTime {
  if (ordinal === -1) {
    const last = day.endOf('month').startOf('day');
    return last.minus({ days: (last.weekday - weekday + 7) % 7 });
  }
  const first = day.startOf('month');
  return first.plus({ days: ((weekday - first.weekday + 7) % 7) + (ordinal - 1) * 7 });
}

/** The first cadence occurrence strictly after `after` (a local DateTime in the pair's zone). */
function occurrenceAfter(cadence: Cadence, meetingTime: string, after: DateTime, isFirst: boolean): DateTime {
  if (cadence.kind === 'demo') {
    // The first demo meeting is on the next whole minute; the rest follow every N minutes.
    return isFirst ? after.startOf('minute').plus({ minutes: 1 }) : after.plus({ minutes: cadence.everyMinutes });
  }
  if (cadence.kind === 'weekly') {
    // After a previous slot the next one is at least everyWeeks weeks on (less the day itself).
    const gapDays = isFirst ? 0 : (cadence.everyWeeks - 1) * 7 + 1;
    let day = after.startOf('day').plus({ days: gapDays });
    day = day.plus({ days: (cadence.weekday - day.weekday + 7) % 7 });
    let candidate = atMeetingTime(day, meetingTime);
    // A first meeting sets the phase of the cadence, so it is simply the next such weekday.
    const step = isFirst ? 1 : cadence.everyWeeks;
    while (candidate <= after) candidate = atMeetingTime(candidate.plus({ weeks: step }), meetingTime);
    return candidate;
  }
  let month = after.startOf('month');
  for (;;) {
    const candidate = atMeetingTime(nthWeekdayOfMonth(month, cadence.ordinal, cadence.weekday), meetingTime);
    if (candidate > after) return candidate;
    month = month.plus({ months: 1 });
  }
}

/** Shifts an instant by minutes on the local wall clock rather than by elapsed time. */
export function shiftWallClock(instant: number, minutes: number, timeZone: string): number {
  const local = DateTime.fromMillis(instant, { zone: timeZone });
  const shifted = DateTime.fromObject({ year: local.year, month: local.month, day: local.day, hour: local.hour, minute: local.minute }, { zone: 'UTC' }).plus({
    minutes,
  });
  return DateTime.fromObject(
    { year: shifted.year, month: shifted.month, day: shifted.day, hour: shifted.hour, minute: shifted.minute },
    { zone: timeZone },
  ).toMillis();
}

function stageTimes(schedule: PairSchedule, meetingAt: number): Record<Stage, number> {
  const { offsets, timeZone } = schedule;
  return {
    reflection: shiftWallClock(meetingAt, -offsets.reflectionBefore, timeZone),
    reminder: shiftWallClock(meetingAt, -offsets.reminderBefore, timeZone),
    agenda: shiftWallClock(meetingAt, -offsets.agendaBefore, timeZone),
    meeting: meetingAt,
    followUp: shiftWallClock(meetingAt, offsets.followUpAfter, timeZone),
  };
}

function nextSlot(schedule: PairSchedule, after: number): number {
  const local = DateTime.fromMillis(after, { zone: schedule.timeZone });
  return occurrenceAfter(schedule.cadence, schedule.meetingTime, local, false).toMillis();
}

/**
 * The next meeting of a pair: the first occurrence after the previous slot that is still ahead.
 * A pair's first meeting is the first occurrence whose reflection form can still go out on time.
 */
export function planNextCycle({ schedule, afterSlot, now }: PlanNextCycleRequest): CyclePlan {
  const zone = schedule.timeZone;
  let slot: number;
  if (afterSlot === null) {
    const firstAfter = (instant: number) => occurrenceAfter(schedule.cadence, schedule.meetingTime, DateTime.fromMillis(instant, { zone }), true).toMillis();
    slot = firstAfter(now);
    while (stageTimes(schedule, slot).reflection < now) slot = firstAfter(slot);
  } else {
    slot = nextSlot(schedule, afterSlot);
    // Slots missed while the pair was paused or the workers were down are not replayed.
    while (slot <= now) slot = nextSlot(schedule, slot);
  }
  return { slotAt: slot, meetingAt: slot, stageAt: stageTimes(schedule, slot), followingSlotAt: nextSlot(schedule, slot) };
}

/** Stage times around a meeting that was moved, or whose offsets changed. */
export function planStages({ schedule, slotAt, meetingAt }: PlanStagesRequest): CyclePlan {
  return { slotAt, meetingAt, stageAt: stageTimes(schedule, meetingAt), followingSlotAt: nextSlot(schedule, slotAt) };
}

export function createScheduleActivities() {
  return {
    async planNextCycle(request: PlanNextCycleRequest): Promise<CyclePlan> {
      return planNextCycle(request);
    },
    async planStages(request: PlanStagesRequest): Promise<CyclePlan> {
      return planStages(request);
    },
  };
}
