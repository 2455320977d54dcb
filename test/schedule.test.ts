import { DateTime, Settings } from 'luxon';
import { planNextCycle, planStages, shiftWallClock, type PlanningSchedule } from '../activities/schedule';
import { DEFAULT_OFFSETS, STAGES, type CyclePlan, type Weekday } from '../workflows/pair-types';
import { sentencesOf } from '../workflows/problem-list';
import { settingsProblems } from '../workflows/schedule-rules';

const berlinTuesdays: PlanningSchedule = {
  cadence: { kind: 'weekly', everyWeeks: 1, weekday: 2 },
  meetingTime: '10:00',
  durationMinutes: 30,
  timeZone: 'Europe/Berlin',
  offsets: DEFAULT_OFFSETS,
};

/** Every day a working day: stages stay where the wall clock puts them (the tests of DST arithmetic). */
const EVERY_DAY: Weekday[] = [1, 2, 3, 4, 5, 6, 7];
const allWeek: PlanningSchedule = { ...berlinTuesdays, workingDays: EVERY_DAY };

const at = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toMillis();
const local = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toFormat('ccc yyyy-MM-dd HH:mm');

function slots(schedule: PlanningSchedule, startIso: string, count: number): number[] {
  const plans = [planNextCycle({ schedule, afterSlot: null, now: at(startIso, schedule.timeZone) })];
  while (plans.length < count) {
    const previous = plans[plans.length - 1];
    plans.push(planNextCycle({ schedule, afterSlot: previous.slotAt, now: previous.stageAt.followUp }));
  }
  return plans.map((p) => p.meetingAt);
}

describe('meeting times across DST', () => {
  it('keeps a 10:00 Europe/Berlin meeting at 10:00 local in March and October', () => {
    const meetings = slots(berlinTuesdays, '2026-03-15T12:00', 4);
    expect(meetings.map((m) => local(m, 'Europe/Berlin'))).toEqual([
      'Tue 2026-03-24 10:00',
      'Tue 2026-03-31 10:00',
      'Tue 2026-04-07 10:00',
      'Tue 2026-04-14 10:00',
    ]);
    // The instant moves by an hour when summer time starts on 29 March.
    expect(new Date(meetings[0]).toISOString()).toBe('2026-03-24T09:00:00.000Z');
    expect(new Date(meetings[1]).toISOString()).toBe('2026-03-31T08:00:00.000Z');

    const autumn = slots(berlinTuesdays, '2026-10-15T12:00', 3);
    expect(autumn.map((m) => local(m, 'Europe/Berlin'))).toEqual(['Tue 2026-10-20 10:00', 'Tue 2026-10-27 10:00', 'Tue 2026-11-03 10:00']);
    expect(new Date(autumn[0]).toISOString()).toBe('2026-10-20T08:00:00.000Z');
    expect(new Date(autumn[1]).toISOString()).toBe('2026-10-27T09:00:00.000Z');
  });

  it('sends stages at the same local time on the day DST changes', () => {
    // Meeting Monday 30 March; the reflection form goes out two days before, before summer time.
    const monday = at('2026-03-30T10:00', 'Europe/Berlin');
    const plan = planStages({ schedule: allWeek, slotAt: monday, meetingAt: monday });
    expect(local(plan.stageAt.reflection, 'Europe/Berlin')).toBe('Sat 2026-03-28 10:00');
    expect(local(plan.stageAt.reminder, 'Europe/Berlin')).toBe('Sun 2026-03-29 10:00');
    expect(local(plan.stageAt.agenda, 'Europe/Berlin')).toBe('Mon 2026-03-30 09:00');
    expect(local(plan.stageAt.followUp, 'Europe/Berlin')).toBe('Tue 2026-03-31 10:00');
    // 47 elapsed hours, not 48: the wall clock decides.
    expect((plan.meetingAt - plan.stageAt.reflection) / 3_600_000).toBe(47);
  });

  it('keeps a 09:30 America/New_York meeting at 09:30 local across both changes', () => {
    const schedule: PlanningSchedule = {
      ...berlinTuesdays,
      timeZone: 'America/New_York',
      meetingTime: '09:30',
      cadence: { kind: 'weekly', everyWeeks: 1, weekday: 1 },
    };
    const spring = slots(schedule, '2026-02-25T12:00', 3);
    expect(spring.map((m) => local(m, 'America/New_York'))).toEqual(['Mon 2026-03-02 09:30', 'Mon 2026-03-09 09:30', 'Mon 2026-03-16 09:30']);
    expect(new Date(spring[0]).toISOString()).toBe('2026-03-02T14:30:00.000Z');
    expect(new Date(spring[1]).toISOString()).toBe('2026-03-09T13:30:00.000Z');
    const autumn = slots(schedule, '2026-10-20T12:00', 2);
    expect(autumn.map((m) => local(m, 'America/New_York'))).toEqual(['Mon 2026-10-26 09:30', 'Mon 2026-11-02 09:30']);
    expect(new Date(autumn[1]).toISOString()).toBe('2026-11-02T14:30:00.000Z');
  });

  it('shifts by wall-clock minutes across a DST gap', () => {
    const sundayNoon = at('2026-03-29T12:00', 'Europe/Berlin');
    expect(local(shiftWallClock(sundayNoon, -24 * 60, 'Europe/Berlin'), 'Europe/Berlin')).toBe('Sat 2026-03-28 12:00');
  });
});

