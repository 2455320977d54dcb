// The web service pairs answer from: server-rendered forms behind unguessable links, no account.
// GET never changes anything (mail scanners open every link); only the POST of a filled form does,
// and only from the service's own pages (Origin / Sec-Fetch-Site).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import view from '@fastify/view';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import Handlebars from 'handlebars';
import { registerAdminRoutes, type AdminOptions } from '../admin/admin-routes';
import { sendToPair } from '../client/pairs';
import type { RapportPrisma } from '../prisma/database';
import { addTopicUpdate } from '../workflows/pair-messages';
import { FOLLOW_UP_FORMS, MAX_TOPIC_LENGTH } from '../workflows/pair-types';
import { saveAndDeliver } from './answer-delivery';
import { checkSubmission, formFieldsOf } from './answer-validation';
import { formPage, typedFromStored } from './form-page';
import { openFormLink, openPairLink, type OpenedForm } from './links';
import { pairRecord } from './pair-record';
import {
  invalidLinkPage as invalidLink,
  messagePage as message,
  pageNotFound,
  refuseRequest,
  SECURITY_HEADERS,
  unreadableFormPage,
  unroutableUrl,
} from './request-refusals';

export const PAGES_DIR = join(__dirname, '..', 'templates', 'pages');
const BODY_LIMIT = 64 * 1024;
export const MAX_SUGGESTION_LENGTH = 1_000;

export interface WebDeps {
  db: RapportPrisma;
  temporal: Client;
  publicBaseUrl: string;
  rateLimitPerMinute: number;
  updateTimeoutMs?: number;
  logLevel?: string;
  /** Where the request log goes (standard output when left out). */
  logStream?: { write(line: string): void };
  /** The admin UI and API; left out, no /admin route exists. */
  admin?: Omit<AdminOptions, 'db' | 'temporal' | 'fromOwnPage'>;
}

type TokenRequest = FastifyRequest<{ Params: { token: string }; Body: unknown }>;

