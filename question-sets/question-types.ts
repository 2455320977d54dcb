// The questions a form asks. A question set holds one list per form.
import type { FormKind } from '../workflows/pair-types';

export type QuestionType = 'text' | 'scale' | 'yesNo' | 'choice' | 'actionItems';

export interface Question {
  /** Stable id, unique within its list; answers are keyed by it. */
  id: string;
  text: string;
  type: QuestionType;
  required: boolean;
  /** choice only. */
  options?: string[];
  /** text only; defaults to 2,000 characters. */
  maxLength?: number;
  /** scale only: what 1 and 5 mean. */
  scaleLabels?: { low: string; high: string };
}

/** Which list of the question set each form shows. Both follow-up forms ask the same questions. */
export type QuestionSetStage = 'reflection' | 'managerPrep' | 'followUp' | 'feedback';
/** One list of questions per form; a stage listed in disabledStages sends no form at all. */
export type QuestionSetStages = Record<QuestionSetStage, Question[]> & { disabledStages?: QuestionSetStage[] };

/** The report's reflection is what a cycle is built around, so it cannot be switched off. */
export const STAGES_THAT_CAN_BE_DISABLED: QuestionSetStage[] = ['managerPrep', 'followUp', 'feedback'];

export const STAGE_OF_FORM: Record<FormKind, QuestionSetStage> = {
  reflection: 'reflection',
  managerPrep: 'managerPrep',
  followUpReport: 'followUp',
  followUpManager: 'followUp',
  feedback: 'feedback',
};
