// The "this 1:1" page behind every email's pair link: GET shows the next meeting and what changed
// (and changes nothing: mail scanners open every link); its three forms skip the next meeting, move
// it, or pause the 1:1s for an absence. Registered by link-routes.ts inside its plugin, so the same
// limits, body cap and parser apply. A refusal, ours or the workflow's, shows the page again with
// the message beside the form and nothing stored.
import type { Client } from '@temporalio/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { view } from '../http/page-view';
import { invalidLinkPage, messagePage, unreadableFormPage } from '../http/request-refusals';
import { openPairLink, type OpenedPairLink } from '../pairs/links';
import { formatLocal, formatLocalDate } from '../pairs/local-time';
import {
  awayUntilOf,
  meetingOverview,
  moveNextMeeting,
  newMeetingTimeOf,
  pauseUntil,
  skipNextMeeting,
  skipReasonOf,
  type ChangeOutcome,
} from '../pairs/pair-self-service';
import { submissionIdOf } from '../pairs/submission-ids';
import type { RapportPrisma } from '../prisma/database';
import type { PairStatus, Role } from '../workflows/pair-types';
import { formFieldsOf } from './answer-validation';
import { meetingFormFields, meetingNumberOf, meetingPage, refusalForPerson, UNKNOWN_FIELDS, type MeetingFormName, type SentBack } from './meeting-page';

export interface MeetingRouteOptions {
  db: RapportPrisma;
  temporal: Client;
  updateTimeoutMs: number;
  fromOwnPage: (request: FastifyRequest) => boolean;
  refuseCrossSite: (reply: FastifyReply) => FastifyReply;
}

type TokenRequest = FastifyRequest<{ Params: { token: string }; Body: unknown }>;

/** A form read from its request, or the reply already given when it could not be. */
type ReadForm = { read: true; link: OpenedPairLink; typed: Record<string, string>; submission: string } | { read: false; reply: FastifyReply };

const STOPPED =
  'Your 1:1s are not running just now, so nothing was changed. Please tell whoever set up your 1:1s: they can start them again, and then this page works again.';
const ENDED = 'These 1:1s have ended, so they can no longer be changed.';
const UNREACHABLE = 'The change could not be made just now. Please try again in a moment: sending it again never applies it twice.';

const nameOf = (link: OpenedPairLink, role: Role) => (role === 'report' ? link.pair.reportName : link.pair.managerName);
const otherName = (link: OpenedPairLink) => nameOf(link, link.role === 'report' ? 'manager' : 'report');

