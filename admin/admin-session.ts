// Admin sign-in: credentials from configuration, and a signed session cookie (HttpOnly,
// SameSite=Strict, Secure behind https). Sessions are stateless; rotating SESSION_SECRET ends them all.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'rapport_admin';
export const SESSION_HOURS = 8;

export interface AdminCredentials {
  user: string;
  password: string;
}

function sign(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

function sameText(a: string, b: string): boolean {
  // Compare digests so that the comparison takes the same time whatever the lengths.
  const digest = (s: string) => createHmac('sha256', 'compare').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

export function credentialsMatch(expected: AdminCredentials, user: unknown, password: unknown): boolean {
  if (typeof user !== 'string' || typeof password !== 'string') return false;
  const userOk = sameText(expected.user, user);
  const passwordOk = sameText(expected.password, password);
  return userOk && passwordOk;
}

export function issueSession(user: string, secret: string, now = Date.now()): string {
  const payload = Buffer.from(JSON.stringify({ u: user, exp: now + SESSION_HOURS * 3_600_000 })).toString('base64url');
  return `${payload}.${sign(payload, secret)}`;
}

/** The signed-in admin's name, or null for a missing, forged or expired session. */
export function verifySession(value: string | undefined, secret: string, now = Date.now()): string | null {
  if (!value) return null;
  const [payload, signature] = value.split('.');
  if (!payload || !signature) return null;
  const expected = sign(payload, secret);
  if (expected.length !== signature.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) return null;
  try {
    const session = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { u?: unknown; exp?: unknown };
    if (typeof session.u !== 'string' || typeof session.exp !== 'number' || session.exp < now) return null;
    return session.u;
  } catch {
    return null;
  }
}

export function sessionCookie(value: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=${SESSION_HOURS * 3600}${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}
