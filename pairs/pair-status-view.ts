// What lists and pages show of a pair's state, read from the database and never by a Query to its
// workflow: what the workflow last wrote (Pair.state), or what the row says before its first write;
// "ended" once the pair ended in Rapport; "stopped" when Temporal says its workflow stopped without
// the pair ending (pair-liveness.ts).
import type { RapportPrisma } from '../prisma/database';
import type { NextEvent, PairSettings, PairStatus, Role } from '../workflows/pair-types';
import type { StoppedRun } from './pair-liveness';
import { pairSettingsFromRow } from './pair-rows';
import { storedStatusOf } from './pair-state-record';

export type ShownState = PairStatus['state'] | 'stopped';

export interface ShownActionItem {
  id: string;
  cycle: number;
  owner: Role;
  text?: string;
}

export interface ShownTopic {
  id: string;
  by: Role;
  text?: string;
}

/** A pair's status as shown: the workflow's own fields, and the few the row can say before it wrote any. */
export interface PairStatusView {
  pairId: string;
  state: ShownState;
  /** Null before the workflow first wrote its state. */
  stage: PairStatus['stage'] | null;
  cycle: number | null;
  meetingAt: string | null;
  /** None while the workflow is stopped: nothing happens until it is restarted. */
  nextEvents: NextEvent[];
  openActionItems: ShownActionItem[];
  pendingTopics: ShownTopic[];
  /** Null before the workflow first wrote its state. */
  consecutiveSkips: number | null;
  questionSetVersion: number | null;
  settings: PairSettings;
  /** When the workflow wrote it (ISO 8601); null for a status made from the row. */
  asOf: string | null;
}

interface PairRow {
  id: string;
  status: string;
  state: string | null;
  stateUpdatedAt: Date | null;
  cadence: string;
  meetingTime: string;
  timeZone: string;
  durationMinutes: number;
  stageOffsets: string;
  feedbackEveryCycles: number;
  skipNudgeAfter: number;
}

const rowState = (status: string): PairStatus['state'] => (status === 'paused' || status === 'ended' ? status : 'active');

/** The status made from the row alone, before the workflow's first write. */
function statusFromRow(row: PairRow): PairStatusView {
  return {
    pairId: row.id,
    state: rowState(row.status),
    stage: null,
    cycle: null,
    meetingAt: null,
    nextEvents: [],
    openActionItems: [],
    pendingTopics: [],
    consecutiveSkips: null,
    questionSetVersion: null,
    settings: pairSettingsFromRow(row),
    asOf: null,
  };
}

function recordedStatus(row: PairRow): PairStatusView {
  const recorded = storedStatusOf(row);
  if (!recorded) return statusFromRow(row);
  return { ...recorded, asOf: row.stateUpdatedAt?.toISOString() ?? null };
}

/** The pair's status as lists and pages show it; `stopped` is what Temporal said of its workflow, if it stopped. */
export function pairStatusView(row: PairRow, stopped: StoppedRun | null): PairStatusView {
  const status = recordedStatus(row);
  // The row records the end (written as the pair ends); the workflow's last write may predate it.
  if (row.status === 'ended') return { ...status, state: 'ended', stage: status.stage === null ? null : 'ended', nextEvents: [] };
  if (stopped) return { ...status, state: 'stopped', nextEvents: [] };
  return status;
}

/** The status with the texts of its action items and topics, which the workflow does not carry. */
export async function withTexts(db: RapportPrisma, status: PairStatusView): Promise<PairStatusView> {
  const [items, topics] = await Promise.all([
    db.actionItem.findMany({ where: { id: { in: status.openActionItems.map((item) => item.id) } }, select: { id: true, text: true } }),
    db.topic.findMany({ where: { id: { in: status.pendingTopics.map((topic) => topic.id) } }, select: { id: true, text: true } }),
  ]);
  const itemText = new Map(items.map((item) => [item.id, item.text]));
  const topicText = new Map(topics.map((topic) => [topic.id, topic.text]));
  return {
    ...status,
    openActionItems: status.openActionItems.map((item) => ({ ...item, text: itemText.get(item.id) ?? item.text })),
    pendingTopics: status.pendingTopics.map((topic) => ({ ...topic, text: topicText.get(topic.id) ?? topic.text })),
  };
}

/** Why an ended pair was ended, as recorded with its end (the 'ended' event); null when no reason was given or it has not ended. */
export async function endReasonOf(db: RapportPrisma, pairId: string): Promise<string | null> {
  const event = await db.pairEvent.findFirst({ where: { pairId, kind: 'ended' }, orderBy: { at: 'desc' }, select: { detail: true } });
  if (!event?.detail) return null;
  try {
    const detail: unknown = JSON.parse(event.detail);
    const reason = typeof detail === 'object' && detail !== null && 'reason' in detail ? detail.reason : null;
    return typeof reason === 'string' && reason.trim() !== '' ? reason : null;
  } catch {
    return null;
  }
}
