// The admin pages' forms turned into what the admin service takes, and the service's fields back
// into the forms' inputs, beside which their problems are shown. Values are passed on as typed
// (numbers as numbers, NaN when not a number) so that the service's validation words every problem.
import { instantOfLocal } from '../pairs/local-time';
import type { NewPair } from '../pairs/registration';
import { WEEKDAY_NAMES } from '../pairs/working-days';
import type { CadenceInputs, NewPairSettingsInputs, WorkingDaysAndInvitesInputs } from '../templates/page-contexts';
import { DEFAULT_WORKING_DAYS, type Cadence, type PairSettings, type ScheduleChange, type Weekday } from '../workflows/pair-types';
import { CADENCE_INPUTS, inputsOf } from './form-problems';
import type { EditorFields } from './question-set-editor';

/** The working days (a fieldset of checkboxes) and calendar invites, on both pair forms. */
const WORKING_DAYS_AND_INVITES_INPUTS = { workingDays: 'workingDays', calendarInvites: 'calendarInvites' };

/** The inputs of the form that adds a pair (admin-pairs.hbs), by the NewPair field they fill. */
export const NEW_PAIR_INPUTS = inputsOf({
  'manager.name': 'managerName',
  'manager.email': 'managerEmail',
  'report.name': 'reportName',
  'report.email': 'reportEmail',
  ...CADENCE_INPUTS,
  timeZone: 'timeZone',
  formatNote: 'formatNote',
  ...WORKING_DAYS_AND_INVITES_INPUTS,
});

/** The inputs of the schedule form on a pair's page (it has no time zone). */
export const SCHEDULE_INPUTS = inputsOf({ ...CADENCE_INPUTS, ...WORKING_DAYS_AND_INVITES_INPUTS });

export const RESCHEDULE_INPUTS = inputsOf({ meetingAt: 'meetingAt' });

