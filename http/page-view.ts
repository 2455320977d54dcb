// Rendering a page of the web service: the page's name picks the interface its context must meet
// (templates/page-contexts.ts), so a page cannot be rendered without a field its template reads.
import type { FastifyInstance, FastifyReply } from 'fastify';
// Brings in the view decorators' types; server/web-server.ts registers the plugin.
import type {} from '@fastify/view';
import type { PageContexts, PageName } from '../templates/page-contexts';

/** Answers with the page, in the layout (@fastify/view's reply.view). */
export function view<K extends PageName>(reply: FastifyReply, page: K, context: PageContexts[K]): FastifyReply {
  return reply.view(page, context);
}

/** The page as HTML, for a reply that has no view decorator (Fastify's bare replies to unroutable URLs). */
export function pageHtml<K extends PageName>(app: FastifyInstance, page: K, context: PageContexts[K]): Promise<string> {
  return app.view(page, context);
}
