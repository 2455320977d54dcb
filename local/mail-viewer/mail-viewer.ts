// The mail viewer of the local stack: every message the local SMTP server received, readable in a
// browser with its form links clickable. Pages are rendered here (same layout as the web service)
// and every route sets its own security headers, so the viewer works in any Fastify app; inside
// the web service its route hooks run after the service's and replace the headers it set.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, onSendAsyncHookHandler } from 'fastify';
import Handlebars from 'handlebars';
import type { PageContexts } from '../../templates/page-contexts';
import { openMailFolder } from './mail-folder';
import { HTML_PART_SANDBOX, htmlPartDocument, listRow, messagePage, sentTo } from './message-view';

export interface MailViewerOptions {
  /** The folder the local SMTP server writes its .eml files to. */
  mailDir: string;
}

const PAGES_DIR = join(__dirname, '..', '..', 'templates', 'pages');

const PAGE_POLICY = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
/** A message page frames its HTML part, served by this viewer. */
const MESSAGE_PAGE_POLICY = `${PAGE_POLICY}; frame-src 'self'`;
/** The email's own styles and inline images, no scripts; its links can be followed, its forms not sent. */
const HTML_PART_POLICY = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'self'; sandbox ${HTML_PART_SANDBOX}`;
const RAW_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox";

function securityHeaders(policy: string, frameOptions: 'DENY' | 'SAMEORIGIN'): onSendAsyncHookHandler {
  return async (_request, reply) => {
    reply.header('Content-Security-Policy', policy);
    reply.header('X-Frame-Options', frameOptions);
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'same-origin');
    reply.header('Cache-Control', 'no-store');
  };
}

const VIEWER_PAGES = ['mail-list.hbs', 'mail-message.hbs', 'message.hbs'] as const;
type ViewerPage = (typeof VIEWER_PAGES)[number];
type Render = <K extends ViewerPage>(page: K, data: PageContexts[K]) => string;

function pageRenderer(): Render {
  const handlebars = Handlebars.create();
  const compile = (file: string) => handlebars.compile(readFileSync(join(PAGES_DIR, file), 'utf8'));
  const layout = compile('layout.hbs');
  const pages = new Map(VIEWER_PAGES.map((file) => [file, compile(file)]));
  return (page, data) => {
    const body = pages.get(page);
    if (!body) throw new Error(`no mail viewer page ${page}`);
    return layout({ ...data, body: body(data) });
  };
}

type MessageRoute = { Params: { messageFile: string } };
type ListRoute = { Querystring: { to?: string | string[] } };

export async function registerMailViewer(app: FastifyInstance, options: MailViewerOptions): Promise<void> {
  const folder = openMailFolder(options.mailDir);
  const render = pageRenderer();
  const sendPage = <K extends ViewerPage>(reply: FastifyReply, status: number, file: K, data: PageContexts[K]) =>
    reply.code(status).type('text/html; charset=utf-8').send(render(file, data));
  const noSuchMessage = (reply: FastifyReply) =>
    sendPage(reply, 404, 'message.hbs', {
      title: 'No such message',
      paragraphs: ['There is no message with that name in the mail folder.'],
      backUrl: '/mail',
      backLabel: 'All mail',
    });

  app.get<ListRoute>('/mail', { onSend: securityHeaders(PAGE_POLICY, 'DENY') }, async (request, reply) => {
    const filter = typeof request.query.to === 'string' ? request.query.to.trim() : '';
    const all = await folder.list();
    const shown = filter ? all.filter((summary) => sentTo(summary, filter)) : all;
    return sendPage(reply, 200, 'mail-list.hbs', { title: 'Mail received', filter, total: all.length, rows: shown.map(listRow), mailDir: folder.dir });
  });

  app.get<MessageRoute>('/mail/:messageFile', { onSend: securityHeaders(MESSAGE_PAGE_POLICY, 'DENY') }, async (request, reply) => {
    const opened = await folder.open(request.params.messageFile);
    if (!opened) return noSuchMessage(reply);
    return sendPage(reply, 200, 'mail-message.hbs', messagePage(opened));
  });

  app.get<MessageRoute>('/mail/:messageFile/html', { onSend: securityHeaders(HTML_PART_POLICY, 'SAMEORIGIN') }, async (request, reply) => {
    const opened = await folder.open(request.params.messageFile);
    if (!opened) return noSuchMessage(reply);
    if (opened.parsed.html === undefined)
      return sendPage(reply, 404, 'message.hbs', { title: 'No HTML part', paragraphs: ['This message has only a text part.'] });
    return reply.type('text/html; charset=utf-8').send(htmlPartDocument(opened.parsed.html));
  });

  app.get<MessageRoute>('/mail/:messageFile/raw', { onSend: securityHeaders(RAW_POLICY, 'DENY') }, async (request, reply) => {
    const raw = await folder.raw(request.params.messageFile);
    if (!raw) return noSuchMessage(reply);
    return reply.type('text/plain; charset=utf-8').send(raw);
  });
}
