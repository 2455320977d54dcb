// The names people read for the stages of a cycle, the forms and the emails of a pair, on every
// front door (admin pages, CLI): "Manager prep", not managerPrep. The JSON keeps the ids.
import type { FormKind } from '../workflows/pair-types';

const STAGE_NAMES: Record<string, string> = {
  planning: 'Planning',
  reflection: 'Reflection',
  managerPrep: 'Manager prep',
  reminder: 'Reminder',
  agenda: 'Agenda',
  meeting: 'Meeting',
  followUp: 'Follow-up',
  feedback: 'Feedback',
  ended: 'Ended',
};

/** "Reflection", "Manager prep", "Reminder", "Agenda", "Meeting", "Follow-up", "Feedback"; an unknown stage as it is. */
export function stageName(stage: string): string {
  return STAGE_NAMES[stage] ?? stage;
}

const FORM_NAMES: Record<FormKind, string> = {
  reflection: 'Reflection',
  managerPrep: 'Manager prep',
  followUpReport: 'Follow-up (report)',
  followUpManager: 'Follow-up (manager)',
  feedback: 'Feedback',
};

/** A form by its name: "Reflection", "Follow-up (manager)"… */
export function formName(kind: string): string {
  return (FORM_NAMES as Record<string, string>)[kind] ?? stageName(kind);
}

/**
 * The email an outbox row sent, by its stage key: a form ("reflection"), a reminder of one
 * ("reminder-reflection"), the agenda, the skip nudge, a change notice ("change-3"), a calendar
 * invite or its cancellation ("invite-2", "invite-cancel-2").
 */
export function emailName(stage: string): string {
  if (stage.startsWith('reminder-')) return `Reminder of the ${formName(stage.slice('reminder-'.length)).toLowerCase()} form`;
  if (stage.startsWith('invite-cancel')) return 'Calendar cancellation';
  if (stage.startsWith('invite')) return 'Calendar invite';
  if (stage.startsWith('change-')) return 'Change notice';
  if (stage === 'skip-nudge') return 'Nudge about skipped meetings';
  if (stage === 'agenda') return 'Agenda';
  return `${formName(stage)} form`;
}
