// The admin's pages: a pair's detail (what comes next, what is open, history, actions, forms), the
// confirmation before it ends, and its question-set editor.
// Plain forms posting to the same admin service as the JSON API.
import { newSubmissionId, submissionIdOf } from '../pairs/submission-ids';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AdminError, type PairAdmin } from '../pairs/pair-admin';
import type { FormProblems } from '../templates/page-contexts';
import { formProblems, inputsOf, NO_INPUTS, type InputOf } from './form-problems';
import {
  cadenceInputs,
  meetingInstantFromForm,
  NEW_PAIR_INPUTS,
  newPairFromForm,
  inputsAsSent,
  newPairSettingsInputs,
  RESCHEDULE_INPUTS,
  SCHEDULE_INPUTS,
  scheduleChangeFromForm,
  workingDaysAndInvitesInputs,
} from './pair-forms';
import type { QuestionBankAdmin } from './question-bank-admin';
import { bankChoicesForPair } from './question-bank-pages';
import { EDITOR_INPUTS, editorView, stagesFromEditor, type EditorFields } from './question-set-editor';
import { lineChartSvg } from './svg-chart';
import { processTimeZone, readableInstant } from '../pairs/local-time';
import { MAX_REASON_LENGTH } from '../workflows/pair-types';
import { problem } from '../workflows/problem-list';
import { PAGE_ACTIONS, pairPageView, type PageAction } from './pair-page-view';

type PageRequest = FastifyRequest<{ Params: { pairId: string; action?: string }; Body: EditorFields | undefined; Querystring: { done?: string } }>;

const DONE_MESSAGES: Record<string, string> = {
  pause: 'Paused: no emails go out until you resume.',
  resume: 'Resumed.',
  skip: 'The next meeting is skipped.',
  end: 'The pair has ended; its record is kept.',
  'question-set': 'Saved as a new version; the next form sent uses it.',
  'question-set-unchanged': 'Nothing changed in the questions, so no new version was saved.',
  'from-bank': 'Added from the question bank as a new version; the next form sent uses it.',
  reschedule: 'The meeting is moved; its remaining emails follow the new time.',
  schedule: 'The schedule is changed.',
  restart: "Restarted: the pair's workflow runs again and carries on from what Rapport has recorded.",
};

const END_REASON_REQUIRED = 'Say why the pair ends: the reason is kept with its record.';
const END_INPUTS = inputsOf({ reason: 'reason' });

type RenderExtra = {
  notice?: string;
  problems?: FormProblems;
  stages?: ReturnType<typeof stagesFromEditor>;
  sentSchedule?: EditorFields;
  /** The collapsed form whose problems are shown opens. */
  openForm?: 'reschedule' | 'schedule' | 'questions';
};

