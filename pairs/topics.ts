// Adding a topic to a pair's next agenda. The text is stored first (a Topic not yet on an agenda);
// the pair's workflow is then told the topic's id and decides which agenda it goes on. The topic's
// id and the Update's id come from the submission, so a repeated submission adds one topic.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { RapportPrisma } from '../prisma/database';
import { addTopicUpdate } from '../workflows/pair-messages';
import { TOPICS_FULL_PROBLEM, type Role } from '../workflows/pair-types';
import { sendToPair } from './registration';
import { updateIdFor } from './submission-ids';

/**
 * How many topics wait for a pair's next agenda: the agenda email of a cycle takes every topic
 * added before it, so the waiting ones are those for a later cycle (one not yet accepted has none).
 */
export async function pendingTopicCount(db: RapportPrisma, pairId: string): Promise<number> {
  return db.topic.count({ where: { pairId, forCycle: { gt: await lastAgendaCycle(db, pairId) } } });
}

/** The last meeting whose agenda went out (0 before the first): it took every topic for it. */
export async function lastAgendaCycle(db: RapportPrisma, pairId: string): Promise<number> {
  const lastAgenda = await db.outboxEmail.findFirst({ where: { pairId, stage: 'agenda' }, orderBy: { cycleNumber: 'desc' }, select: { cycleNumber: true } });
  return lastAgenda?.cycleNumber ?? 0;
}

export interface TopicDeps {
  db: RapportPrisma;
  temporal: Client;
  updateTimeoutMs: number;
}

export type TopicOutcome = { outcome: 'added'; forCycle: number } | { outcome: 'full' } | { outcome: 'ended' } | { outcome: 'unreachable' };

export async function addTopic(deps: TopicDeps, pairId: string, by: Role, text: string, submissionId: string): Promise<TopicOutcome> {
  const topicId = `topic-${submissionId}`;
  await deps.db.topic.upsert({ where: { id: topicId }, create: { id: topicId, pairId, addedByRole: by, text, forCycle: null }, update: {} });
  try {
    const added = await deps.temporal.connection.withDeadline(Date.now() + deps.updateTimeoutMs, () =>
      sendToPair(deps.temporal, pairId, (handle) =>
        handle.executeUpdate(addTopicUpdate, { args: [{ topicId, by }], updateId: updateIdFor('topic', submissionId) }),
      ),
    );
    return { outcome: 'added', forCycle: added.forCycle };
  } catch (error) {
    const refused = error instanceof WorkflowUpdateFailedError || error instanceof WorkflowNotFoundError;
    // A refused topic is not kept; one that could not be delivered stays unlisted until it is sent again.
    if (refused) await deps.db.topic.deleteMany({ where: { id: topicId, forCycle: null } });
    if (error instanceof WorkflowUpdateFailedError && error.cause?.message.includes(TOPICS_FULL_PROBLEM)) return { outcome: 'full' };
    if (refused) return { outcome: 'ended' };
    return { outcome: 'unreachable' };
  }
}