export function registerMeetingRoutes(app: FastifyInstance, options: MeetingRouteOptions): void {
  const { db } = options;
  const selfService = { db, temporal: options.temporal, updateTimeoutMs: options.updateTimeoutMs };

  async function showPage(reply: FastifyReply, status: number, token: string, link: OpenedPairLink, sentBack?: SentBack) {
    const now = Date.now();
    const overview = await meetingOverview(db, link.pair, now);
    return view(reply.code(status), 'meeting.hbs', meetingPage({ token, pair: link.pair, viewer: link.role, overview, now, sentBack }));
  }

  const confirmation = (reply: FastifyReply, token: string, title: string, ...paragraphs: string[]) =>
    view(reply, 'message.hbs', { title, paragraphs, backUrl: `/pairs/${token}/meeting`, backLabel: 'Back to this 1:1' });

  async function readForm(form: MeetingFormName, request: TokenRequest, reply: FastifyReply): Promise<ReadForm> {
    if (!options.fromOwnPage(request)) return { read: false, reply: options.refuseCrossSite(reply) };
    const link = await openPairLink(db, request.params.token);
    if (!link) return { read: false, reply: await invalidLinkPage(reply) };
    if (link.pair.status === 'ended') return { read: false, reply: await messagePage(reply, 409, 'Not changed', ENDED) };
    const fields = formFieldsOf(request.body);
    if (!fields) return { read: false, reply: await unreadableFormPage(reply) };
    const submission = submissionIdOf(fields.submission);
    const typed = meetingFormFields(form, fields);
    if (!typed) return { read: false, reply: await showPage(reply, 422, request.params.token, link, { form, problem: UNKNOWN_FIELDS, typed: {}, submission }) };
    return { read: true, link, typed, submission };
  }

  /** What the person sees of a change: the confirmation, the workflow's refusal beside the form, or why it was not made. */
  function answer(
    reply: FastifyReply,
    token: string,
    link: OpenedPairLink,
    outcome: ChangeOutcome,
    refuse: (problem: string) => unknown,
    confirm: (status: PairStatus) => unknown,
  ) {
    switch (outcome.outcome) {
      case 'changed':
        return confirm(outcome.status);
      case 'refused':
        return refuse(refusalForPerson(outcome.message, link.pair.timeZone));
      case 'alreadySkipped':
        return confirmation(
          reply,
          token,
          'Meeting skipped',
          `${outcome.meeting === null ? 'Your next meeting' : `Meeting ${outcome.meeting}`} is skipped already: it will not take place.`,
        );
      case 'ended':
        return messagePage(reply, 409, 'Not changed', ENDED);
      case 'stopped':
        return messagePage(reply, 409, 'Not changed', STOPPED);
      case 'unreachable':
        return messagePage(reply, 503, 'Not saved: please try again', UNREACHABLE);
    }
  }

  app.get('/pairs/:token/meeting', async (request: TokenRequest, reply) => {
    const link = await openPairLink(db, request.params.token);
    if (!link) return invalidLinkPage(reply);
    return showPage(reply, 200, request.params.token, link);
  });

  app.post('/pairs/:token/meeting/skip', async (request: TokenRequest, reply) => {
    const form = await readForm('skip', request, reply);
    if (!form.read) return form.reply;
    const { link, typed, submission } = form;
    const token = request.params.token;
    const refuse = (problem: string) => showPage(reply, 422, token, link, { form: 'skip', problem, typed, submission });
    const meeting = meetingNumberOf(typed.meeting);
    if (meeting === undefined) return refuse(UNKNOWN_FIELDS);
    const reason = skipReasonOf(typed.reason ?? '');
    if (!reason.ok) return refuse(reason.problem);
    const outcome = await skipNextMeeting(selfService, link.pair, {
      by: link.role,
      submission,
      ...(meeting === null ? {} : { meeting }),
      ...(reason.value === undefined ? {} : { reason: reason.value }),
    });
    return answer(reply, token, link, outcome, refuse, (status) => {
      const when =
        meeting !== null && status.cycle === meeting && status.meetingAt ? ` on ${formatLocal(Date.parse(status.meetingAt), link.pair.timeZone)}` : '';
      const which = meeting === null ? 'Your next meeting' : `Meeting ${meeting}${when}`;
      return confirmation(
        reply,
        token,
        'Meeting skipped',
        `${which} will not take place. Your 1:1s carry on at the usual cadence after it.`,
        `${otherName(link)} is told by email${reason.value === undefined ? '' : ', with your reason'}.`,
      );
    });
  });

  app.post('/pairs/:token/meeting/move', async (request: TokenRequest, reply) => {
    const form = await readForm('move', request, reply);
    if (!form.read) return form.reply;
    const { link, typed, submission } = form;
    const token = request.params.token;
    const refuse = (problem: string) => showPage(reply, 422, token, link, { form: 'move', problem, typed, submission });
    const meetingAt = newMeetingTimeOf({ date: typed.date ?? '', time: typed.time ?? '' }, link.pair.timeZone);
    if (!meetingAt.ok) return refuse(meetingAt.problem);
    const outcome = await moveNextMeeting(selfService, link.pair, link.role, meetingAt.value, submission);
    return answer(reply, token, link, outcome, refuse, () =>
      confirmation(
        reply,
        token,
        'Meeting moved',
        `Your 1:1 is now on ${formatLocal(Date.parse(meetingAt.value), link.pair.timeZone)}.`,
        `${otherName(link)} is told by email.`,
      ),
    );
  });

  app.post('/pairs/:token/meeting/pause', async (request: TokenRequest, reply) => {
    const form = await readForm('pause', request, reply);
    if (!form.read) return form.reply;
    const { link, typed, submission } = form;
    const token = request.params.token;
    const refuse = (problem: string) => showPage(reply, 422, token, link, { form: 'pause', problem, typed, submission });
    const until = awayUntilOf(typed.until ?? '', link.pair.timeZone, Date.now());
    if (!until.ok) return refuse(until.problem);
    const outcome = await pauseUntil(selfService, link.pair, link.role, until.value, submission);
    return answer(reply, token, link, outcome, refuse, () => {
      const day = formatLocalDate(Date.parse(until.value), link.pair.timeZone);
      return confirmation(
        reply,
        token,
        `Paused until ${day}`,
        `No forms or reminders come until then; your 1:1s start again on their own on ${day}.`,
        `${otherName(link)} is told by email.`,
      );
    });
  });
}
