// The question-set editor as a plain HTML form (no JavaScript): every question of every stage is a
// row of fields; a blank row per stage adds one; rows can be removed and reordered by number. Each
// row has an input for every property its type has (a choice's options, a scale's labels, a text's
// length limit), so a page sent back unchanged reads back as the set it showed. Without JavaScript
// the page can only show the fields of the type a row has when it is rendered: after a type change
// the next rendering (the refusal, or the page after the save) shows the new type's fields. The
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
const TYPE_LABELS: Record<QuestionType, string> = {
  text: 'text',
  scale: 'scale (1 to 5)',
  yesNo: 'yes or no',
  choice: 'choice',
  actionItems: 'action items',
};

/** The inputs of one row, by the last part of their name (`<stage>.<row>.<input>`). */
export const ROW_FIELDS = ['id', 'new', 'text', 'type', 'options', 'scaleLow', 'scaleHigh', 'maxLength', 'order', 'required', 'remove'] as const;

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

/** A typed length limit: none when empty; anything but digits stays a number the rules refuse. */
function maxLengthOf(typed: string): number | undefined {
  if (typed === '') return undefined;
  return /^\d{1,6}$/.test(typed) ? Number(typed) : Number.NaN;
}

/** What a row's type has besides id, text, type and required; fields of other types are ignored. */
function typeFields(fields: EditorFields, at: string, type: QuestionType): Partial<Question> {
  if (type === 'choice') {
    const options = field(fields, `${at}.options`)
      .split('\n')
      .map((o) => o.trim())
      .filter(Boolean);
    return { options };
  }
  if (type === 'scale') {
    const [low, high] = [field(fields, `${at}.scaleLow`), field(fields, `${at}.scaleHigh`)];
    return low === '' && high === '' ? {} : { scaleLabels: { low, high } };
  }
  if (type === 'text') {
    const maxLength = maxLengthOf(field(fields, `${at}.maxLength`));
    return maxLength === undefined ? {} : { maxLength };
  }
  return {};
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
      const question: Question = { id, text, type, required: field(fields, `${at}.required`) === 'on', ...typeFields(fields, at, type) };
      rows.push({ order: Number(field(fields, `${at}.order`)) || index + 1, index, question });
    }
    stages[stage] = rows.sort((a, b) => a.order - b.order || a.index - b.index).map((row) => row.question);
  }
  const disabled = STAGES_THAT_CAN_BE_DISABLED.filter((stage) => field(fields, `${stage}.enabled`) !== 'on');
  return disabled.length > 0 ? { ...stages, disabledStages: disabled } : stages;
}

/** The question-set fields a row shows problems beside, and the input that shows them. */
const PROBLEM_INPUTS = { text: 'text', type: 'type', options: 'options', scaleLabels: 'scaleLow', maxLength: 'maxLength' } as const;
type ProblemField = keyof typeof PROBLEM_INPUTS;

const rowInputId = (stage: string, index: number, input: string) => `${stage}-${index}-${input}`;
const isProblemField = (name: string | undefined): name is ProblemField => name !== undefined && Object.hasOwn(PROBLEM_INPUTS, name);

/**
 * The editor's input for a field of the question set it shows ("reflection.1.text"): its rows are
 * the set's questions in order, so the set's own paths name them.
 */
export const EDITOR_INPUTS: InputOf = (path) => {
  const [stage, index, name] = path.split('.');
  if (!QUESTION_SET_STAGES.includes(stage as QuestionSetStage) || !/^\d+$/.test(index ?? '')) return undefined;
  return isProblemField(name) ? rowInputId(stage, Number(index), PROBLEM_INPUTS[name]) : undefined;
};

function rowProblems(problems: FormProblems | undefined, stage: string, index: number) {
  if (!problems) return {};
  const found = Object.entries(PROBLEM_INPUTS).flatMap(([name, input]) => {
    const problem = problems.byInput[rowInputId(stage, index, input)];
    return problem ? [[name, problem] as const] : [];
  });
  return Object.fromEntries(found);
}

const typedNumber = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? String(value) : '');

/** The fields of a row's type, with what the question holds; null for the types without them. */
function rowTypeFields(question: Pick<Question, 'type' | 'options' | 'scaleLabels' | 'maxLength'>) {
  return {
    choice: question.type === 'choice' ? { options: (question.options ?? []).join('\n') } : null,
    scale: question.type === 'scale' ? { low: question.scaleLabels?.low ?? '', high: question.scaleLabels?.high ?? '' } : null,
    lengthLimit: question.type === 'text' ? { maxLength: typedNumber(question.maxLength) } : null,
  };
}

const typeChoices = (type: QuestionType) => QUESTION_TYPE_CHOICES.map((t) => ({ value: t, label: TYPE_LABELS[t], selected: t === type }));

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
      isNew: false,
      types: typeChoices(q.type),
      ...rowTypeFields(q),
      problems: rowProblems(problems, stage, index),
    }));
    const blank = {
      stage,
      index: rows.length,
      order: rows.length + 1,
      id: '',
      text: '',
      required: false,
      isNew: true,
      types: typeChoices('text'),
      ...rowTypeFields({ type: 'text' }),
      problems: {},
    };
    const canBeDisabled = STAGES_THAT_CAN_BE_DISABLED.includes(stage);
    return { stage, title: STAGE_TITLES[stage], rows: [...rows, blank], canBeDisabled, enabled: !(stages.disabledStages ?? []).includes(stage) };
  });
}
