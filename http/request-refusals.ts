// How the web service answers a request it cannot take: a page that says what was wrong, or on the
// admin API the { problems } every admin answer uses. Fastify's own errors (a body it cannot read,
// too large or of a type it does not parse, a malformed URL) come here too, so none gets Fastify's
// bare JSON, which would echo the URL with its token and skip the security headers.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pageHtml, view } from './page-view';

const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** Sent with every answer (by the onSend hook, or directly where Fastify runs no hooks). */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Referrer-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
};

interface Wording {
  title: string;
  paragraph: string;
}

const PAGE_WORDING: Record<number, Wording> = {
  400: {
    title: 'This request could not be read',
    paragraph: 'It was not sent the way the page sends it. Open the link in your email and send the form from there.',
  },
  413: { title: 'Too much text', paragraph: 'The form was larger than this service accepts. Please shorten your answers.' },
  415: {
    title: 'This form must be sent as a web form',
    paragraph: 'It came in a format this service does not read. Open the link in your email and send the form from there.',
  },
  429: { title: 'Too many requests', paragraph: 'Please wait a minute and try again.' },
};
const OTHER_REFUSAL: Wording = { title: 'Something was wrong with that request', paragraph: 'Please go back and try again.' };

const API_LEAD: Record<number, string> = {
  400: 'The request could not be read',
  413: 'The request body is larger than this service accepts',
  415: 'The request body is of a type this route does not take',
  429: 'Too many requests; wait a minute',
};

/** Raw URLs only choose the shape of a refusal for a request no route matched; they never decide access. */
const looksLikeAdminApi = (request: FastifyRequest) => request.url.startsWith('/admin/api/');
const looksLikeLink = (request: FastifyRequest) => /^\/(forms|pairs)\//.test(request.url);
/** The path as the client sent it, cut short: an answer never grows with the input. */
const echoedPath = (request: FastifyRequest) => {
  const path = request.url.split('?')[0];
  return path.length > 120 ? `${path.slice(0, 120)}…` : path;
};

export function messagePage(reply: FastifyReply, status: number, title: string, ...paragraphs: string[]) {
  return view(reply.code(status), 'message.hbs', { title, paragraphs });
}

const INVALID_LINK: Wording = {
  title: 'This link does not work',
  paragraph: 'It may have expired or been replaced by a newer email. The latest email about your 1:1 has a fresh link.',
};
const NOT_FOUND: Wording = { title: 'Page not found', paragraph: 'Check the link in your email.' };

export const invalidLinkPage = (reply: FastifyReply) => messagePage(reply, 404, INVALID_LINK.title, INVALID_LINK.paragraph);

export const unreadableFormPage = (reply: FastifyReply) =>
  messagePage(
    reply,
    400,
    'This form could not be read',
    'It was not sent the way its page sends it. Open the link in your email and send the form from there.',
  );

/** A request Fastify refused (4xx) or a failure of ours (5xx, logged; nothing is half-saved), as a page. */
export function refuseRequest(error: { statusCode?: number; message?: string }, request: FastifyRequest, reply: FastifyReply) {
  const status = error.statusCode ?? 500;
  if (status < 400 || status >= 500) {
    request.log.error({ err: error }, 'request failed');
    return messagePage(reply, 503, 'Not saved: please try again', 'Something went wrong on our side. Nothing was half-saved; please try again in a moment.');
  }
  const wording = PAGE_WORDING[status] ?? OTHER_REFUSAL;
  return messagePage(reply, status, wording.title, wording.paragraph);
}

/** The same for the admin API, which answers with { problems }. */
export function refuseApiRequest(error: { statusCode?: number; message?: string }, request: FastifyRequest, reply: FastifyReply) {
  const status = error.statusCode ?? 500;
  if (status < 400 || status >= 500) {
    request.log.error({ err: error }, 'request failed');
    return reply.code(503).send({ problems: ['Something went wrong on our side; please try again in a moment.'] });
  }
  const lead = API_LEAD[status] ?? 'The request was refused';
  const detail = error.message ? error.message.slice(0, 200) : '';
  return reply.code(status).send({ problems: [detail ? `${lead}: ${detail}` : `${lead}.`] });
}

const noSuchApiRoute = (request: FastifyRequest) => ({ problems: [`There is no ${request.method} ${echoedPath(request)} in the admin API.`] });

export function pageNotFound(_request: FastifyRequest, reply: FastifyReply) {
  return messagePage(reply, 404, NOT_FOUND.title, NOT_FOUND.paragraph);
}

export function apiRouteNotFound(request: FastifyRequest, reply: FastifyReply) {
  return reply.code(404).send(noSuchApiRoute(request));
}

export const tooLargePage = (reply: FastifyReply) => {
  const { title, paragraph } = PAGE_WORDING[413];
  return messagePage(reply, 413, title, paragraph);
};

export const tooManyRequestsPage = (reply: FastifyReply) => {
  const { title, paragraph } = PAGE_WORDING[429];
  return messagePage(reply, 429, title, paragraph);
};

/**
 * A URL the router cannot take (malformed escapes, a path segment too long): on a link, the page
 * every bad link gets. Fastify hands these a bare reply, without the view decorator or hooks.
 */
export async function unroutableUrl(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.code(404).headers({ ...SECURITY_HEADERS, 'Cache-Control': 'no-store' });
  if (looksLikeAdminApi(request)) {
    reply.send(noSuchApiRoute(request));
    return;
  }
  const { title, paragraph } = looksLikeLink(request) ? INVALID_LINK : NOT_FOUND;
  const page = await pageHtml(app, 'message.hbs', { title, paragraphs: [paragraph] }).catch(() => `${title}. ${paragraph}`);
  reply.type('text/html; charset=utf-8').send(page);
}
