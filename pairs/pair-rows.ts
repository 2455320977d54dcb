// How a pair's settings are kept in the database: one mapping, used by the activities that write
// them and by every front door that reads them. Answers are stored by answer-format.ts.
import type { PairSettings } from '../workflows/pair-types';

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
    workingDays: settings.workingDays ? JSON.stringify(settings.workingDays) : null,
    calendarInvites: settings.calendarInvites ?? null,
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
  workingDays?: string | null;
  calendarInvites?: boolean | null;
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
    ...(row.workingDays ? { workingDays: JSON.parse(row.workingDays) as PairSettings['workingDays'] } : {}),
    ...(typeof row.calendarInvites === 'boolean' ? { calendarInvites: row.calendarInvites } : {}),
  };
}