describe('cadences', () => {
  it('meets every second week on the chosen weekday', () => {
    const schedule: PlanningSchedule = { ...berlinTuesdays, cadence: { kind: 'weekly', everyWeeks: 2, weekday: 5 } };
    expect(slots(schedule, '2026-05-01T12:00', 3).map((m) => local(m, 'Europe/Berlin'))).toEqual([
      'Fri 2026-05-08 10:00',
      'Fri 2026-05-22 10:00',
      'Fri 2026-06-05 10:00',
    ]);
  });

  it('meets monthly on the first Monday and on the last Friday', () => {
    const firstMonday: PlanningSchedule = { ...berlinTuesdays, cadence: { kind: 'monthly', ordinal: 1, weekday: 1 } };
    expect(slots(firstMonday, '2026-01-10T12:00', 3).map((m) => local(m, 'Europe/Berlin'))).toEqual([
      'Mon 2026-02-02 10:00',
      'Mon 2026-03-02 10:00',
      'Mon 2026-04-06 10:00',
    ]);
    const lastFriday: PlanningSchedule = { ...berlinTuesdays, cadence: { kind: 'monthly', ordinal: -1, weekday: 5 } };
    expect(slots(lastFriday, '2026-01-01T12:00', 3).map((m) => local(m, 'Europe/Berlin'))).toEqual([
      'Fri 2026-01-30 10:00',
      'Fri 2026-02-27 10:00',
      'Fri 2026-03-27 10:00',
    ]);
  });

  it('plans a first meeting whose reflection form can still go out on time', () => {
    // Created on Monday at noon: Tuesday's reflection (Sunday 10:00) has passed, so next week.
    const plan = planNextCycle({ schedule: berlinTuesdays, afterSlot: null, now: at('2026-06-01T12:00', 'Europe/Berlin') });
    expect(local(plan.meetingAt, 'Europe/Berlin')).toBe('Tue 2026-06-09 10:00');
    expect(local(plan.followingSlotAt, 'Europe/Berlin')).toBe('Tue 2026-06-16 10:00');
  });

  it('does not replay slots missed while paused', () => {
    const lastSlot = at('2026-06-02T10:00', 'Europe/Berlin');
    const plan = planNextCycle({ schedule: berlinTuesdays, afterSlot: lastSlot, now: at('2026-06-20T08:00', 'Europe/Berlin') });
    expect(local(plan.meetingAt, 'Europe/Berlin')).toBe('Tue 2026-06-23 10:00');
  });

  it('keeps the cadence slot when a meeting is rescheduled', () => {
    const slot = at('2026-06-09T10:00', 'Europe/Berlin');
    const moved = at('2026-06-10T15:00', 'Europe/Berlin');
    const plan = planStages({ schedule: berlinTuesdays, slotAt: slot, meetingAt: moved });
    expect(plan.slotAt).toBe(slot);
    expect(local(plan.stageAt.agenda, 'Europe/Berlin')).toBe('Wed 2026-06-10 14:00');
    expect(local(plan.followingSlotAt, 'Europe/Berlin')).toBe('Tue 2026-06-16 10:00');
  });
});

describe('settings validation', () => {
  const valid = { ...berlinTuesdays, feedbackEveryCycles: 4, skipNudgeAfter: 3 };

  it('accepts the defaults', () => {
    expect(settingsProblems(valid)).toEqual([]);
  });

  it.each([
    [{ cadence: { kind: 'monthly', ordinal: 5, weekday: 1 } }, 'a fifth does not occur every month'],
    [{ cadence: { kind: 'weekly', everyWeeks: 0, weekday: 1 } }, 'Weeks between meetings must be a whole number from 1 to 52'],
    [{ cadence: { kind: 'daily' } }, 'Cadence must be weekly or monthly (or demo, a meeting every few minutes for trying Rapport out)'],
    [{ cadence: { kind: 'weekly', everyWeeks: 1, weekday: 8 } }, 'Weekday must be a day from Monday (1) to Sunday (7)'],
    [{ timeZone: 'Mars/Olympus' }, 'Time zone not recognised: Mars/Olympus — use a name like Europe/Lisbon'],
    [{ meetingTime: '25:00' }, 'Meeting time must be a time like 09:30'],
    [{ offsets: { ...DEFAULT_OFFSETS, reminderBefore: 30 } }, 'The reminder must go out before the agenda'],
    [{ offsets: { ...DEFAULT_OFFSETS, reminderBefore: 3000 } }, 'The reminder must go out after the reflection form'],
    [{ offsets: { ...DEFAULT_OFFSETS, followUpAfter: 10 } }, 'The follow-up must go out after the meeting ends'],
    [{ offsets: { ...DEFAULT_OFFSETS, reflectionBefore: 6 * 24 * 60 } }, 'must take less than the time between two meetings'],
    [{ feedbackEveryCycles: 0 }, 'Feedback every N meetings: N must be a whole number from 1 to 52'],
    [{ cadence: { kind: 'demo', everyMinutes: 2 } }, 'Minutes between demo meetings must be a whole number from 3 to 1440'],
    [{ durationMinutes: 1 }, 'Meeting length must be a whole number of minutes from 5 to 480'],
  ])('rejects %j', (change, message) => {
    const problems = sentencesOf(settingsProblems({ ...valid, ...(change as object) }));
    expect(problems.join(' | ')).toContain(message);
  });
});

