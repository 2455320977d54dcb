// Form links: an opaque random token per email, stored only as its sha256.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { RapportTransaction } from './activity-deps';

export const TOKEN_BYTES = 32;
/** Characters of a token: TOKEN_BYTES in unpadded base64url. */
export const TOKEN_LENGTH = Math.ceil((TOKEN_BYTES * 8) / 6);
/** What stands in a stored copy of an email where a link's token was. */
export const REMOVED_TOKEN = '[link removed]';

// A literal prefix and a fixed-length run of token characters: matched in linear time.
const TOKEN_IN_LINK = new RegExp(`/(forms|pairs)/[A-Za-z0-9_-]{${TOKEN_LENGTH}}`, 'g');

/** The text with the token of every form and pair link replaced by REMOVED_TOKEN; the rest of each link stays. */
export function blankTokens(text: string): string {
  return text.replace(TOKEN_IN_LINK, `/$1/${REMOVED_TOKEN}`);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface IssuedLink {
  token: string;
  write: (tx: RapportTransaction) => Promise<unknown>;
}

/** A new token for a form; `write` stores its hash when the email's outbox row is written. */
export function issueFormLink(formId: string, ttlDays: number, now = new Date()): IssuedLink {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  const expiresAt = new Date(now.getTime() + ttlDays * 24 * 60 * 60 * 1000);
  return {
    token,
    write: (tx) => tx.formLink.create({ data: { id: randomUUID(), formId, tokenHash: hashToken(token), expiresAt } }),
  };
}

export function formUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/forms/${token}`;
}

/** A new token for a person's pair pages (add a topic, their record), one per email. */
export function issuePairLink(pairId: string, role: 'report' | 'manager', ttlDays: number, now = new Date()): IssuedLink {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  const expiresAt = new Date(now.getTime() + ttlDays * 24 * 60 * 60 * 1000);
  return {
    token,
    write: (tx) => tx.pairLink.create({ data: { id: randomUUID(), pairId, role, tokenHash: hashToken(token), expiresAt } }),
  };
}

export function pairPageUrls(publicBaseUrl: string, token: string): { topicUrl: string; recordUrl: string } {
  const base = `${publicBaseUrl.replace(/\/+$/, '')}/pairs/${token}`;
  return { topicUrl: `${base}/topic`, recordUrl: `${base}/record` };
}
