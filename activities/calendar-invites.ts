// Calendar invites (iTIP over email, RFC 5546 and 6047): each meeting is one calendar event for
// both people, sent as METHOD:REQUEST when it is planned and each time it moves, and as
// METHOD:CANCEL when it will not take place. One event per meeting, not a recurring series, so that
// moving or skipping one meeting is an update of its own event. The UID is stable per pair and
// meeting; SEQUENCE comes from the workflow and rises with every change. Times are UTC instants,
// which every calendar shows in its own zone. The description holds no link: calendars are shared
// with assistants and delegates, and a pair link would open the person's record to them.
import ical, { ICalAttendeeRole, ICalAttendeeStatus, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import { DateTime } from 'luxon';
import type { Role } from '../workflows/pair-types';
import type { ActivityDeps } from './activity-deps';
import { issuePairLink, pairPageUrls } from './form-links';
import type { CalendarPart } from './mailer';
import { deliverAllOnce, type DeliveryStatus } from './outbox';
import { loadPair, meetingContext, people, type PairRow } from './pair-emails';

export interface SendInviteRequest {
  pairId: string;
  cycle: number;
  /** The meeting's instant (epoch ms) and length as they are now. */
  meetingAt: number;
  durationMinutes: number;
  /** REQUEST: the meeting is on (new or moved); CANCEL: it will not take place. */
  method: 'REQUEST' | 'CANCEL';
  /** Rises with every invite or cancellation of this meeting, from 0. */
  sequence: number;
}

/** 'off': the pair (or the organisation default) does not want invites; nothing was sent. */
export type InviteStatus = DeliveryStatus | 'off';

const ROLES: Role[] = ['report', 'manager'];

/** The UID of a meeting's event: the same for both people and for every update of it. */
export function meetingUid(pairId: string, cycle: number, domain: string): string {
  return `rapport-${pairId}-${cycle}@${domain}`;
}

/** "Name <address>" or a bare address, as the mailer's From is configured. */
function organizerOf(from: string | undefined, domain: string): { name: string; email: string } {
  const match = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(from ?? '');
  if (match) return { name: match[1].trim() || 'Rapport', email: match[2].trim() };
  const bare = (from ?? '').trim();
  return { name: 'Rapport', email: bare.includes('@') ? bare : `rapport@${domain}` };
}

function invitesWanted(deps: ActivityDeps, pair: PairRow): boolean {
  return pair.calendarInvites ?? deps.calendarInvitesByDefault ?? true;
}

/** The iCalendar text of one meeting's event, as both people get it. */
export function meetingCalendar(deps: ActivityDeps, pair: PairRow, request: SendInviteRequest): CalendarPart {
  const method = request.method === 'REQUEST' ? ICalCalendarMethod.REQUEST : ICalCalendarMethod.CANCEL;
  const calendar = ical({ prodId: { company: 'Rapport', product: 'Rapport 1:1s', language: 'EN' }, method });
  const start = DateTime.fromMillis(request.meetingAt, { zone: 'utc' });
  calendar.createEvent({
    id: meetingUid(pair.id, request.cycle, deps.messageIdDomain),
    sequence: request.sequence,
    start,
    end: start.plus({ minutes: request.durationMinutes }),
    // DTSTAMP is when this version of the event was made: rendered once, kept by the outbox.
    stamp: DateTime.utc(),
    summary: `1:1: ${pair.reportName} and ${pair.managerName}`,
    description: `Your regular 1:1. ${pair.reportName}'s topics come first; the reflection questions and the agenda arrive by email before it.`,
    ...(pair.formatNote ? { location: pair.formatNote } : {}),
    status: request.method === 'REQUEST' ? ICalEventStatus.CONFIRMED : ICalEventStatus.CANCELLED,
    organizer: organizerOf(deps.mailer.from, deps.messageIdDomain),
    // Rapport cannot receive replies, so it asks for none.
    attendees: ROLES.map((role) => {
      const { recipientName, to } = people(pair, role);
      return { name: recipientName, email: to, rsvp: false, role: ICalAttendeeRole.REQ, status: ICalAttendeeStatus.NEEDSACTION };
    }),
  });
  return { method: request.method, content: calendar.toString() };
}

export function createCalendarInviteActivities(deps: ActivityDeps) {
  /** Sends one meeting's invite (or cancellation) to both people, once per sequence number. */
  async function sendInvite(request: SendInviteRequest): Promise<InviteStatus> {
    const { pairId, cycle, meetingAt, sequence } = request;
    const pair = await loadPair(deps, pairId);
    if (!invitesWanted(deps, pair)) return 'off';
    const stage = `${request.method === 'REQUEST' ? 'invite' : 'invite-cancel'}-${sequence}`;
    const addresses = ROLES.map((role) => ({ pairId, cycle, stage, role }));
    const statuses = await deliverAllOnce(deps, addresses, async (missing) => {
      const calendarPart = meetingCalendar(deps, pair, request);
      const composed = missing.map((address) => {
        const { to, ...names } = people(pair, address.role);
        const links = issuePairLink(pairId, address.role, deps.formLinkTtlDays);
        const otherName = address.role === 'report' ? pair.managerName : pair.reportName;
        const urls = pairPageUrls(deps.publicBaseUrl, links.token);
        const whoseTopics = address.role === 'report' ? 'Your topics' : `${pair.reportName}'s topics`;
        const context = { ...names, ...meetingContext(pair, meetingAt), ...urls, durationMinutes: request.durationMinutes, otherName, whoseTopics };
        const email = deps.emails.render(request.method === 'REQUEST' ? 'invite' : 'invite-cancelled', context);
        return { email: { to, ...email, calendar: calendarPart }, write: links.write };
      });
      return {
        emails: composed.map((entry) => entry.email),
        alsoWrite: async (tx) => {
          for (const entry of composed) await entry.write(tx);
        },
      };
    });
    return statuses.includes('failed') ? 'failed' : 'sent';
  }

  return { sendInvite };
}
