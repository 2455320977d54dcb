// The admin pages' forms turned into what the admin service takes, and the service's fields back
// into the forms' inputs, beside which their problems are shown. Values are passed on as typed
// (numbers as numbers, NaN when not a number) so that the service's validation words every problem.
import { DateTime } from 'luxon';
import type { NewPair } from '../pairs/registration';
import type { Cadence, ScheduleChange, Weekday } from '../workflows/pair-types';
import { CADENCE_INPUTS, inputsOf } from './form-problems';
import type { EditorFields } from './question-set-editor';

/** The inputs of the form that adds a pair (admin-pairs.hbs), by the NewPair field they fill. */
export const NEW_PAIR_INPUTS = inputsOf({
  'manager.name': 'managerName',
  'manager.email': 'managerEmail',
  'report.name': 'reportName',
  'report.email': 'reportEmail',
  ...CADENCE_INPUTS,
  timeZone: 'timeZone',
  formatNote: 'formatNote',
});

/** The inputs of the schedule form on a pair's page (it has no time zone). */
export const SCHEDULE_INPUTS = inputsOf(CADENCE_INPUTS);

export const RESCHEDULE_INPUTS = inputsOf({ meetingAt: 'meetingAt' });

const text = (fields: EditorFields, name: string): string => {
  const value = fields[name];
  return (Array.isArray(value) ? value[0] : (value ?? '')).trim();
};
const number = (fields: EditorFields, name: string): number => Number(text(fields, name) || NaN);
const optionalNumber = (fields: EditorFields, name: string): number | undefined => (text(fields, name) === '' ? undefined : number(fields, name));

function cadenceOf(fields: EditorFields): Cadence {
  const weekday = number(fields, 'weekday') as Weekday;
  if (text(fields, 'cadence') === 'monthly') {
    const ordinal = text(fields, 'ordinal') === 'last' ? -1 : number(fields, 'ordinal');
    return { kind: 'monthly', ordinal: ordinal as 1, weekday };
  }
  return { kind: text(fields, 'cadence') as 'weekly', everyWeeks: number(fields, 'everyWeeks'), weekday };
}

export function newPairFromForm(fields: EditorFields): NewPair {
  const feedbackEveryCycles = optionalNumber(fields, 'feedbackEveryCycles');
  const durationMinutes = optionalNumber(fields, 'durationMinutes');
  const formatNote = text(fields, 'formatNote');
  return {
    manager: { name: text(fields, 'managerName'), email: text(fields, 'managerEmail') },
    report: { name: text(fields, 'reportName'), email: text(fields, 'reportEmail') },
    settings: {
      cadence: cadenceOf(fields),
      meetingTime: text(fields, 'meetingTime'),
      timeZone: text(fields, 'timeZone'),
      ...(durationMinutes === undefined ? {} : { durationMinutes }),
      ...(feedbackEveryCycles === undefined ? {} : { feedbackEveryCycles }),
    },
    ...(formatNote ? { formatNote } : {}),
  };
}

/** Only what the form filled in changes. */
export function scheduleChangeFromForm(fields: EditorFields): ScheduleChange {
  const change: ScheduleChange = {};
  if (text(fields, 'cadence')) change.cadence = cadenceOf(fields);
  if (text(fields, 'meetingTime')) change.meetingTime = text(fields, 'meetingTime');
  if (text(fields, 'timeZone')) change.timeZone = text(fields, 'timeZone');
  const duration = optionalNumber(fields, 'durationMinutes');
  if (duration !== undefined) change.durationMinutes = duration;
  const feedback = optionalNumber(fields, 'feedbackEveryCycles');
  if (feedback !== undefined) change.feedbackEveryCycles = feedback;
  return change;
}

/** A datetime-local value ("2026-11-26T16:00") read in the pair's time zone, as an ISO instant. */
export function meetingInstantFromForm(fields: EditorFields, timeZone: string): string {
  const local = DateTime.fromISO(text(fields, 'meetingAt'), { zone: timeZone });
  return local.isValid ? local.toISO({ suppressMilliseconds: true }) : text(fields, 'meetingAt');
}
