/**
 * Server-side admin sessions (admin/admin-session.ts) against real SQLite and PostgreSQL: a session
 * ends on logout and after SESSION_HOURS, forged and tampered cookies are refused without a database
 * query, and the database never holds a session id in clear.
 */
import { createHash, createHmac } from 'node:crypto';
import { createSessionStore, SESSION_HOURS, type SessionStore } from '../admin/admin-session';
import { type Database, openDatabase, type RapportPrisma } from '../prisma/database';
import { migrateDatabase } from '../prisma/migrate';
import { DATABASE_TARGETS, type DatabaseTarget } from './support/database-targets';

const targets = DATABASE_TARGETS;

const SECRET = 'test-session-secret-0123456789abcdef';
const HOUR = 3_600_000;
const START = Date.parse('2026-03-04T09:30:00.000Z');

function hmac(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('base64url');
}

function idOf(cookie: string): string {
  return cookie.slice(0, cookie.indexOf('.'));
}

/** The same value with the character at index replaced by a different base64url character. */
function withCharChanged(value: string, index: number): string {
  const replacement = value[index] === 'A' ? 'B' : 'A';
  return `${value.slice(0, index)}${replacement}${value.slice(index + 1)}`;
}

/** A database that fails the test if the store queries it at all. */
const untouchableDb = new Proxy({} as RapportPrisma, {
  get(_target, property) {
    throw new Error(`the store touched the database (${String(property)}) for a value it should have refused`);
  },
});

