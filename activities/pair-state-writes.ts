// The one write of what the database keeps of a pair's workflow state (Pair.state), in revision order.
import type { RapportPrisma } from '../prisma/database';
import type { PairStatus } from '../workflows/pair-types';

export interface RecordPairStateRequest {
  pairId: string;
  /** Grows with every write of one pair: a write older than the stored one changes nothing. */
  revision: number;
  status: PairStatus;
}

const instantOrNull = (iso: string | null | undefined): Date | null => {
  if (!iso) return null;
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? null : at;
};

/**
 * The columns the admin list filters and sorts on (pairs/pair-list.ts): copies of the state's own
 * fields, written in the same update as it so that they never disagree.
 */
export function stateColumns(status: PairStatus) {
  const consecutiveSkips = status.consecutiveSkips ?? 0;
  return {
    stateName: status.state,
    nextEventAt: instantOrNull(status.nextEvents?.[0]?.at),
    meetingAt: instantOrNull(status.meetingAt),
    consecutiveSkips,
    chronicSkips: consecutiveSkips >= (status.settings?.skipNudgeAfter ?? Number.POSITIVE_INFINITY),
  };
}

/**
 * Stores the workflow's status unless a newer revision is already stored. Written by its own local
 * activity (recordPairState), or at the end of a stage's activity (its `publish` field), which
 * spares the history an event per stage.
 */
export async function writePairState(db: RapportPrisma, { pairId, revision, status }: RecordPairStateRequest): Promise<void> {
  await db.pair.updateMany({
    where: { id: pairId, stateRevision: { lt: revision } },
    data: { state: JSON.stringify(status), stateRevision: revision, stateUpdatedAt: new Date(), ...stateColumns(status) },
  });
}
