// The admin's pages: a pair's detail (timeline, trends, actions) and its question-set editor.
// Plain forms posting to the same admin service as the JSON API.
import { newSubmissionId, submissionIdOf } from '../pairs/submission-ids';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AdminError, type PairAdmin } from '../pairs/pair-admin';
import type { FormProblems } from '../templates/page-contexts';
import { formProblems, NO_INPUTS, type InputOf } from './form-problems';
import {
  meetingInstantFromForm,
  NEW_PAIR_INPUTS,
  newPairFromForm,
  inputsAsSent,
  RESCHEDULE_INPUTS,
  SCHEDULE_INPUTS,
  scheduleChangeFromForm,
  workingDaysAndInvitesInputs,
} from './pair-forms';
import type { QuestionBankAdmin } from './question-bank-admin';
import { bankChoicesForPair } from './question-bank-pages';
import { EDITOR_INPUTS, editorView, stagesFromEditor, withUnshownFields, type EditorFields } from './question-set-editor';
import { lineChartSvg } from './svg-chart';
import { formatLocal } from '../pairs/local-time';

type PageRequest = FastifyRequest<{ Params: { pairId: string; action?: string }; Body: EditorFields | undefined; Querystring: { done?: string } }>;

const ACTIONS = ['pause', 'resume', 'skip', 'end'] as const;
/** A pair whose workflow stopped (terminated, failed… in Temporal) offers a restart instead: nothing else can reach it. */
const STOPPED_ACTIONS = ['restart'] as const;
type PageAction = (typeof ACTIONS)[number] | (typeof STOPPED_ACTIONS)[number];
const DONE_MESSAGES: Record<string, string> = {
  pause: 'Paused: no emails go out until you resume.',
  resume: 'Resumed.',
  skip: 'The next meeting is skipped.',
  end: 'The pair has ended; its record is kept.',
  'question-set': 'Saved as a new version; the next form sent uses it.',
  'from-bank': 'Added from the question bank as a new version; the next form sent uses it.',
  reschedule: 'The meeting is moved; its remaining emails follow the new time.',
  schedule: 'The schedule is changed.',
  restart: "Restarted: the pair's workflow runs again and carries on from what Rapport has recorded.",
};

