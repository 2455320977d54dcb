import { DateTime } from 'luxon';
import { planNextCycle, planStages, shiftWallClock } from '../activities/schedule';
import { DEFAULT_OFFSETS, type PairSchedule } from '../workflows/pair-types';
import { sentencesOf } from '../workflows/problem-list';
import { settingsProblems } from '../workflows/schedule-rules';

const berlinTuesdays: PairSchedule = {
  cadence: { kind: 'weekly', everyWeeks: 1, weekday: 2 },
  meetingTime: '10:00',
  durationMinutes: 30,
  timeZone: 'Europe/Berlin',
  offsets: DEFAULT_OFFSETS,
};

const at = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toMillis();
const local = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toFormat('ccc yyyy-MM-dd HH:mm');

function slots(schedule: PairSchedule, startIso: string, count: number): number[] {
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
    const plan = planStages({ schedule: berlinTuesdays, slotAt: monday, meetingAt: monday });
    expect(local(plan.stageAt.reflection, 'Europe/Berlin')).toBe('Sat 2026-03-28 10:00');
    expect(local(plan.stageAt.reminder, 'Europe/Berlin')).toBe('Sun 2026-03-29 10:00');
    expect(local(plan.stageAt.agenda, 'Europe/Berlin')).toBe('Mon 2026-03-30 09:00');
    expect(local(plan.stageAt.followUp, 'Europe/Berlin')).toBe('Tue 2026-03-31 10:00');
    // 47 elapsed hours, not 48: the wall clock decides.
    expect((plan.meetingAt - plan.stageAt.reflection) / 3_600_000).toBe(47);
  });

  it('keeps a 09:30 America/New_York meeting at 09:30 local across both changes', () => {
    const schedule: PairSchedule = {
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
    const schedule: PairSchedule = { ...berlinTuesdays, cadence: { kind: 'weekly', everyWeeks: 2, weekday: 5 } };
    expect(slots(schedule, '2026-05-01T12:00', 3).map((m) => local(m, 'Europe/Berlin'))).toEqual([
      'Fri 2026-05-08 10:00',
      'Fri 2026-05-22 10:00',
      'Fri 2026-06-05 10:00',
    ]);
  });

  it('meets monthly on the first Monday and on the last Friday', () => {
    const firstMonday: PairSchedule = { ...berlinTuesdays, cadence: { kind: 'monthly', ordinal: 1, weekday: 1 } };
    expect(slots(firstMonday, '2026-01-10T12:00', 3).map((m) => local(m, 'Europe/Berlin'))).toEqual([
      'Mon 2026-02-02 10:00',
      'Mon 2026-03-02 10:00',
      'Mon 2026-04-06 10:00',
    ]);
    const lastFriday: PairSchedule = { ...berlinTuesdays, cadence: { kind: 'monthly', ordinal: -1, weekday: 5 } };
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
    [{ cadence: { kind: 'monthly', ordinal: 5, weekday: 1 } }, 'a 5th weekday does not occur every month'],
    [{ cadence: { kind: 'weekly', everyWeeks: 0, weekday: 1 } }, 'cadence.everyWeeks must be a whole number from 1 to 52'],
    [{ cadence: { kind: 'daily' } }, 'cadence.kind must be "weekly" or "monthly" (or "demo", a meeting every few minutes for trying Rapport out)'],
    [{ cadence: { kind: 'weekly', everyWeeks: 1, weekday: 8 } }, 'cadence.weekday must be 1 (Monday) to 7 (Sunday)'],
    [{ timeZone: 'Mars/Olympus' }, 'timeZone "Mars/Olympus" is not a known IANA time zone'],
    [{ meetingTime: '25:00' }, 'meetingTime must be HH:MM'],
    [{ offsets: { ...DEFAULT_OFFSETS, reminderBefore: 30 } }, 'the reminder must come before the agenda and the meeting'],
    [{ offsets: { ...DEFAULT_OFFSETS, reminderBefore: 3000 } }, 'the reminder comes after the form'],
    [{ offsets: { ...DEFAULT_OFFSETS, followUpAfter: 10 } }, 'the follow-up comes after the meeting ends'],
    [{ offsets: { ...DEFAULT_OFFSETS, reflectionBefore: 6 * 24 * 60 } }, 'must be shorter than the time between two meetings'],
    [{ feedbackEveryCycles: 0 }, 'feedbackEveryCycles must be a whole number from 1 to 52'],
    [{ cadence: { kind: 'demo', everyMinutes: 2 } }, 'cadence.everyMinutes must be a whole number from 3 to 1440'],
    [{ durationMinutes: 1 }, 'durationMinutes must be a whole number from 5 to 480'],
  ])('rejects %j', (change, message) => {
    const problems = sentencesOf(settingsProblems({ ...valid, ...(change as object) }));
    expect(problems.join(' | ')).toContain(message);
  });
});

describe('the demo cadence', () => {
  const demo: PairSchedule = {
    cadence: { kind: 'demo', everyMinutes: 5 },
    meetingTime: '00:00',
    durationMinutes: 1,
    timeZone: 'Europe/Berlin',
    offsets: { reflectionBefore: 3, reminderBefore: 2, agendaBefore: 1, followUpAfter: 1 },
  };

  it('is valid with one-minute meetings, and refuses offsets that overrun the next meeting', () => {
    expect(settingsProblems({ ...demo, feedbackEveryCycles: 1, skipNudgeAfter: 3 })).toEqual([]);
    expect(sentencesOf(settingsProblems({ ...demo, offsets: { ...demo.offsets, followUpAfter: 2 }, feedbackEveryCycles: 1, skipNudgeAfter: 3 }))).toEqual([
      'offsets.reflectionBefore plus offsets.followUpAfter must be shorter than the time between two meetings',
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