describe('the demo cadence', () => {
  const demo: PlanningSchedule = {
    cadence: { kind: 'demo', everyMinutes: 5 },
    meetingTime: '00:00',
    durationMinutes: 1,
    timeZone: 'Europe/Berlin',
    offsets: { reflectionBefore: 3, reminderBefore: 2, agendaBefore: 1, followUpAfter: 1 },
  };

  it('is valid with one-minute meetings, and refuses offsets that overrun the next meeting', () => {
    expect(settingsProblems({ ...demo, feedbackEveryCycles: 1, skipNudgeAfter: 3 })).toEqual([]);
    expect(sentencesOf(settingsProblems({ ...demo, offsets: { ...demo.offsets, followUpAfter: 2 }, feedbackEveryCycles: 1, skipNudgeAfter: 3 }))).toEqual([
      'From the reflection form to the follow-up must take less than the time between two meetings: send the form later or the follow-up sooner',
    ]);
  });

  it('sends the first reflection within a minute and then meets every N minutes', () => {
    const first = planNextCycle({ schedule: demo, afterSlot: null, now: at('2026-11-21T10:00:20', 'Europe/Berlin') });
    expect(local(first.stageAt.reflection, 'Europe/Berlin')).toBe('Sat 2026-11-21 10:01');
    expect(local(first.meetingAt, 'Europe/Berlin')).toBe('Sat 2026-11-21 10:04');
    expect(local(first.stageAt.followUp, 'Europe/Berlin')).toBe('Sat 2026-11-21 10:05');
    expect(slots(demo, '2026-11-21T10:00:20', 3).map((m) => local(m, 'Europe/Berlin'))).toEqual([
      'Sat 2026-11-21 10:04',
      'Sat 2026-11-21 10:09',
      'Sat 2026-11-21 10:14',
    ]);
  });
});

