// All of Rapport's side effects, built from their dependencies (see ActivityDeps).
import type { ActivityDeps } from './activity-deps';
import { createPairEmailActivities } from './pair-emails';
import { createPairRecordActivities } from './pair-records';
import { createScheduleActivities } from './schedule';
import { createCalendarInviteActivities } from './calendar-invites';
import { createChangeNoticeActivities } from './change-notices';

export type { ActivityDeps } from './activity-deps';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createScheduleActivities(),
    ...createPairEmailActivities(deps),
    ...createPairRecordActivities(deps),
    ...createCalendarInviteActivities(deps),
    ...createChangeNoticeActivities(deps),
  };
}

export type RapportActivities = ReturnType<typeof createActivities>;
