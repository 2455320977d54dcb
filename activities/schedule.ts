// Works out when a pair meets and when each stage of a cycle falls due. All arithmetic is on the
// wall clock of the pair's time zone, so a 10:00 Europe/Berlin meeting stays at 10:00 local time
// across DST changes, and "48 hours before" means the same local time two days earlier.
import { DateTime, IANAZone } from 'luxon';
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

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Every UTC offset in use lies within this distance of UTC (UTC−12 to UTC+14). */
const WIDEST_OFFSET = 14 * HOUR;

type WeeklyCadence = Extract<Cadence, { kind: 'weekly' }>;
type MonthlyCadence = Extract<Cadence, { kind: 'monthly' }>;

/**
 * A reading of a wall clock (a local date and time, or a calendar day at midnight) with no zone,
 * held as a luxon DateTime in UTC: UTC has no DST, so day and minute arithmetic on it is plain
 * wall-clock arithmetic. Only `instantOf` turns a reading into an instant.
 */
type WallClockReading = DateTime;

/** The instant of the pair's meeting on a calendar day. */
type MeetingOn = (day: WallClockReading) => number;

function wallClockAt(instant: number, timeZone: string): WallClockReading {
  const local = DateTime.fromMillis(instant, { zone: timeZone });
  return DateTime.utc(local.year, local.month, local.day, local.hour, local.minute);
}

/**
 * The instant at which the zone's clocks show `reading`, decided by the zone's rules on that date
 * alone. Luxon's own resolution is not used because it depends on where it starts:
 * `DateTime.fromObject` guesses the offset in force at luxon's clock (the real now), and `set` and
 * `plus` keep the offset of the DateTime they start from, so a repeated hour would resolve
 * differently when planned in July than in November.
 * - A time the clocks show twice (clocks going back) is the earlier of the two instants.
 * - A time the clocks never show (clocks going forward) is read with the offset in force before the
 *   change, so it moves forward by the length of the gap: 02:30 on Berlin's spring day is 03:30.
 * These are the rules of RFC 5545 and of java.time and TC39 Temporal ("compatible").
 */
function instantOf(reading: WallClockReading, timeZone: string): number {
  const zone = IANAZone.create(timeZone);
  const asIfUtc = reading.toMillis();
  // Assumes at most one offset change within 14 hours either side, as in every zone's rules.
  const offsetBefore = zone.offset(asIfUtc - WIDEST_OFFSET);
  const offsetAfter = zone.offset(asIfUtc + WIDEST_OFFSET);
  if (offsetBefore === offsetAfter) return asIfUtc - offsetBefore * MINUTE;
  const showsReading = (offset: number) => zone.offset(asIfUtc - offset * MINUTE) === offset;
  const instants = [offsetBefore, offsetAfter].filter(showsReading).map((offset) => asIfUtc - offset * MINUTE);
  if (instants.length > 0) return Math.min(...instants);
  return asIfUtc - offsetBefore * MINUTE;
}

/** Shifts an instant by minutes on the local wall clock rather than by elapsed time. */
export function shiftWallClock(instant: number, minutes: number, timeZone: string): number {
  return instantOf(wallClockAt(instant, timeZone).plus({ minutes }), timeZone);
}

function atMeetingTime(day: WallClockReading, meetingTime: string): WallClockReading {
  const [hour, minute] = meetingTime.split(':').map(Number);
  return day.set({ hour, minute, second: 0, millisecond: 0 });
}

/** The Nth (or last, ordinal -1) given weekday of the month containing `day`. */
function nthWeekdayOfMonth(day: WallClockReading, ordinal: number, weekday: number): WallClockReading {
  if (ordinal === -1) {
    const last = day.endOf('month').startOf('day');
    return last.minus({ days: (last.weekday - weekday + 7) % 7 });
  }
  const first = day.startOf('month');
  return first.plus({ days: ((weekday - first.weekday + 7) % 7) + (ordinal - 1) * 7 });
}