describe('working days', () => {
  const BERLIN = 'Europe/Berlin';
  const weeklyOnDay = (weekday: Weekday, change: Partial<PlanningSchedule> = {}): PlanningSchedule => ({
    ...berlinTuesdays,
    cadence: { kind: 'weekly', everyWeeks: 1, weekday },
    ...change,
  });
  const stagesOf = (schedule: PlanningSchedule, meetingIso: string) => {
    const meetingAt = at(meetingIso, schedule.timeZone);
    const { stageAt } = planStages({ schedule, slotAt: meetingAt, meetingAt });
    return Object.fromEntries(STAGES.map((stage) => [stage, local(stageAt[stage], schedule.timeZone)]));
  };

  it('moves a reflection form that would go out on Saturday to Friday at the same local time', () => {
    const schedule = weeklyOnDay(1, { offsets: { ...DEFAULT_OFFSETS, reminderBefore: 120 } });
    expect(stagesOf(schedule, '2026-06-15T10:00')).toEqual({
      reflection: 'Fri 2026-06-12 10:00',
      reminder: 'Mon 2026-06-15 08:00',
      agenda: 'Mon 2026-06-15 09:00',
      meeting: 'Mon 2026-06-15 10:00',
      followUp: 'Tue 2026-06-16 10:00',
    });
  });

  it('moves a Sunday reminder to Friday, and the reflection to the working day before it', () => {
    // Default offsets on a Monday: the reflection (Saturday) and the reminder (Sunday) would both
    // take Friday 10:00, so the reflection goes out on Thursday, a day before its reminder.
    expect(stagesOf(weeklyOnDay(1), '2026-06-15T10:00')).toEqual({
      reflection: 'Thu 2026-06-11 10:00',
      reminder: 'Fri 2026-06-12 10:00',
      agenda: 'Mon 2026-06-15 09:00',
      meeting: 'Mon 2026-06-15 10:00',
      followUp: 'Tue 2026-06-16 10:00',
    });
    // The same when the reflection is already on Friday and the reminder is moved onto it.
    const threeDays = weeklyOnDay(1, { offsets: { ...DEFAULT_OFFSETS, reflectionBefore: 72 * 60, reminderBefore: 48 * 60 } });
    expect(stagesOf(threeDays, '2026-06-15T10:00')).toMatchObject({ reflection: 'Thu 2026-06-11 10:00', reminder: 'Fri 2026-06-12 10:00' });
  });

  it('never moves the agenda or the meeting, and moves a weekend follow-up to the next working day', () => {
    // A Sunday meeting: its agenda stays on Sunday; the follow-up (Monday) is on a working day.
    expect(stagesOf(weeklyOnDay(7), '2026-06-14T10:00')).toEqual({
      reflection: 'Thu 2026-06-11 10:00',
      reminder: 'Fri 2026-06-12 10:00',
      agenda: 'Sun 2026-06-14 09:00',
      meeting: 'Sun 2026-06-14 10:00',
      followUp: 'Mon 2026-06-15 10:00',
    });
    // A Friday meeting's follow-up (Saturday) goes out on Monday, not before the meeting.
    expect(stagesOf(weeklyOnDay(5), '2026-06-12T10:00')).toMatchObject({ meeting: 'Fri 2026-06-12 10:00', followUp: 'Mon 2026-06-15 10:00' });
  });

  it("keeps a follow-up on its day when the next working day would reach the next meeting's reflection form", () => {
    // Thursday meetings with the reflection three days before (Monday) and the follow-up three days after (Sunday).
    const schedule = weeklyOnDay(4, { offsets: { ...DEFAULT_OFFSETS, reflectionBefore: 72 * 60, followUpAfter: 72 * 60 } });
    expect(settingsProblems({ ...schedule, feedbackEveryCycles: 4, skipNudgeAfter: 3 })).toEqual([]);
    const plan = planNextCycle({ schedule, afterSlot: null, now: at('2026-06-01T08:00', BERLIN) });
    expect(local(plan.meetingAt, BERLIN)).toBe('Thu 2026-06-04 10:00');
    expect(local(plan.stageAt.followUp, BERLIN)).toBe('Sun 2026-06-07 10:00');
    const next = planNextCycle({ schedule, afterSlot: plan.slotAt, now: plan.stageAt.followUp });
    expect(local(next.stageAt.reflection, BERLIN)).toBe('Mon 2026-06-08 10:00');
  });

  it('follows custom working days, also when they leave out the meeting day', () => {
    const tuesdayToSaturday: Weekday[] = [2, 3, 4, 5, 6];
    // A Wednesday meeting: the reflection (Monday) goes back to Saturday; the reminder (Tuesday) stays.
    expect(stagesOf(weeklyOnDay(3, { workingDays: tuesdayToSaturday }), '2026-06-17T10:00')).toMatchObject({
      reflection: 'Sat 2026-06-13 10:00',
      reminder: 'Tue 2026-06-16 10:00',
      followUp: 'Thu 2026-06-18 10:00',
    });
    // A Monday meeting, on a day that is not a working day: it stays on Monday, and so does its agenda.
    expect(stagesOf(weeklyOnDay(1, { workingDays: tuesdayToSaturday }), '2026-06-15T10:00')).toEqual({
      reflection: 'Fri 2026-06-12 10:00',
      reminder: 'Sat 2026-06-13 10:00',
      agenda: 'Mon 2026-06-15 09:00',
      meeting: 'Mon 2026-06-15 10:00',
      followUp: 'Tue 2026-06-16 10:00',
    });
    // One working day a week: the reflection and its reminder share it, a minute apart; the follow-up
    // stays on Tuesday, since Wednesday 10:00 is after the next meeting's reflection (Wednesday 09:59).
    expect(stagesOf(weeklyOnDay(1, { workingDays: [3] }), '2026-06-15T10:00')).toMatchObject({
      reflection: 'Wed 2026-06-10 09:59',
      reminder: 'Wed 2026-06-10 10:00',
      followUp: 'Tue 2026-06-16 10:00',
    });
  });

  it('changes nothing when every day is a working day', () => {
    expect(stagesOf({ ...weeklyOnDay(1), workingDays: EVERY_DAY }, '2026-06-15T10:00')).toEqual({
      reflection: 'Sat 2026-06-13 10:00',
      reminder: 'Sun 2026-06-14 10:00',
      agenda: 'Mon 2026-06-15 09:00',
      meeting: 'Mon 2026-06-15 10:00',
      followUp: 'Tue 2026-06-16 10:00',
    });
    expect(stagesOf({ ...weeklyOnDay(5), workingDays: EVERY_DAY }, '2026-06-12T10:00').followUp).toBe('Sat 2026-06-13 10:00');
  });

  it('keeps the local time of a stage moved across the DST weekend in Berlin', () => {
    // Summer time starts on Sunday 29 March: the reminder moves from Sunday to Friday, still 10:00 but in winter time.
    const spring = planStages({ schedule: weeklyOnDay(1), slotAt: at('2026-03-30T10:00', BERLIN), meetingAt: at('2026-03-30T10:00', BERLIN) });
    expect(local(spring.stageAt.reminder, BERLIN)).toBe('Fri 2026-03-27 10:00');
    expect(local(spring.stageAt.reflection, BERLIN)).toBe('Thu 2026-03-26 10:00');
    expect(iso(spring.stageAt.reminder)).toBe('2026-03-27T09:00:00.000Z');
    expect((spring.meetingAt - spring.stageAt.reminder) / 3_600_000).toBe(71);
    // Winter time starts on Sunday 25 October: the Friday before is still summer time.
    const autumn = planStages({ schedule: weeklyOnDay(1), slotAt: at('2026-10-26T10:00', BERLIN), meetingAt: at('2026-10-26T10:00', BERLIN) });
    expect(local(autumn.stageAt.reminder, BERLIN)).toBe('Fri 2026-10-23 10:00');
    expect(iso(autumn.stageAt.reminder)).toBe('2026-10-23T08:00:00.000Z');
    expect((autumn.meetingAt - autumn.stageAt.reminder) / 3_600_000).toBe(73);
  });

  it("reads a stage moved onto the day of a DST change by that day's rules", () => {
    // Sunday is a working day, Saturday is not: Friday 02:30 meetings send their follow-up on Sunday.
    const schedule = weeklyOnDay(5, { meetingTime: '02:30', workingDays: [1, 2, 3, 4, 5, 7] });
    // 02:30 does not exist on 29 March: it moves on by the gap, to 03:30 summer time.
    const spring = planStages({ schedule, slotAt: at('2026-03-27T02:30', BERLIN), meetingAt: at('2026-03-27T02:30', BERLIN) });
    expect(DateTime.fromMillis(spring.stageAt.followUp, { zone: BERLIN }).toISO()).toBe('2026-03-29T03:30:00.000+02:00');
    // 02:30 occurs twice on 25 October: the earlier, in summer time.
    const autumn = planStages({ schedule, slotAt: at('2026-10-23T02:30', BERLIN), meetingAt: at('2026-10-23T02:30', BERLIN) });
    expect(DateTime.fromMillis(autumn.stageAt.followUp, { zone: BERLIN }).toISO()).toBe('2026-10-25T02:30:00.000+02:00');
  });

  it('plans a first meeting whose moved reflection form can still go out on time', () => {
    // Created on Thursday at noon: Monday's reflection moved to Thursday 10:00 has passed, so the week after.
    const plan = planNextCycle({ schedule: weeklyOnDay(1), afterSlot: null, now: at('2026-06-11T12:00', BERLIN) });
    expect(local(plan.meetingAt, BERLIN)).toBe('Mon 2026-06-22 10:00');
    expect(local(plan.stageAt.reflection, BERLIN)).toBe('Thu 2026-06-18 10:00');
  });

  it('does not apply to the demo cadence', () => {
    const demo: PlanningSchedule = {
      cadence: { kind: 'demo', everyMinutes: 5 },
      meetingTime: '00:00',
      durationMinutes: 1,
      timeZone: BERLIN,
      offsets: { reflectionBefore: 3, reminderBefore: 2, agendaBefore: 1, followUpAfter: 1 },
      workingDays: [1],
    };
    // Saturday 21 November: every stage minutes apart on the day itself.
    const plan = planNextCycle({ schedule: demo, afterSlot: null, now: at('2026-11-21T10:00:20', BERLIN) });
    expect(STAGES.map((stage) => local(plan.stageAt[stage], BERLIN))).toEqual([
      'Sat 2026-11-21 10:01',
      'Sat 2026-11-21 10:02',
      'Sat 2026-11-21 10:03',
      'Sat 2026-11-21 10:04',
      'Sat 2026-11-21 10:05',
    ]);
  });
});

