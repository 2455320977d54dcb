// The question bank's admin page (list, add, archive) and what the pair page needs to offer bank
// questions per stage. Plain forms posting to the same service as the JSON API.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BankQuestion } from '../question-sets/question-bank';
import { QUESTION_SET_STAGES } from '../question-sets/question-set-rules';
import type { Question, QuestionSetStages, QuestionType } from '../question-sets/question-types';
import { view } from '../http/page-view';
import { AdminError } from '../pairs/pair-admin';
import type { FormProblems } from '../templates/page-contexts';
import { formProblems, inputsOf } from './form-problems';
import type { QuestionBankAdmin } from './question-bank-admin';
import { field, QUESTION_TYPE_CHOICES, slug, STAGE_TITLES, type EditorFields } from './question-set-editor';

/** The add form's inputs, by the field of the bank's input they fill ({ question, stage }). */
const BANK_INPUTS = inputsOf({ 'question.text': 'text', 'question.id': 'questionId', 'question.type': 'type', 'question.options': 'options', stage: 'stage' });

type BankPageRequest = FastifyRequest<{ Params: { bankQuestionId: string }; Body: EditorFields | undefined; Querystring: { done?: string } }>;

const DONE_MESSAGES: Record<string, string> = {
  added: 'Added to the bank.',
  archived: 'Archived: it is no longer offered; pairs that took it keep their copy.',
};

/** The add form as the service's input, unchecked (as typed); an empty id is made from the text. */
export function bankQuestionFromForm(fields: EditorFields, takenIds: Set<string>): { question: Question; stage: string | null } {
  const text = field(fields, 'text');
  const type = field(fields, 'type') as QuestionType;
  const options = field(fields, 'options')
    .split('\n')
    .map((o) => o.trim())
    .filter(Boolean);
  const question = {
    id: field(fields, 'questionId') || slug(text, takenIds),
    text,
    type,
    required: field(fields, 'required') === 'on',
    ...(type === 'choice' ? { options } : {}),
  };
  return { question, stage: field(fields, 'stage') || null };
}

/** Per stage, the bank questions that suit it and are not in it yet, for the pair page. */
export function bankChoicesForPair(bank: BankQuestion[], stages: QuestionSetStages) {
  return QUESTION_SET_STAGES.map((stage) => ({
    stage,
    title: STAGE_TITLES[stage],
    questions: bank
      .filter((entry) => (entry.stage === null || entry.stage === stage) && !stages[stage].some((q) => q.id === entry.question.id))
      .map((entry) => ({ id: entry.id, text: entry.question.text })),
  }));
}

function formView(typed: EditorFields) {
  const type = field(typed, 'type') || 'text';
  const stage = field(typed, 'stage');
  return {
    typed,
    types: QUESTION_TYPE_CHOICES.map((value) => ({ value, selected: value === type })),
    stages: [{ value: '', label: 'any stage' }, ...QUESTION_SET_STAGES.map((value) => ({ value, label: STAGE_TITLES[value] }))].map((s) => ({
      ...s,
      selected: s.value === stage,
    })),
  };
}

export function registerQuestionBankPages(app: FastifyInstance, bank: QuestionBankAdmin, adminName: (request: FastifyRequest) => string): void {
  async function render(reply: FastifyReply, status: number, extra: { notice?: string; problems?: FormProblems; typed?: EditorFields } = {}) {
    return view(reply.code(status), 'admin-question-bank.hbs', {
      title: 'Question bank',
      questions: await bank.list(),
      notice: extra.notice,
      problems: extra.problems,
      ...formView(extra.typed ?? {}),
    });
  }

  /** Runs a change and goes back to the list, or shows the list again with the problems. */
  async function change(reply: FastifyReply, action: () => Promise<unknown>, done: string, typed?: EditorFields) {
    try {
      await action();
      return reply.code(303).header('Location', `/admin/question-bank?done=${done}`).send();
    } catch (error) {
      if (error instanceof AdminError) return render(reply, error.status, { problems: formProblems(error.problems, BANK_INPUTS), typed });
      throw error;
    }
  }

  app.get('/question-bank', async (request: BankPageRequest, reply) => render(reply, 200, { notice: DONE_MESSAGES[request.query.done ?? ''] }));

  app.post('/question-bank', async (request: BankPageRequest, reply) => {
    const fields = request.body ?? {};
    const taken = new Set((await bank.list()).map((entry) => entry.question.id));
    return change(reply, () => bank.add(bankQuestionFromForm(fields, taken), adminName(request)), 'added', fields);
  });

  app.post('/question-bank/:bankQuestionId/archive', async (request: BankPageRequest, reply) =>
    change(reply, () => bank.archive(request.params.bankQuestionId), 'archived'),
  );
}