describe.each(targets)('admin sessions on %s', (_provider, startTarget) => {
  let target: DatabaseTarget;
  let db: Database;
  let clock: number;
  let store: SessionStore;

  beforeAll(async () => {
    target = await startTarget();
    await migrateDatabase(target.url);
    db = openDatabase(target.url);
  });

  afterAll(async () => {
    await db?.close();
    await target?.cleanup();
  });

  beforeEach(async () => {
    await db.prisma.adminSession.deleteMany();
    clock = START;
    store = createSessionStore(db.prisma, SECRET, () => clock);
  });

  it('signs the user in with the issued cookie value', async () => {
    const cookie = await store.issue('admin');
    expect(cookie).toMatch(/^[\w-]{43}\.[\w-]{43}$/);
    expect(cookie.slice(44)).toBe(hmac(SECRET, idOf(cookie)));
    await expect(store.verify(cookie)).resolves.toBe('admin');
    // A second store over the same database (another web process) knows the session too.
    await expect(createSessionStore(db.prisma, SECRET, () => clock).verify(cookie)).resolves.toBe('admin');
  });

  it('gives every sign-in its own session', async () => {
    const first = await store.issue('admin');
    const second = await store.issue('admin');
    expect(idOf(first)).not.toBe(idOf(second));
    await store.revoke(first);
    await expect(store.verify(first)).resolves.toBeNull();
    await expect(store.verify(second)).resolves.toBe('admin');
  });

  it('refuses the same cookie value after logout, and logging out twice is harmless', async () => {
    const cookie = await store.issue('admin');
    clock += HOUR;
    await store.revoke(cookie);
    await expect(store.verify(cookie)).resolves.toBeNull();
    const [row] = await db.prisma.adminSession.findMany();
    expect(row.revokedAt?.getTime()).toBe(START + HOUR);
    clock += HOUR;
    await expect(store.revoke(cookie)).resolves.toBeUndefined();
    expect((await db.prisma.adminSession.findUniqueOrThrow({ where: { id: row.id } })).revokedAt?.getTime()).toBe(START + HOUR);
    await expect(store.verify(cookie)).resolves.toBeNull();
  });

  it(`ends a session ${SESSION_HOURS} hours after sign-in`, async () => {
    const cookie = await store.issue('admin');
    clock = START + SESSION_HOURS * HOUR - 1;
    await expect(store.verify(cookie)).resolves.toBe('admin');
    clock = START + SESSION_HOURS * HOUR;
    await expect(store.verify(cookie)).resolves.toBeNull();
    clock = START + SESSION_HOURS * HOUR + 1;
    await expect(store.verify(cookie)).resolves.toBeNull();
  });

  it('refuses a value signed with another secret (rotating SESSION_SECRET signs everyone out)', async () => {
    const cookie = await store.issue('admin');
    const id = idOf(cookie);
    await expect(createSessionStore(db.prisma, 'another-secret', () => clock).verify(cookie)).resolves.toBeNull();
    await expect(store.verify(`${id}.${hmac('another-secret', id)}`)).resolves.toBeNull();
    await expect(store.verify(cookie)).resolves.toBe('admin');
  });

  it('refuses a tampered id or signature', async () => {
    const cookie = await store.issue('admin');
    await expect(store.verify(withCharChanged(cookie, 0))).resolves.toBeNull();
    await expect(store.verify(withCharChanged(cookie, 42))).resolves.toBeNull();
    await expect(store.verify(withCharChanged(cookie, 44))).resolves.toBeNull();
    await expect(store.verify(withCharChanged(cookie, cookie.length - 1))).resolves.toBeNull();
    await expect(store.verify(cookie)).resolves.toBe('admin');
  });

  it('refuses a session id that is validly signed but was never issued', async () => {
    const id = 'x'.repeat(43);
    await expect(store.verify(`${id}.${hmac(SECRET, id)}`)).resolves.toBeNull();
  });

  it('refuses missing, malformed and forged values without querying the database', async () => {
    const cookie = await store.issue('admin');
    const id = idOf(cookie);
    const guarded = createSessionStore(untouchableDb, SECRET, () => clock);
    const refused = [
      undefined,
      '',
      '.',
      'admin',
      id,
      `${id}.`,
      `.${cookie.slice(44)}`,
      `${cookie}x`,
      cookie.slice(0, -1),
      `${id}.${hmac('another-secret', id)}`,
      withCharChanged(cookie, 0),
      `${id}.${'é'.repeat(43)}`, // the same length in characters, not in bytes
      `${id}:${cookie.slice(44)}`,
      'a'.repeat(100_000),
    ];
    for (const value of refused) {
      await expect(guarded.verify(value)).resolves.toBeNull();
      await expect(guarded.revoke(value)).resolves.toBeUndefined();
    }
  });

  it('does not end the real session when logging out with a forged value', async () => {
    const cookie = await store.issue('admin');
    const id = idOf(cookie);
    await store.revoke(`${id}.${hmac('another-secret', id)}`);
    await store.revoke(withCharChanged(cookie, 44));
    await expect(store.verify(cookie)).resolves.toBe('admin');
  });

  it('stores only the sha256 of the session id, never the id or the cookie value', async () => {
    const cookies = [await store.issue('admin'), await store.issue('other-admin')];
    const rows = await db.prisma.adminSession.findMany({ orderBy: { user: 'asc' } });
    expect(rows.map((row) => row.user)).toEqual(['admin', 'other-admin']);
    expect(rows.map((row) => row.id)).toEqual(cookies.map((cookie) => createHash('sha256').update(idOf(cookie)).digest('hex')));
    const stored = JSON.stringify(rows);
    for (const cookie of cookies) {
      expect(stored).not.toContain(idOf(cookie));
      expect(stored).not.toContain(cookie.slice(44));
    }
    expect(rows[0].createdAt.getTime()).toBe(START);
    expect(rows[0].expiresAt.getTime()).toBe(START + SESSION_HOURS * HOUR);
  });

  it('deletes sessions that ended more than a day ago when someone signs in', async () => {
    const longExpired = await store.issue('long-expired');
    clock = START + HOUR;
    const longRevoked = await store.issue('long-revoked');
    await store.revoke(longRevoked);
    clock = START + 26 * HOUR;
    const recentlyRevoked = await store.issue('recently-revoked');
    await store.revoke(recentlyRevoked);
    // Now the first session expired 18h ago and the second was revoked 25h ago.
    await store.issue('fresh');
    expect((await db.prisma.adminSession.findMany({ orderBy: { user: 'asc' } })).map((row) => row.user)).toEqual(['fresh', 'long-expired', 'recently-revoked']);
    clock = START + (SESSION_HOURS + 24) * HOUR + 1;
    await store.issue('later');
    expect((await db.prisma.adminSession.findMany({ orderBy: { user: 'asc' } })).map((row) => row.user)).toEqual(['fresh', 'later', 'recently-revoked']);
    await expect(store.verify(longExpired)).resolves.toBeNull();
  });
});
