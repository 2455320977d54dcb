import type { QuestionSetStages } from './question-types';

/**
 * The organisation's starting question set, drawn from the practice notes: the report's topics
 * come first, nothing here rates performance, the follow-up records action items, and every Nth
 * meeting the report is asked for feedback on the manager (and on the 1:1 itself, so that the
 * questions and format can be co-designed).
 */
export const DEFAULT_QUESTION_SET: QuestionSetStages = {
  reflection: [
    { id: 'topics', text: 'What do you want to talk about? Your topics come first.', type: 'text', required: true },
    { id: 'wins', text: 'What went well since our last 1:1?', type: 'text', required: false },
    { id: 'blockers', text: 'Where are you stuck, or where could I help?', type: 'text', required: false },
    {
      id: 'energy',
      text: 'How are you feeling about your work right now?',
      type: 'scale',
      required: false,
      scaleLabels: { low: 'drained', high: 'energised' },
    },
    { id: 'growth', text: 'Anything about your growth or career you would like to discuss?', type: 'text', required: false },
  ],
  managerPrep: [
    { id: 'topics', text: 'What would you like to cover, after their topics?', type: 'text', required: false },
    { id: 'recognition', text: 'What recognition or feedback do you want to give?', type: 'text', required: false },
    { id: 'owed', text: 'What did you promise last time, and where does it stand?', type: 'text', required: false },
  ],
  followUp: [
    { id: 'held', text: 'Did the 1:1 take place?', type: 'yesNo', required: true },
    { id: 'actionItems', text: 'Which action items did you agree on?', type: 'actionItems', required: false },
    { id: 'notes', text: 'Anything else worth keeping in the record?', type: 'text', required: false },
  ],
  feedback: [
    { id: 'keep', text: 'What should your manager keep doing?', type: 'text', required: false },
    { id: 'change', text: 'What should your manager do differently?', type: 'text', required: false },
    {
      id: 'usefulness',
      text: 'How useful are our 1:1s for you?',
      type: 'scale',
      required: true,
      scaleLabels: { low: 'not useful', high: 'very useful' },
    },
    {
      id: 'format',
      text: 'Would you change anything about our 1:1s: length, format, questions?',
      type: 'text',
      required: false,
    },
  ],
};
