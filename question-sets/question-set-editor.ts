// The question-set editor as a plain HTML form (no JavaScript): every question of every stage is a
// row of fields; a blank row per stage adds one; rows can be removed and reordered by number. The
// admin's pair page and the manager's page for the pair (web/manager-page.ts) show the same editor.
import type { FormProblems } from '../templates/page-contexts';
import { STAGES_THAT_CAN_BE_DISABLED, type Question, type QuestionSetStage, type QuestionSetStages, type QuestionType } from './question-types';
import { QUESTION_SET_STAGES } from './question-set-rules';

/** The id of the page's input for a field of the question set, or undefined when the page has none (http/form-problems.ts). */
type InputOf = (field: string) => string | undefined;

export type EditorFields = Record<string, string | string[] | undefined>;

export const STAGE_TITLES: Record<string, string> = {
  reflection: 'Reflection (to the report)',
  managerPrep: 'Preparation (to the manager)',
  followUp: 'Follow-up (to both)',
  feedback: 'Feedback on the manager (to the report)',
};
export const QUESTION_TYPE_CHOICES: QuestionType[] = ['text', 'scale', 'yesNo', 'choice', 'actionItems'];

export const field = (fields: EditorFields, name: string): string => {
  const value = fields[name];
  return (Array.isArray(value) ? value[0] : (value ?? '')).trim();
};

/** A question id made from its text, not one of `taken`. */
export function slug(text: string, taken: Set<string>): string {
  const base = ('q-' + text.toLowerCase().replace(/[^a-z0-9]+/g, '-')).replace(/-+$/, '').slice(0, 30) || 'q';
  let id = base;
  for (let n = 2; taken.has(id); n += 1) id = `${base}-${n}`;
  return id;
}

/** The stages the editor's form describes; validation happens afterwards, as for the API. */
export function stagesFromEditor(fields: EditorFields): QuestionSetStages {
  const stages = {} as QuestionSetStages;
  for (const stage of QUESTION_SET_STAGES) {
    const rows: { order: number; index: number; question: Question }[] = [];
    const taken = new Set<string>();
    for (let index = 0; fields[`${stage}.${index}.text`] !== undefined; index += 1) {
      const at = `${stage}.${index}`;
      const text = field(fields, `${at}.text`);
      const isNew = field(fields, `${at}.new`) === '1';
      if (field(fields, `${at}.remove`) === 'on' || (isNew && text === '')) continue;
      const id = field(fields, `${at}.id`) || slug(text, taken);
      taken.add(id);
      const type = field(fields, `${at}.type`) as QuestionType;
      const options = field(fields, `${at}.options`)
        .split('\n')
        .map((o) => o.trim())
        .filter(Boolean);
      const question: Question = { id, text, type, required: field(fields, `${at}.required`) === 'on', ...(type === 'choice' ? { options } : {}) };
      rows.push({ order: Number(field(fields, `${at}.order`)) || index + 1, index, question });
    }
    stages[stage] = rows.sort((a, b) => a.order - b.order || a.index - b.index).map((row) => row.question);
  }
  const disabled = STAGES_THAT_CAN_BE_DISABLED.filter((stage) => field(fields, `${stage}.enabled`) !== 'on');
  return disabled.length > 0 ? { ...stages, disabledStages: disabled } : stages;
}

const ROW_INPUTS = ['text', 'type', 'options'] as const;
type RowInput = (typeof ROW_INPUTS)[number];

const rowInputId = (stage: string, index: number, input: RowInput) => `${stage}-${index}-${input}`;

/**
 * The editor's input for a field of the question set it shows ("reflection.1.text"): its rows are
 * the set's questions in order, so the set's own paths name them.
 */
export const EDITOR_INPUTS: InputOf = (field) => {
  const [stage, index, input] = field.split('.');
  if (!QUESTION_SET_STAGES.includes(stage as QuestionSetStage) || !/^\d+$/.test(index ?? '')) return undefined;
  return ROW_INPUTS.includes(input as RowInput) ? rowInputId(stage, Number(index), input as RowInput) : undefined;
};

function rowProblems(problems: FormProblems | undefined, stage: string, index: number) {
  if (!problems) return {};
  const found = ROW_INPUTS.flatMap((input) => {
    const problem = problems.byInput[rowInputId(stage, index, input)];
    return problem ? [[input, problem] as const] : [];
  });
  return Object.fromEntries(found);
}

/** The editor's view model: existing questions plus one blank row per stage, with the problems beside their inputs. */
export function editorView(stages: QuestionSetStages, problems?: FormProblems) {
  return QUESTION_SET_STAGES.map((stage) => {
    const rows = stages[stage].map((q, index) => ({
      stage,
      index,
      order: index + 1,
      id: q.id,
      text: q.text,
      required: q.required,
      options: (q.options ?? []).join('\n'),
      isNew: false,
      types: QUESTION_TYPE_CHOICES.map((t) => ({ value: t, selected: t === q.type })),
      problems: rowProblems(problems, stage, index),
    }));
    const blank = {
      stage,
      index: rows.length,
      order: rows.length + 1,
      id: '',
      text: '',
      required: false,
      options: '',
      isNew: true,
      types: QUESTION_TYPE_CHOICES.map((t) => ({ value: t, selected: t === 'text' })),
    };
    const canBeDisabled = STAGES_THAT_CAN_BE_DISABLED.includes(stage);
    return { stage, title: STAGE_TITLES[stage], rows: [...rows, blank], canBeDisabled, enabled: !(stages.disabledStages ?? []).includes(stage) };
  });
}

/**
 * The edited stages with what the editor has no inputs for kept from the set it edited: a scale's
 * labels and a text's length limit stay with the question of the same id and type, so saving the
 * page does not drop them.
 */
export function withUnshownFields(edited: QuestionSetStages, before: QuestionSetStages): QuestionSetStages {
  const kept = { ...edited };
  for (const stage of QUESTION_SET_STAGES) {
    const previous = new Map((before[stage] ?? []).map((q) => [q.id, q]));
    kept[stage] = edited[stage].map((question) => {
      const old = previous.get(question.id);
      if (!old || old.type !== question.type) return question;
      return {
        ...question,
        ...(old.scaleLabels && question.type === 'scale' ? { scaleLabels: old.scaleLabels } : {}),
        ...(old.maxLength !== undefined && question.type === 'text' ? { maxLength: old.maxLength } : {}),
      };
    });
  }
  return kept;
}
