// How a pair's settings and answers are kept in the database: one mapping, used by the
// activities that write them and by every front door that reads them.
import type { FormAnswer, PairSettings } from '../workflows/pair-types';

/** How an answer is stored: everything but its address (cycle and form kind). */
export function answerPayload(answer: FormAnswer): string {
  return JSON.stringify({
    answers: answer.answers,
    meetingHeld: answer.meetingHeld,
    actionItems: answer.actionItems,
    completedActionItemIds: answer.completedActionItemIds,
    privateQuestionIds: answer.privateQuestionIds,
  });
}

/** The Pair table's columns for a pair's settings. */
export function settingsColumns(settings: PairSettings) {
  return {
    timeZone: settings.timeZone,
    cadence: JSON.stringify(settings.cadence),
    meetingTime: settings.meetingTime,
    durationMinutes: settings.durationMinutes,
    stageOffsets: JSON.stringify(settings.offsets),
    feedbackEveryCycles: settings.feedbackEveryCycles,
    skipNudgeAfter: settings.skipNudgeAfter,
  };
}

interface PairSettingsRow {
  cadence: string;
  meetingTime: string;
  timeZone: string;
  durationMinutes: number;
  stageOffsets: string;
  feedbackEveryCycles: number;
  skipNudgeAfter: number;
}

/** A pair's settings as stored in its Pair row. */
export function pairSettingsFromRow(row: PairSettingsRow): PairSettings {
  return {
    cadence: JSON.parse(row.cadence) as PairSettings['cadence'],
    meetingTime: row.meetingTime,
    timeZone: row.timeZone,
    durationMinutes: row.durationMinutes,
    offsets: JSON.parse(row.stageOffsets) as PairSettings['offsets'],
    feedbackEveryCycles: row.feedbackEveryCycles,
    skipNudgeAfter: row.skipNudgeAfter,
  };
}
