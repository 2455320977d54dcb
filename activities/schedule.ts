// Works out when a pair meets and when each stage of a cycle falls due. All arithmetic is on the
// wall clock of the pair's time zone, so a 10:00 Europe/Berlin meeting stays at 10:00 local time
// across DST changes, and "48 hours before" means the same local time two days earlier. Forms and
// reminders keep to the pair's working days (see preparationTimes and followUpTime).
import { DateTime, IANAZone } from 'luxon';
import { DEFAULT_WORKING_DAYS, type Cadence, type CyclePlan, type PairSchedule, type PairSettings, type Stage } from '../workflows/pair-types';

/** What planning reads of a pair's settings: its schedule and the days its forms may land on. */
export type PlanningSchedule = PairSchedule & Pick<PairSettings, 'workingDays'>;

export interface PlanNextCycleRequest {
  schedule: PlanningSchedule;
  /** The slot of the previous cycle; null for a pair's first cycle. */
  afterSlot: number | null;
  now: number;
}

export interface PlanStagesRequest {
  schedule: PlanningSchedule;
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
function occurrenceAfter(schedule: PlanningSchedule, after: number, isFirst: boolean): number {
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

/** Whether an instant falls on one of the pair's working days, on its own clock; null when working days do not apply. */
type WorkingDayTest = ((instant: number) => boolean) | null;

/** The demo cadence meets minutes apart, so working days do not apply to it. */
function workingDayTest(schedule: PlanningSchedule): WorkingDayTest {
  if (schedule.cadence.kind === 'demo') return null;
  const days = new Set<number>(schedule.workingDays ?? DEFAULT_WORKING_DAYS);
  return (instant) => days.has(wallClockAt(instant, schedule.timeZone).weekday);
}

/** A week of days: every weekday comes up once, so a working day is among them. */
const DAYS_SEARCHED = 7;

/**
 * The stage at its own local time on the latest working day, from its day back over the week
 * before it, that is no later than `latest`; null when no such day is in that week.
 */
function onWorkingDayBefore(instant: number, latest: number, isWorkingDay: (instant: number) => boolean, timeZone: string): number | null {
  const reading = wallClockAt(instant, timeZone);
  for (let days = 0; days < DAYS_SEARCHED; days++) {
    const candidate = days === 0 ? instant : instantOf(reading.minus({ days }), timeZone);
    if (candidate <= latest && isWorkingDay(candidate)) return candidate;
  }
  return null;
}

/** The stage at its own local time on the first working day from its day on, if that comes before `bound`; null otherwise. */
function onWorkingDayAfter(instant: number, bound: number, isWorkingDay: (instant: number) => boolean, timeZone: string): number | null {
  const reading = wallClockAt(instant, timeZone);
  for (let days = 0; days < DAYS_SEARCHED; days++) {
    const candidate = days === 0 ? instant : instantOf(reading.plus({ days }), timeZone);
    if (candidate >= bound) return null;
    if (isWorkingDay(candidate)) return candidate;
  }
  return null;
}

type PreparationTimes = Pick<Record<Stage, number>, 'reflection' | 'reminder' | 'agenda'>;

/**
 * The stages before a meeting, each at its offset on the wall clock. Over a DST change that
 * arithmetic can bring a stage to or past its meeting (a small offset reaching back into a gap
 * resolves forward, after the meeting) or put two stages out of order. So, walking back from the
 * meeting, each stage is kept at least one minute before the stage after it (agenda before meeting,
 * reminder before agenda, reflection before reminder).
 *
 * Then working days, which the meeting ignores. The agenda is not a form and stays where it is (it
 * also closes the forms, so sending it earlier would shorten the time to answer them). The reminder
 * moves to the previous working day at the same local time. The reflection form does too, to the
 * latest working day at its local time that is still at least a minute before the reminder, so that
 * the report has a day to answer before being reminded: a Monday meeting's reflection (Saturday)
 * goes out on Thursday when the reminder (Sunday) takes Friday. With so few working days that no day
 * of the week before it qualifies, it goes out a minute before the reminder.
 */
function preparationTimes(schedule: PlanningSchedule, meetingAt: number): PreparationTimes {
  const { offsets, timeZone } = schedule;
  const onWallClock = (minutes: number) => shiftWallClock(meetingAt, minutes, timeZone);
  const agenda = Math.min(onWallClock(-offsets.agendaBefore), meetingAt - MINUTE);
  const reminderAt = Math.min(onWallClock(-offsets.reminderBefore), agenda - MINUTE);
  const reflectionAt = Math.min(onWallClock(-offsets.reflectionBefore), reminderAt - MINUTE);
  const isWorkingDay = workingDayTest(schedule);
  if (!isWorkingDay) return { reflection: reflectionAt, reminder: reminderAt, agenda };
  const reminder = onWorkingDayBefore(reminderAt, agenda - MINUTE, isWorkingDay, timeZone) ?? reminderAt;
  const reflection = onWorkingDayBefore(reflectionAt, reminder - MINUTE, isWorkingDay, timeZone) ?? reminder - MINUTE;
  return { reflection, reminder, agenda };
}

/**
 * The follow-up at its offset on the wall clock, never before the meeting's end (which a DST change
 * during the meeting could otherwise bring about). It is a form, but moving it earlier would put it
 * before the meeting, so on a day that is not a working day it moves to the NEXT working day at the
 * same local time; unless that day would reach the next meeting's reflection form, then it stays
 * where it is (the next cycle begins only after the follow-up: later still, it would make that
 * meeting's forms late, or miss the meeting itself).
 */
function followUpTime(schedule: PlanningSchedule, meetingAt: number, followingSlotAt: number): number {
  const { offsets, timeZone, durationMinutes } = schedule;
  const followUpAt = Math.max(shiftWallClock(meetingAt, offsets.followUpAfter, timeZone), meetingAt + durationMinutes * MINUTE);
  const isWorkingDay = workingDayTest(schedule);
  if (!isWorkingDay) return followUpAt;
  const nextReflection = preparationTimes(schedule, followingSlotAt).reflection;
  return onWorkingDayAfter(followUpAt, nextReflection, isWorkingDay, timeZone) ?? followUpAt;
}

/** Every stage of the meeting at `meetingAt`, reflection < reminder < agenda < meeting < follow-up. */
function stageTimes(schedule: PlanningSchedule, meetingAt: number, followingSlotAt: number): Record<Stage, number> {
  return { ...preparationTimes(schedule, meetingAt), meeting: meetingAt, followUp: followUpTime(schedule, meetingAt, followingSlotAt) };
}

/**
 * The next meeting of a pair: the first occurrence after the previous slot that is still ahead.
 * A pair's first meeting is the first occurrence whose reflection form can still go out on time.
 */
export function planNextCycle({ schedule, afterSlot, now }: PlanNextCycleRequest): CyclePlan {
  let slot: number;
  if (afterSlot === null) {
    slot = occurrenceAfter(schedule, now, true);
    while (preparationTimes(schedule, slot).reflection < now) slot = occurrenceAfter(schedule, slot, true);
  } else {
    slot = occurrenceAfter(schedule, afterSlot, false);
    // Slots missed while the pair was paused or the workers were down are not replayed.
    while (slot <= now) slot = occurrenceAfter(schedule, slot, false);
  }
  const followingSlotAt = occurrenceAfter(schedule, slot, false);
  return { slotAt: slot, meetingAt: slot, stageAt: stageTimes(schedule, slot, followingSlotAt), followingSlotAt };
}

/** Stage times around a meeting that was moved, or whose offsets changed. */
export function planStages({ schedule, slotAt, meetingAt }: PlanStagesRequest): CyclePlan {
  const followingSlotAt = occurrenceAfter(schedule, slotAt, false);
  return { slotAt, meetingAt, stageAt: stageTimes(schedule, meetingAt, followingSlotAt), followingSlotAt };
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