export function registerAdminPages(app: FastifyInstance, pairs: PairAdmin, bank: QuestionBankAdmin, adminName: (request: FastifyRequest) => string): void {
  async function render(
    reply: FastifyReply,
    pairId: string,
    extra: { notice?: string; problems?: FormProblems; stages?: ReturnType<typeof stagesFromEditor>; sentSchedule?: EditorFields } = {},
  ) {
    const [{ pair, status, stopped, search, undeliveredEmails }, history, questionSet, suggestions, bankQuestions] = await Promise.all([
      pairs.showPair(pairId),
      pairs.history(pairId),
      pairs.questionSet(pairId),
      pairs.suggestions(pairId),
      bank.list(),
    ]);
    const charts = history.scaleSeries.map((series) => ({ label: series.label, svg: lineChartSvg({ label: series.label, points: series.points }) }));
    return reply.code(extra.problems ? 422 : 200).view('admin-pair.hbs', {
      title: `${pair.reportName} and ${pair.managerName}`,
      pair,
      status,
      schedule: extra.sentSchedule
        ? inputsAsSent(extra.sentSchedule, workingDaysAndInvitesInputs(status.settings))
        : workingDaysAndInvitesInputs(status.settings),
      stopped: stopped && { ...stopped, since: stopped.stoppedAt && formatLocal(Date.parse(stopped.stoppedAt), pair.timeZone) },
      search,
      undeliveredEmails,
      history,
      charts,
      heldRate: history.meetingsHeld.rate === null ? 'no meetings yet' : `${Math.round(history.meetingsHeld.rate * 100)}%`,
      doneRate: history.actionItems.rate === null ? 'no action items yet' : `${Math.round(history.actionItems.rate * 100)}%`,
      questionSetVersion: questionSet.version,
      openSuggestions: suggestions.filter((x) => x.status === 'open'),
      editor: editorView(extra.stages ?? questionSet.stages, extra.problems),
      bankChoices: bankChoicesForPair(bankQuestions, questionSet.stages),
      actions: stopped ? STOPPED_ACTIONS : ACTIONS,
      // One id per page view: a form sent twice from it (a double click) is applied once.
      submission: newSubmissionId(),
      notice: extra.notice,
      problems: extra.problems,
    });
  }

  const onError = (reply: FastifyReply, error: unknown) => {
    if (error instanceof AdminError && error.status === 404) return reply.code(404).view('message.hbs', { title: 'No such pair', paragraphs: error.sentences });
    throw error;
  };

  /** The pair's page again, with the problems of the form that was sent beside its inputs. */
  const refused = (reply: FastifyReply, pairId: string, error: AdminError, inputOf: InputOf, stages?: ReturnType<typeof stagesFromEditor>) =>
    render(reply, pairId, { problems: formProblems(error.problems, inputOf), stages });

  app.get('/pairs/:pairId', async (request: PageRequest, reply) =>
    render(reply, request.params.pairId, { notice: DONE_MESSAGES[request.query.done ?? ''] }).catch((e) => onError(reply, e)),
  );

  app.post('/pairs/:pairId/actions/:action', async (request: PageRequest, reply) => {
    const { pairId, action } = request.params;
    const submission = submissionIdOf(request.body?.submission);
    const run = {
      pause: (id: string) => pairs.pause(id, submission),
      resume: (id: string) => pairs.resume(id, submission),
      skip: (id: string) => pairs.skip(id, undefined, submission),
      end: (id: string) => pairs.end(id, undefined, submission),
      restart: (id: string) => pairs.restart(id),
    }[action as PageAction];
    if (!run) return reply.code(404).view('message.hbs', { title: 'Unknown action', paragraphs: [] });
    try {
      await run(pairId);
      return reply.code(303).header('Location', `/admin/pairs/${pairId}?done=${action}`).send();
    } catch (error) {
      if (error instanceof AdminError && error.status !== 404) return refused(reply, pairId, error, NO_INPUTS);
      return onError(reply, error);
    }
  });

  app.post('/pairs/:pairId/suggestions/:action', async (request: PageRequest, reply) => {
    const { pairId, action } = request.params;
    const body = request.body ?? {};
    try {
      await pairs.decideSuggestion(pairId, String(body.suggestion ?? ''), action, adminName(request));
      return reply.code(303).header('Location', `/admin/pairs/${pairId}`).send();
    } catch (error) {
      if (error instanceof AdminError && error.status !== 404) return refused(reply, pairId, error, NO_INPUTS);
      return onError(reply, error);
    }
  });

  app.post('/pairs', async (request: PageRequest, reply) => {
    try {
      const { pairId } = await pairs.createPair(newPairFromForm(request.body ?? {}));
      return reply.code(303).header('Location', `/admin/pairs/${pairId}`).send();
    } catch (error) {
      if (!(error instanceof AdminError)) throw error;
      const problems = formProblems(error.problems, NEW_PAIR_INPUTS);
      const typed = request.body ?? {};
      const newPair = inputsAsSent(typed, workingDaysAndInvitesInputs({}));
      return reply.code(error.status).view('admin-pairs.hbs', { title: 'Pairs', pairs: await pairs.listPairs(), problems, typed, newPair });
    }
  });

  app.post('/pairs/import', async (request: PageRequest, reply) => {
    const csv = request.body?.csv;
    const report = await pairs.importPairs(typeof csv === 'string' ? csv : '');
    const refusedCount = report.refused.length + (report.refusedNotListed ?? 0);
    return reply.code(report.fileProblems.length > 0 ? 422 : 200).view('admin-import.hbs', { title: 'Import', report, refusedCount });
  });

  app.post('/pairs/:pairId/reschedule', async (request: PageRequest, reply) => {
    const { pairId } = request.params;
    try {
      const { pair } = await pairs.showPair(pairId);
      await pairs.reschedule(pairId, meetingInstantFromForm(request.body ?? {}, pair.timeZone), submissionIdOf(request.body?.submission));
      return reply.code(303).header('Location', `/admin/pairs/${pairId}?done=reschedule`).send();
    } catch (error) {
      if (error instanceof AdminError && error.status !== 404) return refused(reply, pairId, error, RESCHEDULE_INPUTS);
      return onError(reply, error);
    }
  });

  app.post('/pairs/:pairId/schedule', async (request: PageRequest, reply) => {
    const { pairId } = request.params;
    try {
      const { submission, ...fields } = request.body ?? {};
      await pairs.changeSchedule(pairId, scheduleChangeFromForm(fields), submissionIdOf(submission));
      return reply.code(303).header('Location', `/admin/pairs/${pairId}?done=schedule`).send();
    } catch (error) {
      if (error instanceof AdminError && error.status !== 404) {
        return render(reply, pairId, { problems: formProblems(error.problems, SCHEDULE_INPUTS), sentSchedule: request.body ?? {} });
      }
      return onError(reply, error);
    }
  });

  app.post('/pairs/:pairId/question-set', async (request: PageRequest, reply) => {
    const { pairId } = request.params;
    try {
      // The editor has no inputs for a scale's labels or a text's length limit: they are kept.
      const stages = withUnshownFields(stagesFromEditor(request.body ?? {}), (await pairs.questionSet(pairId)).stages);
      await pairs.saveQuestionSet(pairId, stages, adminName(request));
      return reply.code(303).header('Location', `/admin/pairs/${pairId}?done=question-set`).send();
    } catch (error) {
      if (error instanceof AdminError && error.status === 422) return refused(reply, pairId, error, EDITOR_INPUTS, stagesFromEditor(request.body ?? {}));
      return onError(reply, error);
    }
  });

  app.post('/pairs/:pairId/question-set/from-bank', async (request: PageRequest, reply) => {
    const { pairId } = request.params;
    const body = request.body ?? {};
    try {
      await bank.addToPair(pairId, body.stage, body.bankQuestionId, adminName(request));
      return reply.code(303).header('Location', `/admin/pairs/${pairId}?done=from-bank`).send();
    } catch (error) {
      if (!(error instanceof AdminError)) throw error;
      // An unknown bank question is shown on the pair's page; an unknown pair fails the render too.
      return refused(reply, pairId, error, NO_INPUTS).catch((e) => onError(reply, e));
    }
  });
}
