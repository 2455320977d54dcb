// Admin sign-in: credentials from configuration, and a session cookie (HttpOnly, SameSite=Strict,
// Secure behind https). Sessions live in the AdminSession table, so logout really ends them; the
// cookie is also signed, so rotating SESSION_SECRET ends them all.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RapportPrisma } from '../prisma/database';

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

const SESSION_MS = SESSION_HOURS * 3_600_000;
/** Ended sessions are kept this long before they are deleted. */
const KEEP_ENDED_MS = 24 * 3_600_000;
const ID_BYTES = 32;
const base64urlLength = (bytes: number) => Math.ceil((bytes * 4) / 3); // without padding
const ID_LENGTH = base64urlLength(ID_BYTES);
const SIGNATURE_LENGTH = base64urlLength(32); // HMAC-SHA256
const SIGNED_LENGTH = ID_LENGTH + 1 + SIGNATURE_LENGTH;

export interface SessionStore {
  /** Starts a session for user; returns the cookie value. */
  issue(user: string): Promise<string>;
  /** The signed-in admin's name, or null for a missing, forged, unknown, revoked or expired session. */
  verify(cookieValue: string | undefined): Promise<string | null>;
  /** Ends the session (logout). Does nothing for a value that is not validly signed; idempotent. */
  revoke(cookieValue: string | undefined): Promise<void>;
}

function hashSessionId(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The session id in a validly signed cookie value, else null. Never touches the database. */
function signedSessionId(value: string | undefined, secret: string): string | null {
  if (value?.length !== SIGNED_LENGTH || value[ID_LENGTH] !== '.') return null;
  const id = value.slice(0, ID_LENGTH);
  const signature = value.slice(ID_LENGTH + 1);
  return sameSignature(sign(id, secret), signature) ? id : null;
}

/** Server-side admin sessions: the database holds sha256(id) only, the cookie `${id}.${hmac(id)}`. */
export function createSessionStore(db: RapportPrisma, secret: string, now: () => number = Date.now): SessionStore {
  async function deleteLongEnded(): Promise<void> {
    const before = new Date(now() - KEEP_ENDED_MS);
    await db.adminSession.deleteMany({ where: { OR: [{ expiresAt: { lt: before } }, { revokedAt: { lt: before } }] } });
  }

  async function issue(user: string): Promise<string> {
    // Logins are rare, so tidying up on each one keeps the table small without a timer.
    await deleteLongEnded();
    const id = randomBytes(ID_BYTES).toString('base64url');
    const createdAt = now();
    await db.adminSession.create({
      data: { id: hashSessionId(id), user, createdAt: new Date(createdAt), expiresAt: new Date(createdAt + SESSION_MS) },
    });
    return `${id}.${sign(id, secret)}`;
  }

  async function verify(value: string | undefined): Promise<string | null> {
    const id = signedSessionId(value, secret);
    if (id === null) return null;
    const session = await db.adminSession.findUnique({ where: { id: hashSessionId(id) } });
    if (!session || session.revokedAt !== null || session.expiresAt.getTime() <= now()) return null;
    return session.user;
  }

  async function revoke(value: string | undefined): Promise<void> {
    const id = signedSessionId(value, secret);
    if (id === null) return;
    await db.adminSession.updateMany({ where: { id: hashSessionId(id), revokedAt: null }, data: { revokedAt: new Date(now()) } });
  }

  return { issue, verify, revoke };
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
