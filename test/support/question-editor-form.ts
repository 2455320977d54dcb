// The fields a question-set editor page sends (the admin's pair page and the manager's page share
// the editor), built from a question set as the page shows it (no blank rows).
import type { QuestionSetStages } from '../../question-sets/question-types';

export function editorFields(stages: QuestionSetStages, submission: string): Record<string, string> {
  const fields: Record<string, string> = { submission };
  for (const stage of ['reflection', 'managerPrep', 'followUp', 'feedback'] as const) {
    if (stage !== 'reflection' && !(stages.disabledStages ?? []).includes(stage)) fields[`${stage}.enabled`] = 'on';
    stages[stage].forEach((question, index) => {
      const at = `${stage}.${index}`;
      Object.assign(fields, { [`${at}.id`]: question.id, [`${at}.text`]: question.text, [`${at}.type`]: question.type, [`${at}.order`]: String(index + 1) });
      if (question.required) fields[`${at}.required`] = 'on';
      if (question.options) fields[`${at}.options`] = question.options.join('\n');
    });
  }
  return fields;
}
