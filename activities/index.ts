// All of Rapport's side effects, built from their dependencies (see ActivityDeps).
import type { ActivityDeps } from './activity-deps';
import { createPairEmailActivities } from './pair-emails';
import { createPairRecordActivities } from './pair-records';
import { createScheduleActivities } from './schedule';

export type { ActivityDeps } from './activity-deps';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createScheduleActivities(),
    ...createPairEmailActivities(deps),
    ...createPairRecordActivities(deps),
  };
}

export type RapportActivities = ReturnType<typeof createActivities>;