/** Runs `plan` with luxon's clock (Settings.now, which DateTime.fromObject consults) at `clockIso`. */
function withLuxonClockAt<T>(clockIso: string, plan: () => T): T {
  const original = Settings.now;
  Settings.now = () => Date.parse(clockIso);
  try {
    return plan();
  } finally {
    Settings.now = original;
  }
}

/** Luxon's clock in the winter, the summer and late October (after Europe's change, before New York's). */
const CLOCKS = ['2026-01-15T12:00:00Z', '2026-07-15T12:00:00Z', '2026-10-28T12:00:00Z'];

const iso = (ms: number) => new Date(ms).toISOString();

const QUARTER_HOUR = 15 * 60_000;
const DAY = 24 * 60 * 60_000;

/** The instants in `year` at which the zone's UTC offset changes (every zone changes on a quarter hour). */
function offsetChanges(zone: string, year: number): number[] {
  const offsetAt = (instant: number) => DateTime.fromMillis(instant, { zone }).offset;
  const changes: number[] = [];
  for (let hour = Date.UTC(year, 0, 1); hour < Date.UTC(year + 1, 0, 1); hour += 60 * 60_000) {
    if (offsetAt(hour) === offsetAt(hour + 60 * 60_000)) continue;
    let change = hour + QUARTER_HOUR;
    while (offsetAt(change) === offsetAt(hour)) change += QUARTER_HOUR;
    changes.push(change);
  }
  return changes;
}

function weeklyOn(dateIso: string, meetingTime: string, timeZone: string): PlanningSchedule {
  const weekday = DateTime.fromISO(dateIso).weekday as Weekday;
  return { ...allWeek, timeZone, meetingTime, cadence: { kind: 'weekly', everyWeeks: 1, weekday } };
}

/** The meeting on `dateIso`, planned from the slot a week before (with luxon's clock in each season) and as a first meeting. */
function meetingsPlannedFor(dateIso: string, meetingTime: string, timeZone: string): number[] {
  const schedule = weeklyOn(dateIso, meetingTime, timeZone);
  const weekBefore = at(`${DateTime.fromISO(dateIso).minus({ days: 7 }).toISODate()}T${meetingTime}`, timeZone);
  const fromPreviousSlot = CLOCKS.map((clock) =>
    withLuxonClockAt(clock, () => planNextCycle({ schedule, afterSlot: weekBefore, now: Math.min(Date.parse(clock), weekBefore) }).meetingAt),
  );
  const threeDaysBefore = DateTime.fromISO(`${dateIso}T12:00`, { zone: timeZone }).minus({ days: 3 });
  const asFirstMeeting = withLuxonClockAt(threeDaysBefore.toUTC().toISO() ?? '', () =>
    planNextCycle({ schedule, afterSlot: null, now: threeDaysBefore.toMillis() }),
  );
  return [...fromPreviousSlot, asFirstMeeting.meetingAt];
}