function weeklyOccurrenceAfter(cadence: WeeklyCadence, meetingOn: MeetingOn, after: number, afterDay: WallClockReading, isFirst: boolean): number {
  // After a previous slot the next one is at least everyWeeks weeks on (less the day itself).
  const earliest = afterDay.plus({ days: isFirst ? 0 : (cadence.everyWeeks - 1) * 7 + 1 });
  let day = earliest.plus({ days: (cadence.weekday - earliest.weekday + 7) % 7 });
  let candidate = meetingOn(day);
  // A first meeting sets the phase of the cadence, so it is simply the next such weekday.
  const step = isFirst ? 1 : cadence.everyWeeks;
  while (candidate <= after) {
    day = day.plus({ weeks: step });
    candidate = meetingOn(day);
  }
  return candidate;
}

function monthlyOccurrenceAfter(cadence: MonthlyCadence, meetingOn: MeetingOn, after: number, afterDay: WallClockReading): number {
  let month = afterDay.startOf('month');
  for (;;) {
    const candidate = meetingOn(nthWeekdayOfMonth(month, cadence.ordinal, cadence.weekday));
    if (candidate > after) return candidate;
    month = month.plus({ months: 1 });
  }
}

/** The first cadence occurrence strictly after the instant `after`. */
function occurrenceAfter(schedule: PairSchedule, after: number, isFirst: boolean): number {
  const { cadence, meetingTime, timeZone } = schedule;
  if (cadence.kind === 'demo') {
    // The first demo meeting is on the next whole minute (every zone's offset is whole minutes, so a
    // whole minute of UTC is one locally); the rest follow every N minutes.
    return isFirst ? Math.floor(after / MINUTE) * MINUTE + MINUTE : after + cadence.everyMinutes * MINUTE;
  }
  const meetingOn: MeetingOn = (day) => instantOf(atMeetingTime(day, meetingTime), timeZone);
  const afterDay = wallClockAt(after, timeZone).startOf('day');
  if (cadence.kind === 'weekly') return weeklyOccurrenceAfter(cadence, meetingOn, after, afterDay, isFirst);
  return monthlyOccurrenceAfter(cadence, meetingOn, after, afterDay);
}

/**
 * Each stage at its offset on the wall clock. Over a DST change that arithmetic can bring a stage
 * to or past its meeting (a small offset reaching back into a gap resolves forward, after the
 * meeting) or put two stages out of order. So, walking back from the meeting, each preparation
 * stage is kept at least one minute before the stage after it (agenda before meeting, reminder
 * before agenda, reflection before reminder), and the follow-up is never before the meeting's end.
 */
function stageTimes(schedule: PairSchedule, meetingAt: number): Record<Stage, number> {
  const { offsets, timeZone, durationMinutes } = schedule;
  const onWallClock = (minutes: number) => shiftWallClock(meetingAt, minutes, timeZone);
  const agenda = Math.min(onWallClock(-offsets.agendaBefore), meetingAt - MINUTE);
  const reminder = Math.min(onWallClock(-offsets.reminderBefore), agenda - MINUTE);
  const reflection = Math.min(onWallClock(-offsets.reflectionBefore), reminder - MINUTE);
  const followUp = Math.max(onWallClock(offsets.followUpAfter), meetingAt + durationMinutes * MINUTE);
  return { reflection, reminder, agenda, meeting: meetingAt, followUp };
}

/**
 * The next meeting of a pair: the first occurrence after the previous slot that is still ahead.
 * A pair's first meeting is the first occurrence whose reflection form can still go out on time.
 */
export function planNextCycle({ schedule, afterSlot, now }: PlanNextCycleRequest): CyclePlan {
  let slot: number;
  if (afterSlot === null) {
    slot = occurrenceAfter(schedule, now, true);
    while (stageTimes(schedule, slot).reflection < now) slot = occurrenceAfter(schedule, slot, true);
  } else {
    slot = occurrenceAfter(schedule, afterSlot, false);
    // Slots missed while the pair was paused or the workers were down are not replayed.
    while (slot <= now) slot = occurrenceAfter(schedule, slot, false);
  }
  return { slotAt: slot, meetingAt: slot, stageAt: stageTimes(schedule, slot), followingSlotAt: occurrenceAfter(schedule, slot, false) };
}

/** Stage times around a meeting that was moved, or whose offsets changed. */
export function planStages({ schedule, slotAt, meetingAt }: PlanStagesRequest): CyclePlan {
  return { slotAt, meetingAt, stageAt: stageTimes(schedule, meetingAt), followingSlotAt: occurrenceAfter(schedule, slotAt, false) };
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