const text = (fields: EditorFields, name: string): string => {
  const value = fields[name];
  return (Array.isArray(value) ? value[0] : (value ?? '')).trim();
};
const number = (fields: EditorFields, name: string): number => Number(text(fields, name) || NaN);
/** Every value sent under a name: a group of checkboxes sends one per box checked. */
const allOf = (fields: EditorFields, name: string): string[] => {
  const value = fields[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
};
const optionalNumber = (fields: EditorFields, name: string): number | undefined => (text(fields, name) === '' ? undefined : number(fields, name));

function cadenceOf(fields: EditorFields): Cadence {
  const weekday = number(fields, 'weekday') as Weekday;
  if (text(fields, 'cadence') === 'monthly') {
    const ordinal = text(fields, 'ordinal') === 'last' ? -1 : number(fields, 'ordinal');
    return { kind: 'monthly', ordinal: ordinal as 1, weekday };
  }
  return { kind: text(fields, 'cadence') as 'weekly', everyWeeks: number(fields, 'everyWeeks'), weekday };
}

// ---- Working days and calendar invites --------------------------------------------------------
//
// An unchecked box sends nothing, so each form also sends what it showed, in hidden inputs:
// workingDaysShown (the days shown checked, e.g. "1,2,3,4,5") and calendarInvitesShown ("on" or
// "off"). Without them the form did not show these settings (a form from before them, a script),
// and they are left as they are; with them, no box checked is a choice, refused as the API refuses
// an empty list. The form that adds a pair gives the pair what its boxes say; the schedule form
// changes a setting only when its boxes were changed, so that a pair following the organisation's
// default for invites keeps following it when only its meeting time changes.

const SHOWN_WORKING_DAYS = 'workingDaysShown';
const SHOWN_INVITES = 'calendarInvitesShown';

/** The days checked, as typed (the service refuses what is not a weekday); undefined when the form did not show them. */
function checkedWorkingDays(fields: EditorFields): Weekday[] | undefined {
  if (fields[SHOWN_WORKING_DAYS] === undefined) return undefined;
  return allOf(fields, 'workingDays').map((day) => Number(day.trim() || NaN) as Weekday);
}

function checkedInvites(fields: EditorFields): boolean | undefined {
  if (fields[SHOWN_INVITES] === undefined) return undefined;
  return fields.calendarInvites !== undefined;
}

const inOrder = (days: readonly number[]) => [...days].sort((a, b) => a - b).join(',');
const sameDays = (a: readonly number[], b: readonly number[]) => inOrder(a) === inOrder(b);

function shownDays(fields: EditorFields): number[] {
  return text(fields, SHOWN_WORKING_DAYS)
    .split(',')
    .filter((day) => day !== '')
    .map(Number);
}

/** What the form that adds a pair says of the two settings. */
function newPairChoices(fields: EditorFields): Pick<PairSettings, 'workingDays' | 'calendarInvites'> {
  const workingDays = checkedWorkingDays(fields);
  const calendarInvites = checkedInvites(fields);
  return { ...(workingDays === undefined ? {} : { workingDays }), ...(calendarInvites === undefined ? {} : { calendarInvites }) };
}

/** What the schedule form changed of the two settings. */
function changedChoices(fields: EditorFields): Pick<ScheduleChange, 'workingDays' | 'calendarInvites'> {
  const change: Pick<ScheduleChange, 'workingDays' | 'calendarInvites'> = {};
  const workingDays = checkedWorkingDays(fields);
  if (workingDays !== undefined && !sameDays(workingDays, shownDays(fields))) change.workingDays = workingDays;
  const calendarInvites = checkedInvites(fields);
  if (calendarInvites !== undefined && calendarInvites !== (text(fields, SHOWN_INVITES) === 'on')) change.calendarInvites = calendarInvites;
  return change;
}

/** The checkboxes for a pair's working days and invites (absent: Monday to Friday, and the organisation's default, shown as on). */
export function workingDaysAndInvitesInputs(settings: Pick<PairSettings, 'workingDays' | 'calendarInvites'>): WorkingDaysAndInvitesInputs {
  const days = settings.workingDays ?? DEFAULT_WORKING_DAYS;
  const invites = settings.calendarInvites ?? true;
  return {
    workingDays: WEEKDAY_NAMES.map((label, index) => ({ value: index + 1, label, checked: days.includes((index + 1) as Weekday) })),
    workingDaysShown: inOrder(days),
    calendarInvites: invites,
    calendarInvitesShown: invites ? 'on' : 'off',
    invitesFollowDefault: settings.calendarInvites === undefined,
  };
}

/**
 * The checkboxes as a refused form sent them, so that what was ticked stays ticked; what the form
 * says it showed stays `current`'s, so that sending it again is compared with the settings as they are.
 */
export function inputsAsSent(fields: EditorFields, current: WorkingDaysAndInvitesInputs): WorkingDaysAndInvitesInputs {
  const days = checkedWorkingDays(fields);
  return {
    ...current,
    workingDays: days === undefined ? current.workingDays : current.workingDays.map((day) => ({ ...day, checked: days.includes(day.value as Weekday) })),
    calendarInvites: checkedInvites(fields) ?? current.calendarInvites,
  };
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
      ...newPairChoices(fields),
    },
    ...(formatNote ? { formatNote } : {}),
  };
}

// ---- The cadence on the schedule form ------------------------------------------------------------
//
// The form shows the pair's cadence selected, and sends what it showed in a hidden input
// (cadenceShown, e.g. "weekly:1:4"), so that the cadence changes only when its inputs were changed:
// a new cadence may move this meeting, which keeping the same one must not. A form without it (a
// script) changes the cadence whenever one is chosen, as before.

const SHOWN_CADENCE = 'cadenceShown';
const ORDINAL_NAMES: [string, string][] = [
  ['1', 'first'],
  ['2', 'second'],
  ['3', 'third'],
  ['4', 'fourth'],
  ['last', 'last'],
];

interface CadenceFields {
  cadence: string;
  everyWeeks: string;
  ordinal: string;
  weekday: string;
}

function fieldsOfCadence(cadence: Cadence): CadenceFields {
  if (cadence.kind === 'monthly')
    return { cadence: 'monthly', everyWeeks: '1', ordinal: cadence.ordinal === -1 ? 'last' : String(cadence.ordinal), weekday: String(cadence.weekday) };
  if (cadence.kind === 'weekly') return { cadence: 'weekly', everyWeeks: String(cadence.everyWeeks), ordinal: '1', weekday: String(cadence.weekday) };
  // A demo cadence has no inputs of its own: the form keeps it unless another is chosen.
  return { cadence: '', everyWeeks: '1', ordinal: '1', weekday: '1' };
}

