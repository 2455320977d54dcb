// How many topics wait for a pair's next agenda, read from the database: the agenda email of a
// cycle takes every topic added before it, so the waiting ones are those for a later cycle.
import type { RapportPrisma } from '../prisma/database';

export async function pendingTopicCount(db: RapportPrisma, pairId: string): Promise<number> {
  const lastAgenda = await db.outboxEmail.findFirst({
    where: { pairId, stage: 'agenda' },
    orderBy: { cycleNumber: 'desc' },
    select: { cycleNumber: true },
  });
  return db.topic.count({ where: { pairId, forCycle: { gt: lastAgenda?.cycleNumber ?? 0 } } });
}
