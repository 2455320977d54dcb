// The email that tells one person of a pair what the other changed: a meeting skipped (with the
// reason they gave, read from the database by its note's id), a meeting moved, or the 1:1s paused
// for an absence. Sent exactly once through the outbox: each change of a pair has its own sequence
// number, which is part of the outbox's key.
import type { ChangeNoticeEmail } from '../templates/email-contexts';
import { formatLocal, formatLocalDate } from '../pairs/local-time';
import { storedStatusOf } from '../pairs/pair-state-record';
import type { Role } from '../workflows/pair-types';
import type { ActivityDeps } from './activity-deps';
import { issuePairLink, pairPageUrls } from './form-links';
import { deliverOnce, type DeliveryStatus } from './outbox';
import { loadPair, people, type PairRow } from './pair-emails';

export interface SendChangeNoticeRequest {
  pairId: string;
  /** The meeting concerned. */
  cycle: number;
  change: 'skipped' | 'moved' | 'paused';
  /** Who made the change; the notice goes to the other person. */
  by: Role;
  /** A skip's reason (PairNote id). */
  reasonId?: string;
  /** A move: epoch ms instants. */
  from?: number;
  to?: number;
  /** A pause: until when (epoch ms). */
  until?: number;
  /** Distinct for each change of one pair: part of the outbox key. */
  sequence: number;
}

type ChangeContext = Pick<ChangeNoticeEmail, 'meetingWhen' | 'skip' | 'move' | 'pause'>;

const otherRole = (role: Role): Role => (role === 'report' ? 'manager' : 'report');
const nameOf = (pair: PairRow, role: Role): string => (role === 'report' ? pair.reportName : pair.managerName);

export function createChangeNoticeActivities(deps: ActivityDeps) {
  /** The reason as the person typed it; only a note of this pair's is ever read. */
  async function reasonOf(pairId: string, reasonId: string | undefined): Promise<string | null> {
    if (reasonId === undefined) return null;
    const note = await deps.db.pairNote.findFirst({ where: { id: reasonId, pairId, kind: 'skipReason' } });
    return note?.text ?? null;
  }

  /**
   * When meeting `cycle` is (was) held: the pair's last written state while that meeting is its
   * current one (it follows reschedules), else the meeting's row; null when neither knows it.
   */
  async function meetingAtOf(pair: PairRow, cycle: number): Promise<number | null> {
    const status = storedStatusOf(pair);
    if (status?.cycle === cycle && status.meetingAt) return Date.parse(status.meetingAt);
    const row = await deps.db.cycle.findUnique({ where: { pairId_number: { pairId: pair.id, number: cycle } } });
    return row ? row.meetingAt.getTime() : null;
  }

  async function changeOf(pair: PairRow, request: SendChangeNoticeRequest): Promise<ChangeContext> {
    const local = (instant: number | null | undefined) => (instant === null || instant === undefined ? null : formatLocal(instant, pair.timeZone));
    const none = { skip: null, move: null, pause: null };
    switch (request.change) {
      case 'skipped':
        return { ...none, meetingWhen: local(await meetingAtOf(pair, request.cycle)), skip: { reason: await reasonOf(pair.id, request.reasonId) } };
      case 'moved':
        return { ...none, meetingWhen: local(request.from), move: { toWhen: local(request.to ?? (await meetingAtOf(pair, request.cycle))) } };
      case 'paused':
        return {
          ...none,
          meetingWhen: null,
          pause: { untilDate: request.until === undefined ? null : formatLocalDate(request.until, pair.timeZone) },
        };
    }
  }

  /** One short email to the other person saying what changed, by whom and why, with their "this 1:1" link. */
  async function sendChangeNotice(request: SendChangeNoticeRequest): Promise<DeliveryStatus> {
    const role = otherRole(request.by);
    const address = { pairId: request.pairId, cycle: request.cycle, stage: `change-${request.sequence}`, role };
    return deliverOnce(deps, address, async () => {
      const pair = await loadPair(deps, request.pairId);
      const { to, ...names } = people(pair, role);
      const link = issuePairLink(pair.id, role, deps.formLinkTtlDays);
      const context: ChangeNoticeEmail = {
        ...names,
        ...pairPageUrls(deps.publicBaseUrl, link.token),
        byName: nameOf(pair, request.by),
        ...(await changeOf(pair, request)),
      };
      return { email: { to, ...deps.emails.render('change-notice', context) }, alsoWrite: link.write };
    });
  }

  return { sendChangeNotice };
}
