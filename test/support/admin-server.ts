// The web service with the admin on and an admin signed in, for tests of the admin API and pages.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { AddressInfo } from 'node:net';
import { buildWebServer } from '../../server/web-server';
import { PUBLIC_BASE_URL, type RapportStack } from '../../harness/rapport-stack';

/** The Origin the admin pages send, which admin changes require. */
export const ADMIN_ORIGIN = new URL(PUBLIC_BASE_URL).origin;

export interface ApiAnswer {
  status: number;
  /** Parsed JSON when the body is a JSON object, else the text. `any`: tests read many answer shapes. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface AdminServer {
  base: string;
  /** The signed-in session cookie ("rapport_admin=…"). */
  cookie: string;
  /** A JSON request, signed in and from the admin's origin unless other headers are given. */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiAnswer>;
  /** A form post from an admin page, signed in, without following the redirect. */
  form(path: string, fields: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export async function startAdminServer(env: TestWorkflowEnvironment, stack: RapportStack): Promise<AdminServer> {
  const app = await buildWebServer({
    db: stack.db,
    temporal: env.client,
    publicBaseUrl: PUBLIC_BASE_URL,
    rateLimitPerMinute: 1_000,
    admin: { taskQueue: stack.taskQueue, credentials: { user: 'admin', password: 'correct horse' }, sessionSecret: 'test-secret', secureCookies: false },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const login = await fetch(`${base}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: ADMIN_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'user=admin&password=correct+horse',
  });
  if (login.status !== 303) throw new Error(`admin sign-in failed with ${login.status}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];

  async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = { origin: ADMIN_ORIGIN, cookie }): Promise<ApiAnswer> {
    const response = await fetch(`${base}${path}`, {
      method,
      redirect: 'manual',
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text.startsWith('{') ? JSON.parse(text) : text };
  }

  const form = (path: string, fields: Record<string, string>) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: ADMIN_ORIGIN, cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });

  return { base, cookie, api, form, close: () => app.close() };
}