/** The reminder (24 hours of wall clock before the meeting) that falls on `dateIso`, planned with luxon's clock in every season. */
function remindersPlannedFor(dateIso: string, meetingTime: string, timeZone: string): number[] {
  const nextDay = DateTime.fromISO(dateIso).plus({ days: 1 }).toISODate() ?? '';
  const schedule = weeklyOn(nextDay, meetingTime, timeZone);
  const meetingAt = at(`${nextDay}T${meetingTime}`, timeZone);
  return CLOCKS.map((clock) => withLuxonClockAt(clock, () => planStages({ schedule, slotAt: meetingAt, meetingAt }).stageAt.reminder));
}

describe('local times that occur twice or not at all', () => {
  // [zone, local date, local time, the instant expected]: clocks going back repeat the time.
  const repeated: [string, string, string, string][] = [
    ['Europe/Berlin', '2026-10-25', '02:30', '2026-10-25T00:30:00.000Z'],
    ['America/New_York', '2026-11-01', '01:30', '2026-11-01T05:30:00.000Z'],
    ['Australia/Lord_Howe', '2026-04-05', '01:45', '2026-04-04T14:45:00.000Z'],
    ['Pacific/Chatham', '2026-04-05', '03:00', '2026-04-04T13:15:00.000Z'],
    ['America/Santiago', '2026-04-04', '23:30', '2026-04-05T02:30:00.000Z'],
  ];
  // Clocks going forward skip the time; it moves on by the length of the gap.
  const missing: [string, string, string, string][] = [
    ['Europe/Berlin', '2026-03-29', '02:30', '2026-03-29T01:30:00.000Z'],
    ['America/New_York', '2026-03-08', '02:30', '2026-03-08T07:30:00.000Z'],
    ['Australia/Lord_Howe', '2026-10-04', '02:15', '2026-10-03T15:45:00.000Z'],
    ['Pacific/Chatham', '2026-09-27', '03:00', '2026-09-26T14:15:00.000Z'],
    ['America/Santiago', '2026-09-06', '00:30', '2026-09-06T04:30:00.000Z'],
  ];

  it.each(repeated)('meets at the earlier instant of a repeated %s %s %s, whenever it is planned', (zone, date, time, expected) => {
    expect(meetingsPlannedFor(date, time, zone).map(iso)).toEqual([expected, expected, expected, expected]);
  });

  it.each(repeated)('sends a stage at the earlier instant of a repeated %s %s %s, whenever it is planned', (zone, date, time, expected) => {
    expect(remindersPlannedFor(date, time, zone).map(iso)).toEqual([expected, expected, expected]);
  });

  it.each(missing)('meets a missing %s %s %s later by the length of the gap, whenever it is planned', (zone, date, time, expected) => {
    expect(meetingsPlannedFor(date, time, zone).map(iso)).toEqual([expected, expected, expected, expected]);
  });

  it.each(missing)('sends a stage at a missing %s %s %s later by the length of the gap, whenever it is planned', (zone, date, time, expected) => {
    expect(remindersPlannedFor(date, time, zone).map(iso)).toEqual([expected, expected, expected]);
  });

  it('reads the repeated hour in Berlin as summer time and the missing one as 03:30', () => {
    const repeatedMeeting = meetingsPlannedFor('2026-10-25', '02:30', 'Europe/Berlin')[0];
    expect(DateTime.fromMillis(repeatedMeeting, { zone: 'Europe/Berlin' }).toISO()).toBe('2026-10-25T02:30:00.000+02:00');
    const missingMeeting = meetingsPlannedFor('2026-03-29', '02:30', 'Europe/Berlin')[0];
    expect(DateTime.fromMillis(missingMeeting, { zone: 'Europe/Berlin' }).toISO()).toBe('2026-03-29T03:30:00.000+02:00');
  });
});

