// The one write of what the database keeps of a pair's workflow state (Pair.state), in revision order.
import type { RapportPrisma } from '../prisma/database';
import type { PairStatus } from '../workflows/pair-types';

export interface RecordPairStateRequest {
  pairId: string;
  /** Grows with every write of one pair: a write older than the stored one changes nothing. */
  revision: number;
  status: PairStatus;
}

/**
 * Stores the workflow's status unless a newer revision is already stored. Written by its own local
 * activity (recordPairState), or at the end of a stage's activity (its `publish` field), which
 * spares the history an event per stage.
 */
export async function writePairState(db: RapportPrisma, { pairId, revision, status }: RecordPairStateRequest): Promise<void> {
  await db.pair.updateMany({
    where: { id: pairId, stateRevision: { lt: revision } },
    data: { state: JSON.stringify(status), stateRevision: revision, stateUpdatedAt: new Date() },
  });
}
