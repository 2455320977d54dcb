// How an instant reads to the people of a pair: in their own time zone, which the text names.
import { DateTime } from 'luxon';

/** "Tuesday 3 March 2026, 10:00 (Europe/Berlin)" */
export function formatLocal(instant: number, timeZone: string): string {
  return `${DateTime.fromMillis(instant, { zone: timeZone }).setLocale('en-GB').toFormat('cccc d LLLL yyyy, HH:mm')} (${timeZone})`;
}