const sentCadenceFields = (fields: EditorFields): CadenceFields => ({
  cadence: text(fields, 'cadence'),
  everyWeeks: text(fields, 'everyWeeks'),
  ordinal: text(fields, 'ordinal'),
  weekday: text(fields, 'weekday'),
});

/** What identifies a cadence as the form shows it: "weekly:2:4", "monthly:last:1"; "" for none chosen. */
function cadenceKey(cadence: CadenceFields): string {
  if (cadence.cadence === 'weekly') return `weekly:${cadence.everyWeeks}:${cadence.weekday}`;
  if (cadence.cadence === 'monthly') return `monthly:${cadence.ordinal}:${cadence.weekday}`;
  return cadence.cadence;
}

const options = (choices: [value: string, label: string][], selected: string) =>
  choices.map(([value, label]) => ({ value, label, selected: value === selected }));

/** The cadence inputs with the pair's cadence selected, or what a refused form sent. */
export function cadenceInputs(cadence: Cadence, sent?: EditorFields): CadenceInputs {
  const current = fieldsOfCadence(cadence);
  const shown = sent && sent[SHOWN_CADENCE] !== undefined ? sentCadenceFields(sent) : current;
  return {
    shown: cadenceKey(current),
    keepLabel: cadence.kind === 'demo' ? `as it is: a meeting every ${cadence.everyMinutes} minutes` : null,
    kinds: options(
      [
        ['weekly', 'Every N weeks'],
        ['monthly', 'Monthly, on the Nth weekday'],
      ],
      shown.cadence,
    ),
    everyWeeks: shown.everyWeeks,
    ordinals: options(ORDINAL_NAMES, shown.ordinal),
    weekdays: options(
      WEEKDAY_NAMES.map((name, index) => [String(index + 1), name]),
      shown.weekday,
    ),
  };
}

/** The add-a-pair form's settings: the defaults, or what a refused form sent, selected again. */
export function newPairSettingsInputs(sent?: EditorFields): NewPairSettingsInputs {
  const defaults = { ...fieldsOfCadence({ kind: 'weekly', everyWeeks: 1, weekday: 1 }), durationMinutes: '30', feedbackEveryCycles: '4' };
  const typed = (name: keyof typeof defaults) => (sent && sent[name] !== undefined ? text(sent, name) : defaults[name]);
  const shown: CadenceFields = { cadence: typed('cadence'), everyWeeks: typed('everyWeeks'), ordinal: typed('ordinal'), weekday: typed('weekday') };
  return {
    cadence: {
      shown: cadenceKey(shown),
      keepLabel: null,
      kinds: options(
        [
          ['weekly', 'Every N weeks'],
          ['monthly', 'Monthly, on the Nth weekday'],
        ],
        shown.cadence,
      ),
      everyWeeks: shown.everyWeeks,
      ordinals: options(ORDINAL_NAMES, shown.ordinal),
      weekdays: options(
        WEEKDAY_NAMES.map((name, index) => [String(index + 1), name]),
        shown.weekday,
      ),
    },
    durationMinutes: typed('durationMinutes'),
    feedbackEveryCycles: typed('feedbackEveryCycles'),
  };
}

function cadenceChanged(fields: EditorFields): boolean {
  if (!text(fields, 'cadence')) return false;
  if (fields[SHOWN_CADENCE] === undefined) return true;
  return cadenceKey(sentCadenceFields(fields)) !== text(fields, SHOWN_CADENCE);
}

/** Only what the form filled in changes. */
export function scheduleChangeFromForm(fields: EditorFields): ScheduleChange {
  const change: ScheduleChange = {};
  if (cadenceChanged(fields)) change.cadence = cadenceOf(fields);
  if (text(fields, 'meetingTime')) change.meetingTime = text(fields, 'meetingTime');
  if (text(fields, 'timeZone')) change.timeZone = text(fields, 'timeZone');
  const duration = optionalNumber(fields, 'durationMinutes');
  if (duration !== undefined) change.durationMinutes = duration;
  const feedback = optionalNumber(fields, 'feedbackEveryCycles');
  if (feedback !== undefined) change.feedbackEveryCycles = feedback;
  return { ...change, ...changedChoices(fields) };
}

/** A datetime-local value ("2026-11-26T16:00") read in the pair's time zone, as an ISO instant. */
export function meetingInstantFromForm(fields: EditorFields, timeZone: string): string {
  return instantOfLocal(text(fields, 'meetingAt'), timeZone) ?? text(fields, 'meetingAt');
}
