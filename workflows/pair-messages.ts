import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type {
  AnswerMessage,
  AnswerReceipt,
  EndRequest,
  PairStatus,
  PauseRequest,
  RescheduleRequest,
  ScheduleChange,
  SkipRequest,
  TopicMessage,
} from './pair-types';

/** Updates, so that a rejected message comes back to the caller with a clear reason. */
export const answerFormUpdate = defineUpdate<AnswerReceipt, [AnswerMessage]>('answerForm');
export const skipMeetingUpdate = defineUpdate<PairStatus, [SkipRequest]>('skipMeeting');
export const rescheduleMeetingUpdate = defineUpdate<PairStatus, [RescheduleRequest]>('rescheduleMeeting');
/** Older senders sent no argument: the handler takes a missing one as an admin's open-ended pause. */
export const pauseUpdate = defineUpdate<PairStatus, [PauseRequest]>('pause');
export const resumeUpdate = defineUpdate<PairStatus, []>('resume');
export const changeScheduleUpdate = defineUpdate<PairStatus, [ScheduleChange]>('changeSchedule');
export const questionSetChangedUpdate = defineUpdate<PairStatus, [{ version: number }]>('questionSetChanged');
export const addTopicUpdate = defineUpdate<{ topicId: string; forCycle: number }, [TopicMessage]>('addTopic');
export const endPairUpdate = defineUpdate<PairStatus, [EndRequest]>('endPair');

export const pairStatusQuery = defineQuery<PairStatus>('pairStatus');