describe('stages never meet their meeting', () => {
  const valid = (schedule: PlanningSchedule) => settingsProblems({ ...schedule, feedbackEveryCycles: 4, skipNudgeAfter: 3 });
  const stagesOf = (schedule: PlanningSchedule, meetingAt: number) => {
    const { stageAt } = planStages({ schedule, slotAt: meetingAt, meetingAt });
    return Object.fromEntries(Object.entries(stageAt).map(([stage, instant]) => [stage, local(instant, schedule.timeZone)]));
  };

  it('sends the agenda a minute before the meeting when agendaBefore is 0', () => {
    const schedule: PlanningSchedule = { ...berlinTuesdays, offsets: { ...DEFAULT_OFFSETS, agendaBefore: 0 } };
    expect(valid(schedule)).toEqual([]);
    expect(stagesOf(schedule, at('2026-06-09T10:00', 'Europe/Berlin')).agenda).toBe('Tue 2026-06-09 09:59');
  });

  it('keeps stages that reach back into a gap a minute apart before the meeting, in order', () => {
    // 03:10 is just after Berlin's clocks went from 02:00 to 03:00: 02:20, 02:30 and 02:40 do not
    // exist and would move on by an hour, past the meeting.
    const tight: PlanningSchedule = {
      ...allWeek,
      cadence: { kind: 'weekly', everyWeeks: 1, weekday: 7 },
      offsets: { reflectionBefore: 50, reminderBefore: 40, agendaBefore: 30, followUpAfter: 30 },
    };
    expect(valid(tight)).toEqual([]);
    expect(stagesOf(tight, at('2026-03-29T03:10', 'Europe/Berlin'))).toEqual({
      reflection: 'Sun 2026-03-29 03:07',
      reminder: 'Sun 2026-03-29 03:08',
      agenda: 'Sun 2026-03-29 03:09',
      meeting: 'Sun 2026-03-29 03:10',
      followUp: 'Sun 2026-03-29 03:40',
    });
    // At 04:00 only the reminder (02:40, moved on to 03:40) and the reflection (02:10, 03:10) would
    // overtake the agenda (03:10); they are kept before it.
    const later: PlanningSchedule = { ...tight, offsets: { reflectionBefore: 110, reminderBefore: 80, agendaBefore: 50, followUpAfter: 30 } };
    expect(valid(later)).toEqual([]);
    expect(stagesOf(later, at('2026-03-29T04:00', 'Europe/Berlin'))).toMatchObject({
      reflection: 'Sun 2026-03-29 03:08',
      reminder: 'Sun 2026-03-29 03:09',
      agenda: 'Sun 2026-03-29 03:10',
    });
  });

  it('sends the follow-up no earlier than the meeting ends when the clocks go forward during it', () => {
    // 01:30 to 04:00 EDT is 90 minutes; 90 minutes on the wall clock would be 03:00 EDT, an hour early.
    const long: PlanningSchedule = {
      ...allWeek,
      timeZone: 'America/New_York',
      durationMinutes: 90,
      cadence: { kind: 'weekly', everyWeeks: 1, weekday: 7 },
      offsets: { ...DEFAULT_OFFSETS, followUpAfter: 90 },
    };
    expect(valid(long)).toEqual([]);
    expect(stagesOf(long, at('2026-03-08T01:30', 'America/New_York')).followUp).toBe('Sun 2026-03-08 04:00');
  });

  it('sends the follow-up no earlier than the meeting ends when a meeting in the repeated hour would reach back', () => {
    // Moved to the second 02:20 of 25 October (CET); 02:50 on the wall clock is first read as summer time, before it.
    const schedule: PlanningSchedule = { ...allWeek, offsets: { ...DEFAULT_OFFSETS, followUpAfter: 30 } };
    const secondTwoTwenty = Date.parse('2026-10-25T01:20:00Z');
    for (const clock of CLOCKS) {
      const { stageAt } = withLuxonClockAt(clock, () => planStages({ schedule, slotAt: at('2026-10-27T10:00', 'Europe/Berlin'), meetingAt: secondTwoTwenty }));
      expect(iso(stageAt.followUp)).toBe('2026-10-25T01:50:00.000Z');
      // The agenda, an hour before on the wall clock, is at 01:20 summer time: two hours before.
      expect(iso(stageAt.agenda)).toBe('2026-10-24T23:20:00.000Z');
    }
  });
});