/** Request URLs with their tokens blanked out, for logs. */
export function redactTokens(url: string): string {
  return url.replace(/\/(forms|pairs)\/[^/?#]+/g, '/$1/[token]');
}

const closedForm = (reply: FastifyReply, status: number) =>
  message(reply, status, 'This form is closed', 'Its part of the 1:1 has passed, so answers are no longer taken. Nothing was saved.');

export async function buildWebServer(deps: WebDeps): Promise<FastifyInstance> {
  const allowedOrigin = new URL(deps.publicBaseUrl).origin;
  const delivery = { db: deps.db, temporal: deps.temporal, updateTimeoutMs: deps.updateTimeoutMs ?? 5_000 };
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    frameworkErrors: (_error, request, reply) => void unroutableUrl(app, request, reply),
    logger: deps.logLevel
      ? {
          level: deps.logLevel,
          ...(deps.logStream ? { stream: deps.logStream } : {}),
          serializers: { req: (req) => ({ method: req.method, url: redactTokens(req.url) }) },
        }
      : false,
  });
  await app.register(formbody);
  await app.register(rateLimit, { global: false });
  await app.register(view, {
    engine: { handlebars: Handlebars.create() },
    root: PAGES_DIR,
    layout: 'layout.hbs',
    production: true,
  });
  const tokenRoute = { config: { rateLimit: { max: deps.rateLimitPerMinute, timeWindow: '1 minute' } } };
  const stylesheet = readFileSync(join(PAGES_DIR, 'rapport.css'));

  app.addHook('onSend', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
    if (!reply.hasHeader('Cache-Control')) reply.header('Cache-Control', 'no-store');
  });

  app.setErrorHandler(refuseRequest);
  app.setNotFoundHandler(pageNotFound);

  /** Cross-site POSTs (and buttons pressed by tools that are not the page) are refused. */
  const fromOwnPage = (request: FastifyRequest): boolean => {
    const site = request.headers['sec-fetch-site'];
    if (typeof site === 'string') return site === 'same-origin';
    return request.headers.origin === allowedOrigin;
  };
  const refuseCrossSite = (reply: FastifyReply) =>
    message(reply, 403, 'This form must be sent from its own page', 'Open the link in your email and send the form from there.');

  if (deps.admin) await registerAdminRoutes(app, { ...deps.admin, db: deps.db, temporal: deps.temporal, fromOwnPage });

  async function openActionItems(opened: OpenedForm) {
    if (!FOLLOW_UP_FORMS.includes(opened.form.kind)) return [];
    const items = await deps.db.actionItem.findMany({
      where: { pairId: opened.form.pairId, done: false, cycleNumber: { lt: opened.form.cycleNumber } },
      orderBy: { createdAt: 'asc' },
    });
    return items.map((item) => ({ id: item.id, text: item.text, owner: item.owner }));
  }

  app.get('/healthz', async () => ({ ok: true }));
  // Ready only while the database answers: without it no answer can be saved.
  app.get('/readyz', async (_request, reply) => {
    try {
      await deps.db.$queryRawUnsafe('SELECT 1');
      return { ready: true };
    } catch (error) {
      return reply.code(503).send({ ready: false, problems: [`database: ${(error as Error).message.split('\n')[0]}`] });
    }
  });
  app.get('/assets/rapport.css', async (_request, reply) =>
    reply.header('Cache-Control', 'public, max-age=3600').type('text/css; charset=utf-8').send(stylesheet),
  );

  app.get('/forms/:token', tokenRoute, async (request: TokenRequest, reply) => {
    const opened = await openFormLink(deps.db, request.params.token);
    if (!opened) return invalidLink(reply);
    if (opened.form.closedAt) return closedForm(reply, 410);
    const stored = await deps.db.answer.findUnique({ where: { formId: opened.form.id } });
    const page = formPage(opened, `/forms/${request.params.token}`, typedFromStored(stored?.payload), await openActionItems(opened), undefined, stored !== null);
    return reply.view('form.hbs', page);
  });

  app.post('/forms/:token', tokenRoute, async (request: TokenRequest, reply) => {
    if (!fromOwnPage(request)) return refuseCrossSite(reply);
    const opened = await openFormLink(deps.db, request.params.token);
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
      return reply.code(422).view('form.hbs', formPage(opened, `/forms/${request.params.token}`, check.typed, openItems, check));
    }
    const result = await saveAndDeliver(delivery, opened.form, check.answer);
    if (result.outcome === 'refused') return closedForm(reply, 409);
    if (result.outcome === 'pending') {
      return message(reply, 202, 'Saved', 'Your answers are saved. They will reach your 1:1 in a moment; there is nothing more to do.');
    }
    return message(reply, 200, 'Saved, thank you', 'Your answers are saved and will be on the agenda. You can open the link again to change them until the form closes.');
  });

  app.post('/forms/:token/suggestion', tokenRoute, async (request: TokenRequest, reply) => {
    if (!fromOwnPage(request)) return refuseCrossSite(reply);
    const opened = await openFormLink(deps.db, request.params.token);
    if (!opened || opened.form.recipientRole !== 'report') return invalidLink(reply);
    const fields = formFieldsOf(request.body);
    if (!fields) return unreadableFormPage(reply);
    const text = typeof fields.suggestion === 'string' ? fields.suggestion.trim() : '';
    if (Object.keys(fields).some((name) => name !== 'suggestion') || text === '' || text.length > MAX_SUGGESTION_LENGTH) {
      return message(reply, 422, 'Suggestion not sent', `Please write your suggestion in at most ${MAX_SUGGESTION_LENGTH} characters, then send it again.`);
    }
    await deps.db.questionSuggestion.create({
      data: { id: randomUUID(), pairId: opened.form.pairId, formId: opened.form.id, byRole: 'report', text },
    });
    return message(reply, 200, 'Thanks for the suggestion', 'It is with the people who set up your 1:1s; the questions are yours to shape too.');
  });

  app.get('/pairs/:token/topic', tokenRoute, async (request: TokenRequest, reply) => {
    const link = await openPairLink(deps.db, request.params.token);
    if (!link) return invalidLink(reply);
    return reply.view('topic.hbs', topicPage(request.params.token, link.pair.reportName, link.pair.managerName, link.role));
  });

  app.post('/pairs/:token/topic', tokenRoute, async (request: TokenRequest, reply) => {
    if (!fromOwnPage(request)) return refuseCrossSite(reply);
    const link = await openPairLink(deps.db, request.params.token);
    if (!link) return invalidLink(reply);
    const fields = formFieldsOf(request.body);
    if (!fields) return unreadableFormPage(reply);
    const text = typeof fields.text === 'string' ? fields.text.trim() : '';
    const unknown = Object.keys(fields).filter((name) => name !== 'text');
    const error =
      unknown.length > 0 || Array.isArray(fields.text)
        ? 'The form sent something it does not ask for.'
        : text === ''
          ? 'Please write the topic.'
          : text.length > MAX_TOPIC_LENGTH
            ? `Please keep the topic to ${MAX_TOPIC_LENGTH} characters.`
            : undefined;
    if (error) {
      return reply.code(422).view('topic.hbs', { ...topicPage(request.params.token, link.pair.reportName, link.pair.managerName, link.role), error, text });
    }
    try {
      const added = await deps.temporal.connection.withDeadline(Date.now() + delivery.updateTimeoutMs, () =>
        sendToPair(deps.temporal, link.pair.id, (handle) => handle.executeUpdate(addTopicUpdate, { args: [{ text, by: link.role }] })),
      );
      return message(reply, 200, 'Added to the agenda', `It will be on the agenda of meeting ${added.forCycle}.`);
    } catch (caught) {
      if (caught instanceof WorkflowUpdateFailedError || caught instanceof WorkflowNotFoundError) {
        return message(reply, 409, 'Not added', 'These 1:1s have ended, so topics are no longer taken.');
      }
      return message(reply, 503, 'Not saved: please try again', 'The topic could not be added just now. Please try again in a moment.');
    }
  });

  app.get('/pairs/:token/record', tokenRoute, async (request: TokenRequest, reply) => {
    const link = await openPairLink(deps.db, request.params.token);
    if (!link) return invalidLink(reply);
    return reply.view('record.hbs', { title: 'Your record', ...(await pairRecord(deps.db, link.pair, link.role)) });
  });

  return app;
}

function topicPage(token: string, reportName: string, managerName: string, role: 'report' | 'manager') {
  const other = role === 'report' ? managerName : reportName;
  return {
    title: 'Add a topic',
    action: `/pairs/${token}/topic`,
    recordUrl: `/pairs/${token}/record`,
    intro: `Anything you want to talk about with ${other}? It goes on the next agenda. You can always reach out before then too.`,
  };
}
