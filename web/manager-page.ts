// The manager's page for the pair (/pairs/:token/questions), reached from the manager's own pair
// link: the pair's question editor (the admin's editor, rules, versions and audit, scoped to this
// pair, saved as the manager), the report's suggestions to accept or dismiss, and the summary of
// the feedback the manager's reports shared pooled. The 1:1 is the report's space: the manager
// shapes its questions with the report, and the report is told in their next form when a
// suggestion of theirs was taken up. A report's link, like an invalid one, gets "link does not work".
import type { Client } from '@temporalio/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formProblems } from '../http/form-problems';
import { view } from '../http/page-view';
import { invalidLinkPage as invalidLink, messagePage as message, unreadableFormPage } from '../http/request-refusals';
import { pooledFeedbackSummary } from '../pairs/feedback-pool';
import { openPairLink, type PairRow } from '../pairs/links';
import { decideSuggestion, editQuestionSet, isSuggestionDecision, MANAGER, openReportSuggestions } from '../pairs/pair-questions';
import { newSubmissionId, submissionIdOf, updateIdFor } from '../pairs/submission-ids';
import type { RapportPrisma } from '../prisma/database';
import { EDITOR_INPUTS, editorView, ROW_FIELDS, stagesFromEditor } from '../question-sets/question-set-editor';
import { currentQuestionSet } from '../question-sets/question-set-repository';
import { QUESTION_SET_STAGES } from '../question-sets/question-set-rules';
import type { QuestionSetStages } from '../question-sets/question-types';
import type { FormProblems } from '../templates/page-contexts';
import { problem, requestProblem, type Problem } from '../workflows/problem-list';
import { formFieldsOf } from './answer-validation';

export interface ManagerPageOptions {
  db: RapportPrisma;
  temporal: Client;
  updateTimeoutMs: number;
  /** The fewest reports whose pooled feedback the summary shows (FEEDBACK_POOL_MINIMUM). */
  feedbackPoolMinimum: number;
  fromOwnPage(request: FastifyRequest): boolean;
}

type ManagerRequest = FastifyRequest<{ Params: { token: string }; Body: unknown; Querystring: { done?: unknown } }>;

const NOTICES: Record<string, string> = {
  saved: 'Saved as a new version of the questions; the next form sent uses it.',
  unchanged: 'Nothing to save: the questions are as they were.',
  accepted: 'Accepted. The report is told in their next form; change the questions below to take the suggestion up.',
  dismissed: 'Dismissed.',
};

/** The editor's field names: `<stage>.<row>.<input>`, `<stage>.enabled`, and the submission id. */
const EDITOR_FIELD = new RegExp(`^(${QUESTION_SET_STAGES.join('|')})\\.(\\d{1,3}\\.(${ROW_FIELDS.join('|')})|enabled)$`);
const SUGGESTION_FIELDS = new Set(['suggestion', 'decision', 'submission']);

const unknownFieldProblem = (names: string[]): Problem[] =>
  names.length === 0 ? [] : [requestProblem(`The form sent something it does not ask for ("${names[0].slice(0, 60)}"). Nothing was saved.`)];

/** The manager's link to this pair; a report's link (or none) answers as an invalid link does. */
async function managerLink(db: RapportPrisma, token: string): Promise<PairRow | null> {
  const link = await openPairLink(db, token);
  return link?.role === 'manager' ? link.pair : null;
}

const refuseCrossSite = (reply: FastifyReply) =>
  message(reply, 403, 'This form must be sent from its own page', 'Open the link in your email and send the form from there.');

const refuseEnded = (reply: FastifyReply) => message(reply, 409, 'Not saved', 'These 1:1s have ended, so their questions no longer change.');

interface PageState {
  notice?: string;
  problems?: FormProblems;
  /** The stages as typed, shown again with their problems. */
  stages?: QuestionSetStages;
  submission?: string;
}

