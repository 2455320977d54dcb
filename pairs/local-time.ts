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

// ---- Times as people read them ----------------------------------------------------------------
//
// Every front door (admin pages, CLI) shows a time the same way: a short date and the wall clock
// in the pair's zone, the zone named by its place ("Thu 10 Dec, 10:00 Lisbon"), and, when the one
// reading is in another zone whose clock differs, their own time beside it ("(11:00 Berlin)").
// The year is left out within the year it is now.

type InstantInput = string | number | Date;

function dateTimeOf(instant: InstantInput, zone: string): DateTime | null {
  const at = instant instanceof Date ? DateTime.fromJSDate(instant) : typeof instant === 'number' ? DateTime.fromMillis(instant) : DateTime.fromISO(instant);
  const local = at.setZone(zone).setLocale('en-GB');
  return local.isValid ? local : null;
}

/** The place an IANA zone is named for: "Europe/Lisbon" → "Lisbon", "America/Argentina/Buenos_Aires" → "Buenos Aires", "Etc/UTC" → "UTC". */
export function zoneName(timeZone: string): string {
  const place = timeZone.split('/').pop() ?? timeZone;
  return place.replace(/_/g, ' ');
}

const sameYearAs = (at: DateTime, now: number) => at.year === DateTime.fromMillis(now, { zone: at.zone }).year;
const dayFormat = (at: DateTime, now: number) => (sameYearAs(at, now) ? 'ccc d LLL' : 'ccc d LLL yyyy');

/** "Thu 10 Dec" (with the year outside this one): the day an instant falls on in the zone. */
export function readableDate(instant: InstantInput, timeZone: string, now = Date.now()): string {
  const at = dateTimeOf(instant, timeZone);
  return at ? at.toFormat(dayFormat(at, now)) : String(instant);
}

/**
 * "Thu 10 Dec, 10:00 Lisbon", and "Thu 10 Dec, 10:00 Lisbon (11:00 Berlin)" for a viewer in another
 * zone whose clock reads otherwise (with the date too when it is another day there).
 */
export function readableInstant(instant: InstantInput, pairZone: string, viewerZone?: string, now = Date.now()): string {
  const at = dateTimeOf(instant, pairZone);
  if (!at) return String(instant);
  const there = `${at.toFormat(`${dayFormat(at, now)}, HH:mm`)} ${zoneName(pairZone)}`;
  const seen = viewerZone && viewerZone !== pairZone ? dateTimeOf(instant, viewerZone) : null;
  if (!seen || seen.toFormat('yyyy-MM-dd HH:mm') === at.toFormat('yyyy-MM-dd HH:mm')) return there;
  const sameDay = seen.toISODate() === at.toISODate();
  return `${there} (${seen.toFormat(sameDay ? 'HH:mm' : `${dayFormat(seen, now)}, HH:mm`)} ${zoneName(viewerZone ?? '')})`;
}

/** A datetime-local input's value ("2026-12-10T10:00") for an instant, on the zone's wall clock. */
export function localInputValue(instant: InstantInput, timeZone: string): string {
  return dateTimeOf(instant, timeZone)?.toFormat("yyyy-MM-dd'T'HH:mm") ?? '';
}

/** The zone this process runs in (TZ, else the system's), as an IANA name. */
export const processTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;