export function registerAdminPages(
  app: FastifyInstance,
  pairs: PairAdmin,
  bank: QuestionBankAdmin,
  adminName: (request: FastifyRequest) => string,
  adminTimeZone: string = processTimeZone(),
): void {
  async function render(reply: FastifyReply, pairId: string, extra: RenderExtra = {}) {
    const [view, history, questionSet, suggestions, bankQuestions] = await Promise.all([
      pairs.showPair(pairId),
      pairs.history(pairId),
      pairs.questionSet(pairId),
      pairs.suggestions(pairId),
      bank.list(),
    ]);
    const { pair, status, stopped, search } = view;
    const charts = history.scaleSeries.map((series) => ({ label: series.label, svg: lineChartSvg({ label: series.label, points: series.points }) }));
    return reply.code(extra.problems ? 422 : 200).view('admin-pair.hbs', {
      title: `${pair.reportName} and ${pair.managerName}`,
      pair,
      ...pairPageView(view, history, adminTimeZone),
      schedule: extra.sentSchedule
        ? inputsAsSent(extra.sentSchedule, workingDaysAndInvitesInputs(status.settings))
        : workingDaysAndInvitesInputs(status.settings),
      cadence: cadenceInputs(status.settings.cadence, extra.sentSchedule),
      openForm: { reschedule: extra.openForm === 'reschedule', schedule: extra.openForm === 'schedule', questions: extra.openForm === 'questions' },
      stopped: stopped && { ...stopped, since: stopped.stoppedAt && readableInstant(stopped.stoppedAt, pair.timeZone, adminTimeZone) },
      search,
      charts,
      heldRate:
        history.meetingsHeld.rate === null
          ? 'no meetings yet'
          : `${Math.round(history.meetingsHeld.rate * 100)}% confirmed (${history.meetingsHeld.held} of ${history.meetingsHeld.closed}; ${history.meetingsHeld.unconfirmed} unconfirmed)`,
      doneRate: history.actionItems.rate === null ? 'no action items yet' : `${Math.round(history.actionItems.rate * 100)}%`,
      questionSetVersion: questionSet.version,
      openSuggestions: suggestions.filter((x) => x.status === 'open'),
      editor: editorView(extra.stages ?? questionSet.stages, extra.problems),
      editorAction: `/admin/pairs/${pair.id}/question-set`,
      bankChoices: bankChoicesForPair(bankQuestions, questionSet.stages),
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
    render(reply, pairId, { problems: formProblems(error.problems, inputOf), stages, ...(stages ? { openForm: 'questions' as const } : {}) });

  /** The confirmation before a pair ends: a reason is asked for, and nothing happens until it is sent. */
  async function renderEnd(reply: FastifyReply, pairId: string, sent?: { reason: string; submission: string; problems: FormProblems }) {
    const { pair } = await pairs.showPair(pairId);
    return reply.code(sent ? 422 : 200).view('admin-pair-end.hbs', {
      title: `End ${pair.reportName} and ${pair.managerName}?`,
      pair,
      submission: sent?.submission ?? newSubmissionId(),
      reason: sent?.reason ?? '',
      maxReasonLength: MAX_REASON_LENGTH,
      ...(sent ? { problems: sent.problems } : {}),
    });
  }

  app.get('/pairs/:pairId', async (request: PageRequest, reply) => {
    const done = request.query.done ?? '';
    // After a save the questions stay open, to see what was saved.
    const openForm = ['question-set', 'question-set-unchanged', 'from-bank'].includes(done) ? ('questions' as const) : undefined;
    return render(reply, request.params.pairId, { notice: DONE_MESSAGES[done], openForm }).catch((e) => onError(reply, e));
  });

  app.get('/pairs/:pairId/end', async (request: PageRequest, reply) => renderEnd(reply, request.params.pairId).catch((e) => onError(reply, e)));

  /** Ends the pair with the reason typed on the confirmation page; without one, the page asks again. */
  async function endPair(request: PageRequest, reply: FastifyReply) {
    const { pairId } = request.params;
    const submission = submissionIdOf(request.body?.submission);
    const sent = request.body?.reason;
    const reason = typeof sent === 'string' ? sent.trim() : '';
    const again = (problems: FormProblems) => renderEnd(reply, pairId, { reason: typeof sent === 'string' ? sent : '', submission, problems });
    try {
      if (reason === '') return await again(formProblems([problem('reason', END_REASON_REQUIRED)], END_INPUTS));
      await pairs.end(pairId, reason, submission);
      return reply.code(303).header('Location', `/admin/pairs/${pairId}?done=end`).send();
    } catch (error) {
      if (error instanceof AdminError && error.status === 422) return again(formProblems(error.problems, END_INPUTS));
      if (error instanceof AdminError && error.status !== 404) return refused(reply, pairId, error, NO_INPUTS);
      return onError(reply, error);
    }
  }

  app.post('/pairs/:pairId/actions/:action', async (request: PageRequest, reply) => {
    const { pairId, action } = request.params;
    if (action === 'end') return endPair(request, reply);
    const submission = submissionIdOf(request.body?.submission);
    const run = {
      pause: (id: string) => pairs.pause(id, submission),
      resume: (id: string) => pairs.resume(id, submission),
      skip: (id: string) => pairs.skip(id, undefined, submission),
      restart: (id: string) => pairs.restart(id),
    }[action as PageAction & (typeof PAGE_ACTIONS)[number]];
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
      return reply.code(error.status).view('admin-pairs.hbs', {
        title: 'Pairs',
        list: (await pairs.listView({})).list,
        problems,
        typed,
        newPair,
        newPairSettings: newPairSettingsInputs(typed),
      });
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
      if (error instanceof AdminError && error.status !== 404) {
        return render(reply, pairId, { problems: formProblems(error.problems, RESCHEDULE_INPUTS), openForm: 'reschedule' });
      }
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
        return render(reply, pairId, { problems: formProblems(error.problems, SCHEDULE_INPUTS), sentSchedule: request.body ?? {}, openForm: 'schedule' });
      }
      return onError(reply, error);
    }
  });

  app.post('/pairs/:pairId/question-set', async (request: PageRequest, reply) => {
    const { pairId } = request.params;
    // Every property of every question has its input on the page, so the form alone is the set.
    const stages = stagesFromEditor(request.body ?? {});
    try {
      const saved = await pairs.saveChangedQuestionSet(pairId, stages, adminName(request));
      return reply
        .code(303)
        .header('Location', `/admin/pairs/${pairId}?done=${saved ? 'question-set' : 'question-set-unchanged'}`)
        .send();
    } catch (error) {
      if (error instanceof AdminError && error.status === 422) return refused(reply, pairId, error, EDITOR_INPUTS, stages);
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
