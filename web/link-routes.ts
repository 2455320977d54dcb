// The routes behind the links in emails: a form (/forms/:token) and a pair's topic, record and
// "this 1:1" pages (/pairs/:token/…; the last in meeting-routes.ts). One encapsulated plugin, so
// that what guards them (the per-address and per-token limits, the 64 KiB cap, the web-form
// parser) applies to exactly these routes.
// GET never changes anything (mail scanners open every link); only the POST of a filled form does,
// and only from the service's own pages (Origin / Sec-Fetch-Site).
import { randomBytes, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { newSubmissionId, submissionIdOf } from '../pairs/submission-ids';
import { addTopic, pendingTopicCount } from '../pairs/topics';
import type { RapportPrisma } from '../prisma/database';
import { ACTION_ITEMS_FULL_PROBLEM, FOLLOW_UP_FORMS, MAX_PENDING_TOPICS, MAX_TOPIC_LENGTH } from '../workflows/pair-types';
import { saveAndDeliver } from './answer-delivery';
import { registerMeetingRoutes } from './meeting-routes';
import { registerManagerPage } from './manager-page';
import { checkSubmission, formFieldsOf } from './answer-validation';
import { answeredBeforeText, formPage, formSavedPage, suggestionSentPage, typedFromStored, type PairPageLinks } from './form-page';
import { hasTokenShape, openFormLink, openPairLink, type OpenedForm, type OpenedPairLink, type PairRow } from '../pairs/links';
import { hashToken, TOKEN_BYTES } from '../pairs/link-tokens';
import { formatLocal } from '../pairs/local-time';
import { pairRecord, recordCsv, recordJson } from '../pairs/pair-record';
import { view } from '../http/page-view';
import { limitHook, perAddressAndRoute, perToken } from '../http/request-limits';
import { invalidLinkPage as invalidLink, messagePage as message, tooLargePage, tooManyRequestsPage, unreadableFormPage } from '../http/request-refusals';

/** What a link route takes at most, whatever the content type: checked before anything is read. */
export const LINK_BODY_LIMIT = 64 * 1024;
export const MAX_SUGGESTION_LENGTH = 1_000;

export interface LinkRouteOptions {
  db: RapportPrisma;
  temporal: Client;
  rateLimitPerMinute: number;
  updateTimeoutMs: number;
  fromOwnPage(request: FastifyRequest): boolean;
  /** The fewest reports whose pooled feedback the manager's page shows (FEEDBACK_POOL_MINIMUM). */
  feedbackPoolMinimum: number;
}

type TokenRequest = FastifyRequest<{ Params: { token: string }; Body: unknown }>;

const CLOSED = 'Its part of the 1:1 has passed, so answers are no longer taken.';
/** A closed form opened: nothing was sent, so nothing is said about saving; an earlier answer is kept. */
const closedFormOpened = (reply: FastifyReply, answeredBefore: boolean) =>
  message(reply, 410, 'This form is closed', CLOSED, ...(answeredBefore ? ['The answers you sent before it closed are kept in your record.'] : []));
/** A form sent after it closed: what was sent now is not kept. */
const closedForm = (reply: FastifyReply, status: number) =>
  message(reply, status, 'This form is closed', CLOSED, 'What you sent just now was not saved; answers sent before it closed are kept.');

const refuseCrossSite = (reply: FastifyReply) =>
  message(reply, 403, 'This form must be sent from its own page', 'Open the link in your email and send the form from there.');

const pairPageLinks = (token: string): PairPageLinks => ({
  recordUrl: `/pairs/${token}/record`,
  topicUrl: `/pairs/${token}/topic`,
  meetingUrl: `/pairs/${token}/meeting`,
});

const TOPICS_FULL = `The next agenda already has ${MAX_PENDING_TOPICS} topics waiting, the most a 1:1 takes. Bring this one up in the meeting, or add it after the next agenda has gone out.`;
const topicsFull = (reply: FastifyReply) => message(reply, 409, 'The agenda is full', TOPICS_FULL);

/** Refuses a declared body over the cap before it is read; a chunked one is cut off at the cap by the parser. */
async function refuseLargeBody(request: FastifyRequest, reply: FastifyReply) {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (!(declared > LINK_BODY_LIMIT)) return undefined;
  reply.header('Connection', 'close');
  await tooLargePage(reply);
  return reply;
}

export async function registerLinkRoutes(app: FastifyInstance, options: LinkRouteOptions): Promise<void> {
  const { db, temporal } = options;
  await app.register(formbody, { bodyLimit: LINK_BODY_LIMIT });
  app.addHook('onRequest', refuseLargeBody);
  // A path whose token cannot be one (a spelling that folded another route into it) reaches no handler.
  app.addHook('onRequest', async (request, reply) => {
    if (hasTokenShape((request.params as { token?: unknown }).token)) return undefined;
    await invalidLink(reply);
    return reply;
  });
  app.addHook('onRequest', limitHook(app, [perAddressAndRoute(options.rateLimitPerMinute), perToken(options.rateLimitPerMinute)], tooManyRequestsPage));
  const delivery = { db, temporal, updateTimeoutMs: options.updateTimeoutMs };

  async function openActionItems(opened: OpenedForm) {
    if (!FOLLOW_UP_FORMS.includes(opened.form.kind)) return [];
    const items = await db.actionItem.findMany({
      where: { pairId: opened.form.pairId, done: false, cycleNumber: { lt: opened.form.cycleNumber } },
      orderBy: { createdAt: 'asc' },
    });
    return items.map((item) => ({ id: item.id, text: item.text, owner: item.owner }));
  }

  /** A meeting's date and time in the pair's zone, the zone named; null before its cycle has a row. */
  async function meetingWhen(pair: PairRow, cycle: number): Promise<string | null> {
    const row = await db.cycle.findUnique({ where: { pairId_number: { pairId: pair.id, number: cycle } } });
    return row ? formatLocal(row.meetingAt.getTime(), pair.timeZone) : null;
  }

  /**
   * The person's pair pages, for the next steps after a form: a form link opens only its form, so
   * a new pair link is made for its recipient (only its hash is stored), valid as long as the form's.
   */
  async function pairPagesFor(formToken: string, opened: OpenedForm): Promise<PairPageLinks | null> {
    const formLink = await db.formLink.findUnique({ where: { tokenHash: hashToken(formToken) } });
    if (!formLink) return null;
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    await db.pairLink.create({
      data: { id: randomUUID(), pairId: opened.form.pairId, role: opened.form.recipientRole, tokenHash: hashToken(token), expiresAt: formLink.expiresAt },
    });
    return pairPageLinks(token);
  }

  const answerOf = (opened: OpenedForm) => db.answer.findUnique({ where: { formId: opened.form.id } });

  app.get('/forms/:token', async (request: TokenRequest, reply) => {
    const opened = await openFormLink(db, request.params.token);
    if (!opened) return invalidLink(reply);
    const stored = await answerOf(opened);
    if (opened.form.closedAt) return closedFormOpened(reply, stored !== null);
    const page = formPage(
      opened,
      `/forms/${request.params.token}`,
      typedFromStored(stored?.payload),
      await openActionItems(opened),
      undefined,
      answeredBeforeText(stored, opened.pair.timeZone),
    );
    return view(reply, 'form.hbs', page);
  });

  app.post('/forms/:token', async (request: TokenRequest, reply) => {
    if (!options.fromOwnPage(request)) return refuseCrossSite(reply);
    const opened = await openFormLink(db, request.params.token);
    if (!opened) return invalidLink(reply);
    if (opened.form.closedAt) return closedForm(reply, 409);
    const fields = formFieldsOf(request.body);
    if (!fields) return unreadableFormPage(reply);
    const openItems = await openActionItems(opened);
    const check = checkSubmission({
      cycle: opened.form.cycleNumber,
      kind: opened.form.kind,
      questions: opened.questions,
      openActionItemIds: openItems.map((item) => item.id),
      fields,
    });
    if (check.formErrors.length > 0 || Object.keys(check.errors).length > 0) {
      const sentBack = submissionIdOf(fields.submission);
      const before = answeredBeforeText(await answerOf(opened), opened.pair.timeZone);
      return view(reply.code(422), 'form.hbs', formPage(opened, `/forms/${request.params.token}`, check.typed, openItems, check, before, sentBack));
    }
    const submission = submissionIdOf(fields.submission);
    const result = await saveAndDeliver(delivery, opened.form, check.answer, submission);
    if (result.outcome === 'refused' && result.reason.includes(ACTION_ITEMS_FULL_PROBLEM)) {
      const full = { errors: {}, formErrors: [`Not saved: ${ACTION_ITEMS_FULL_PROBLEM}.`] };
      const before = answeredBeforeText(await answerOf(opened), opened.pair.timeZone);
      return view(reply.code(422), 'form.hbs', formPage(opened, `/forms/${request.params.token}`, check.typed, openItems, full, before, submission));
    }
    if (result.outcome === 'refused') return closedForm(reply, 409);
    const when = await meetingWhen(opened.pair, opened.form.cycleNumber);
    const pages = await pairPagesFor(request.params.token, opened);
    const saved = formSavedPage(opened, `/forms/${request.params.token}`, when, pages, result.outcome === 'pending');
    return view(reply.code(result.outcome === 'pending' ? 202 : 200), 'message.hbs', saved);
  });

  app.post('/forms/:token/suggestion', async (request: TokenRequest, reply) => {
    if (!options.fromOwnPage(request)) return refuseCrossSite(reply);
    const opened = await openFormLink(db, request.params.token);
    if (!opened || opened.form.recipientRole !== 'report') return invalidLink(reply);
    const fields = formFieldsOf(request.body);
    if (!fields) return unreadableFormPage(reply);
    const text = typeof fields.suggestion === 'string' ? fields.suggestion.trim() : '';
    if (Object.keys(fields).some((name) => name !== 'suggestion') || text === '' || text.length > MAX_SUGGESTION_LENGTH) {
      return message(reply, 422, 'Suggestion not sent', `Please write your suggestion in at most ${MAX_SUGGESTION_LENGTH} characters, then send it again.`);
    }
    await db.questionSuggestion.create({
      data: { id: randomUUID(), pairId: opened.form.pairId, formId: opened.form.id, byRole: 'report', text },
    });
    const when = await meetingWhen(opened.pair, opened.form.cycleNumber);
    const pages = await pairPagesFor(request.params.token, opened);
    return view(reply, 'message.hbs', suggestionSentPage(opened, `/forms/${request.params.token}`, when, pages));
  });

  app.get('/pairs/:token/topic', async (request: TokenRequest, reply) => {
    const link = await openPairLink(db, request.params.token);
    if (!link) return invalidLink(reply);
    const full = (await pendingTopicCount(db, link.pair.id)) >= MAX_PENDING_TOPICS;
    return view(reply, 'topic.hbs', { ...topicPage(request.params.token, link.pair, link.role), ...(full ? { full: TOPICS_FULL } : {}) });
  });

  app.post('/pairs/:token/topic', async (request: TokenRequest, reply) => {
    if (!options.fromOwnPage(request)) return refuseCrossSite(reply);
    const link = await openPairLink(db, request.params.token);
    if (!link) return invalidLink(reply);
    const fields = formFieldsOf(request.body);
    if (!fields) return unreadableFormPage(reply);
    const text = typeof fields.text === 'string' ? fields.text.trim() : '';
    const submission = submissionIdOf(fields.submission);
    const unknown = Object.keys(fields).filter((name) => name !== 'text' && name !== 'submission');
    const error =
      unknown.length > 0 || Array.isArray(fields.text)
        ? 'The form sent something it does not ask for.'
        : text === ''
          ? 'Please write the topic.'
          : text.length > MAX_TOPIC_LENGTH
            ? `Please keep the topic to ${MAX_TOPIC_LENGTH} characters.`
            : undefined;
    if (error) {
      return view(reply.code(422), 'topic.hbs', { ...topicPage(request.params.token, link.pair, link.role, submission), error, text });
    }
    if ((await pendingTopicCount(db, link.pair.id)) >= MAX_PENDING_TOPICS) return topicsFull(reply);
    const outcome = await addTopic({ db, temporal, updateTimeoutMs: delivery.updateTimeoutMs }, link.pair.id, link.role, text, submission);
    if (outcome.outcome === 'added') return view(reply, 'message.hbs', await topicAddedPage(request.params.token, link, outcome.forCycle));
    if (outcome.outcome === 'full') return topicsFull(reply);
    if (outcome.outcome === 'ended') return message(reply, 409, 'Not added', 'These 1:1s have ended, so topics are no longer taken.');
    return message(reply, 503, 'Not saved: please try again', 'The topic could not be added just now. Please try again in a moment.');
  });

  async function topicAddedPage(token: string, link: OpenedPairLink, forCycle: number) {
    const when = await meetingWhen(link.pair, forCycle);
    const pages = pairPageLinks(token);
    return {
      title: 'Added to the agenda',
      paragraphs: [`It will be on the agenda of meeting ${forCycle}${when ? `, on ${when}` : ''}.`],
      nextSteps: [
        { url: pages.topicUrl, label: 'Add another topic' },
        { url: pages.recordUrl, label: 'See your record of these 1:1s' },
        { url: pages.meetingUrl, label: 'This 1:1: skip, move or pause the next meeting' },
      ],
    };
  }

  app.get('/pairs/:token/record', async (request: TokenRequest, reply) => {
    const link = await openPairLink(db, request.params.token);
    if (!link) return invalidLink(reply);
    const base = `/pairs/${request.params.token}`;
    return view(reply, 'record.hbs', {
      title: 'Your record',
      meetingUrl: `${base}/meeting`,
      topicUrl: `${base}/topic`,
      jsonUrl: `${base}/record.json`,
      csvUrl: `${base}/record.csv`,
      ...(await pairRecord(db, link.pair, link.role)),
    });
  });

  // The same record to keep, for review season: behind the same link and guards as its page.
  const downloadName = (link: OpenedPairLink, now: Date, extension: string) => `rapport-record-${link.role}-${now.toISOString().slice(0, 10)}.${extension}`;

  app.get('/pairs/:token/record.json', async (request: TokenRequest, reply) => {
    const link = await openPairLink(db, request.params.token);
    if (!link) return invalidLink(reply);
    const now = new Date();
    const record = await pairRecord(db, link.pair, link.role, now.getTime());
    return reply
      .type('application/json; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="${downloadName(link, now, 'json')}"`)
      .send(`${JSON.stringify(recordJson(record, now), null, 2)}\n`);
  });

  app.get('/pairs/:token/record.csv', async (request: TokenRequest, reply) => {
    const link = await openPairLink(db, request.params.token);
    if (!link) return invalidLink(reply);
    const now = new Date();
    const record = await pairRecord(db, link.pair, link.role, now.getTime());
    return reply
      .type('text/csv; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="${downloadName(link, now, 'csv')}"`)
      .send(recordCsv(record));
  });

  registerMeetingRoutes(app, {
    db,
    temporal,
    updateTimeoutMs: options.updateTimeoutMs,
    fromOwnPage: (request) => options.fromOwnPage(request),
    refuseCrossSite,
  });
  registerManagerPage(app, options);
}

function topicPage(token: string, pair: PairRow, role: 'report' | 'manager', submission = newSubmissionId()) {
  const other = role === 'report' ? pair.managerName : pair.reportName;
  const pages = pairPageLinks(token);
  return {
    title: 'Add a topic',
    submission,
    action: pages.topicUrl,
    recordUrl: pages.recordUrl,
    meetingUrl: pages.meetingUrl,
    intro: `Anything you want to talk about with ${other}? It goes on the next agenda. You can always reach out before then too.`,
  };
}
