// What an admin sees of a pair through the web service: signed in as the admin pages do, the
// pair's JSON (with the emails the relay refused for good) and its page.
import { ADMIN, type FaultStack } from './fault-stack';

export interface UndeliveredEmail {
  cycleNumber: number;
  stage: string;
  recipientRole: string;
  toAddress: string;
  lastError: string | null;
}

export interface AdminView {
  undeliveredEmails: UndeliveredEmail[];
  /** The pair's page, as HTML. */
  page: string;
}

async function signIn(stack: FaultStack): Promise<string> {
  const response = await fetch(`${stack.webUrl}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: stack.webUrl, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user: ADMIN.user, password: ADMIN.password }),
  });
  if (response.status !== 303) throw new Error(`admin sign-in failed with ${response.status}`);
  return (response.headers.get('set-cookie') ?? '').split(';')[0];
}

export async function adminViewOf(stack: FaultStack, pairId: string): Promise<AdminView> {
  const cookie = await signIn(stack);
  const api = await fetch(`${stack.webUrl}/admin/api/pairs/${pairId}`, { headers: { cookie } });
  if (api.status !== 200) throw new Error(`GET /admin/api/pairs/${pairId} answered ${api.status}`);
  const shown = (await api.json()) as { undeliveredEmails?: UndeliveredEmail[] };
  const page = await fetch(`${stack.webUrl}/admin/pairs/${pairId}`, { headers: { cookie } });
  return { undeliveredEmails: shown.undeliveredEmails ?? [], page: await page.text() };
}