export function registerManagerPage(app: FastifyInstance, options: ManagerPageOptions): void {
  const { db } = options;
  const deps = { db, temporal: options.temporal, updateTimeoutMs: options.updateTimeoutMs };

  async function render(reply: FastifyReply, token: string, pair: PairRow, state: PageState = {}) {
    const [questionSet, suggestions, feedback] = await Promise.all([
      currentQuestionSet(db, pair.id),
      openReportSuggestions(db, pair.id),
      pooledFeedbackSummary(db, pair.managerEmail, options.feedbackPoolMinimum),
    ]);
    return view(reply.code(state.problems ? 422 : 200), 'questions.hbs', {
      title: `Your 1:1s with ${pair.reportName}: the questions`,
      reportName: pair.reportName,
      managerName: pair.managerName,
      notice: state.notice,
      problems: state.problems,
      action: `/pairs/${token}/questions`,
      suggestionAction: `/pairs/${token}/questions/suggestions`,
      recordUrl: `/pairs/${token}/record`,
      submission: state.submission ?? newSubmissionId(),
      questionSetVersion: questionSet.version,
      editor: editorView(state.stages ?? questionSet.stages, state.problems),
      suggestions,
      feedback: feedback.shown
        ? { periodDays: feedback.periodDays, message: null, scales: feedback.scales, texts: feedback.texts }
        : { periodDays: feedback.periodDays, message: feedback.message, scales: [], texts: [] },
    });
  }

  const refused = (reply: FastifyReply, token: string, pair: PairRow, problems: Problem[], state: PageState) =>
    render(reply, token, pair, { ...state, problems: formProblems(problems, EDITOR_INPUTS) });

  app.get('/pairs/:token/questions', async (request: ManagerRequest, reply) => {
    const pair = await managerLink(db, request.params.token);
    if (!pair) return invalidLink(reply);
    const done = typeof request.query.done === 'string' ? NOTICES[request.query.done] : undefined;
    return render(reply, request.params.token, pair, { notice: done });
  });

  /** The manager's pair and the posted fields, or the refusal already sent (cross-site, bad link, unreadable body). */
  async function openPost(request: ManagerRequest, reply: FastifyReply) {
    if (!options.fromOwnPage(request)) return { refusal: refuseCrossSite(reply) };
    const pair = await managerLink(db, request.params.token);
    if (!pair) return { refusal: invalidLink(reply) };
    const fields = formFieldsOf(request.body);
    if (!fields) return { refusal: unreadableFormPage(reply) };
    return { token: request.params.token, pair, fields };
  }

  app.post('/pairs/:token/questions', async (request: ManagerRequest, reply) => {
    const opened = await openPost(request, reply);
    if ('refusal' in opened) return opened.refusal;
    const { token, pair, fields } = opened;
    if (pair.status === 'ended') return refuseEnded(reply);
    const submission = submissionIdOf(fields.submission);
    const stages = stagesFromEditor(fields);
    const unknown = unknownFieldProblem(Object.keys(fields).filter((name) => name !== 'submission' && !EDITOR_FIELD.test(name)));
    if (unknown.length > 0) return refused(reply, token, pair, unknown, { stages, submission });
    const edit = await editQuestionSet(deps, pair.id, stages, MANAGER, { skipUnchanged: true, updateId: updateIdFor('question-set', submission) });
    if (edit.outcome === 'refused') return refused(reply, token, pair, edit.problems, { stages, submission });
    return reply
      .code(303)
      .header('Location', `/pairs/${token}/questions?done=${edit.outcome === 'saved' ? 'saved' : 'unchanged'}`)
      .send();
  });

  app.post('/pairs/:token/questions/suggestions', async (request: ManagerRequest, reply) => {
    const opened = await openPost(request, reply);
    if ('refusal' in opened) return opened.refusal;
    const { token, pair, fields } = opened;
    const { suggestion, decision } = fields;
    const problems = [
      ...unknownFieldProblem(Object.keys(fields).filter((name) => !SUGGESTION_FIELDS.has(name))),
      ...(isSuggestionDecision(decision) ? [] : [problem('decision', 'Choose to accept or dismiss the suggestion.')]),
      ...(typeof suggestion === 'string' && suggestion !== '' ? [] : [problem('suggestion', 'Choose the suggestion to decide.')]),
    ];
    if (problems.length > 0 || !isSuggestionDecision(decision) || typeof suggestion !== 'string') return refused(reply, token, pair, problems, {});
    if (!(await decideSuggestion(db, pair.id, suggestion, decision, MANAGER))) {
      return refused(reply, token, pair, [requestProblem('That suggestion was already decided, or is not one of this 1:1. Nothing was changed.')], {});
    }
    return reply.code(303).header('Location', `/pairs/${token}/questions?done=${decision}`).send();
  });
}