describe('stage order in awkward zones, every day of a year', () => {
  const ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kolkata', 'America/Santiago'];
  const CHANGES = new Map(ZONES.map((zone) => [zone, offsetChanges(zone, 2026)]));
  // Each lies in some zone's repeated or missing hour: Santiago's 23:00/00:00, New York's and Lord
  // Howe's 01:00–02:30, Berlin's 02:00–03:00, Chatham's 02:45–03:45.
  const MEETING_TIMES = ['00:30', '01:45', '02:30', '03:00', '23:30'];
  const OFFSET_SETS: [string, PlanningSchedule['offsets'], number][] = [
    ['default', DEFAULT_OFFSETS, 30],
    ['tight', { reflectionBefore: 90, reminderBefore: 60, agendaBefore: 30, followUpAfter: 30 }, 30],
    ['smallest', { reflectionBefore: 2, reminderBefore: 1, agendaBefore: 0, followUpAfter: 5 }, 5],
  ];

  function orderProblem(plan: CyclePlan): string | null {
    const { reflection, reminder, agenda, meeting, followUp } = plan.stageAt;
    if (!(reflection < reminder && reminder < agenda && agenda < meeting && meeting < followUp)) return 'stages out of order';
    if (plan.meetingAt !== meeting) return 'the meeting stage is not meetingAt';
    if (!(plan.followingSlotAt > plan.slotAt)) return 'the following slot is not after the slot';
    return null;
  }

  /** With `workingDays` given: a form or reminder on another day (where the rules leave none, don't give them). */
  function workingDayProblem(plan: CyclePlan, zone: string, workingDays: Weekday[] | undefined): string | null {
    if (!workingDays) return null;
    const offDay = (['reflection', 'reminder', 'followUp'] as const).find(
      (stage) => !workingDays.includes(DateTime.fromMillis(plan.stageAt[stage], { zone }).weekday as Weekday),
    );
    return offDay ? `${offDay} on a day that is not a working day` : null;
  }

  function problemsOf(plans: Iterable<[string, CyclePlan]>, workingDays?: Weekday[]): string[] {
    const problems: string[] = [];
    for (const [zone, plan] of plans) {
      const problem = orderProblem(plan) ?? workingDayProblem(plan, zone, workingDays);
      if (problem === null) continue;
      const stages = STAGES.map((stage) => `${stage} ${DateTime.fromMillis(plan.stageAt[stage], { zone }).toISO()}`);
      problems.push(`${zone}: ${problem}: ${stages.join(', ')}`);
      if (problems.length === 10) break;
    }
    return problems;
  }

  /** A weekly pair on each weekday at each meeting time, through every meeting of 2026. */
  function* everyDayOf2026(
    offsets: PlanningSchedule['offsets'],
    durationMinutes: number,
    workingDays?: Weekday[],
    zones = ZONES,
  ): Generator<[string, CyclePlan]> {
    for (const timeZone of zones) {
      for (const meetingTime of MEETING_TIMES) {
        for (let weekday = 1; weekday <= 7; weekday++) {
          const schedule: PlanningSchedule = {
            cadence: { kind: 'weekly', everyWeeks: 1, weekday: weekday as Weekday },
            meetingTime,
            durationMinutes,
            timeZone,
            offsets,
            ...(workingDays ? { workingDays } : {}),
          };
          const end = at('2027-01-01T00:00', timeZone);
          for (let plan = planNextCycle({ schedule, afterSlot: null, now: at('2025-12-20T00:00', timeZone) }); plan.meetingAt < end;) {
            yield [timeZone, plan];
            plan = planNextCycle({ schedule, afterSlot: plan.slotAt, now: plan.slotAt });
          }
        }
      }
    }
  }

  /** A meeting moved to every quarter hour from two days before each change to two days after it (both readings of a repeated time). */
  function* aroundEveryChange(offsets: PlanningSchedule['offsets'], durationMinutes: number): Generator<[string, CyclePlan]> {
    for (const timeZone of ZONES) {
      const schedule: PlanningSchedule = { ...berlinTuesdays, durationMinutes, timeZone, offsets };
      const slotAt = at('2026-12-29T10:00', timeZone);
      for (const change of CHANGES.get(timeZone) ?? []) {
        for (let meetingAt = change - 2 * DAY; meetingAt <= change + 2 * DAY; meetingAt += QUARTER_HOUR) {
          yield [timeZone, planStages({ schedule, slotAt, meetingAt })];
        }
      }
    }
  }

  it('finds the changes it walks around (Kolkata has none)', () => {
    expect(ZONES.map((zone) => (CHANGES.get(zone) ?? []).map(iso))).toEqual([
      ['2026-03-29T01:00:00.000Z', '2026-10-25T01:00:00.000Z'],
      ['2026-03-08T07:00:00.000Z', '2026-11-01T06:00:00.000Z'],
      ['2026-04-04T15:00:00.000Z', '2026-10-03T15:30:00.000Z'],
      ['2026-04-04T14:00:00.000Z', '2026-09-26T14:00:00.000Z'],
      [],
      ['2026-04-05T03:00:00.000Z', '2026-09-06T04:00:00.000Z'],
    ]);
  });

  it('keeps reflection < reminder < agenda < meeting < follow-up for meetings on every day of 2026', () => {
    // No working days given: Monday to Friday, and no form or reminder on a weekend.
    expect(problemsOf(everyDayOf2026(DEFAULT_OFFSETS, 30), [1, 2, 3, 4, 5])).toEqual([]);
  });

  it('keeps the order with working days Tuesday to Saturday, and with one working day a week', () => {
    // Two zones whose clocks change at midnight (Santiago) and on a quarter hour (Chatham), to keep the test quick.
    const zones = ['America/Santiago', 'Pacific/Chatham'];
    const tuesdayToSaturday: Weekday[] = [2, 3, 4, 5, 6];
    expect(problemsOf(everyDayOf2026(DEFAULT_OFFSETS, 30, tuesdayToSaturday, zones), tuesdayToSaturday)).toEqual([]);
    // One day a week leaves no room for every stage on it (see preparationTimes in activities/schedule.ts): the order alone holds.
    expect(problemsOf(everyDayOf2026(DEFAULT_OFFSETS, 30, [3], zones))).toEqual([]);
  });

  it.each(OFFSET_SETS)('keeps the order with %s offsets for a meeting at any quarter hour around a change', (_name, offsets, durationMinutes) => {
    expect(problemsOf(aroundEveryChange(offsets, durationMinutes), [1, 2, 3, 4, 5])).toEqual([]);
  });

  it("plans the same instants around every change whether luxon's clock is in January or in July", () => {
    const [, tight, duration] = OFFSET_SETS[1];
    const planned = (clock: string) => withLuxonClockAt(clock, () => [...aroundEveryChange(tight, duration)].map(([, plan]) => plan));
    const january = planned('2026-01-15T12:00:00Z');
    const july = planned('2026-07-15T12:00:00Z');
    expect(july.length).toBe(january.length);
    expect(july.filter((plan, i) => JSON.stringify(plan) !== JSON.stringify(january[i])).slice(0, 5)).toEqual([]);
  });
});
