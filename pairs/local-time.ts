// How an instant reads to the people of a pair, and how what they type reads back: in their own
// time zone, which the text names.
import { DateTime } from 'luxon';

/** "Tuesday 3 March 2026, 10:00 (Europe/Berlin)" */
export function formatLocal(instant: number, timeZone: string): string {
  return `${DateTime.fromMillis(instant, { zone: timeZone }).setLocale('en-GB').toFormat('cccc d LLLL yyyy, HH:mm')} (${timeZone})`;
}

/** "Tuesday 3 March 2026": the calendar day an instant falls on in the zone. */
export function formatLocalDate(instant: number, timeZone: string): string {
  return DateTime.fromMillis(instant, { zone: timeZone }).setLocale('en-GB').toFormat('cccc d LLLL yyyy');
}

/**
 * A local date and time as typed ("2026-11-26T16:00", or a date alone for its midnight) read on the
 * wall clock of the zone, as an ISO instant with that zone's offset; null when it is no such value.
 * A time the clocks skip (spring forward) moves on by the gap, as luxon reads it.
 */
export function instantOfLocal(local: string, timeZone: string): string | null {
  const at = DateTime.fromISO(local, { zone: timeZone });
  return at.isValid ? at.toISO({ suppressMilliseconds: true }) : null;
}
