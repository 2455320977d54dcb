// Form links: an opaque random token per email, stored only as its sha256.
import { randomBytes, randomUUID } from 'node:crypto';
import { hashToken, TOKEN_BYTES } from '../pairs/link-tokens';
import type { RapportTransaction } from './activity-deps';

export interface FormLinkRow {
  id: string;
  formId: string;
  tokenHash: string;
  expiresAt: Date;
}

export interface PairLinkRow {
  id: string;
  pairId: string;
  role: 'report' | 'manager';
  tokenHash: string;
  expiresAt: Date;
}

export interface IssuedLink<Row = FormLinkRow | PairLinkRow> {
  token: string;
  /** What is stored of the link (its token's hash only), for writers that store several at once. */
  row: Row;
  write: (tx: RapportTransaction) => Promise<unknown>;
}

const expiryAfter = (ttlDays: number, now: Date) => new Date(now.getTime() + ttlDays * 24 * 60 * 60 * 1000);

/** A new token for a form; `write` stores its hash when the email's outbox row is written. */
export function issueFormLink(formId: string, ttlDays: number, now = new Date()): IssuedLink<FormLinkRow> {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  const row = { id: randomUUID(), formId, tokenHash: hashToken(token), expiresAt: expiryAfter(ttlDays, now) };
  return { token, row, write: (tx) => tx.formLink.create({ data: row }) };
}

export function formUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/forms/${token}`;
}

/** A new token for a person's pair pages (add a topic, their record, this 1:1), one per email. */
export function issuePairLink(pairId: string, role: 'report' | 'manager', ttlDays: number, now = new Date()): IssuedLink<PairLinkRow> {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  const row = { id: randomUUID(), pairId, role, tokenHash: hashToken(token), expiresAt: expiryAfter(ttlDays, now) };
  return { token, row, write: (tx) => tx.pairLink.create({ data: row }) };
}

export interface PairPageUrls {
  topicUrl: string;
  recordUrl: string;
  /** "This 1:1": the next meeting, to skip, move or pause for an absence, and what either person changed. */
  meetingUrl: string;
  /** The manager's page for the pair (its questions, the report's suggestions, pooled feedback); empty for the report. */
  questionsUrl: string;
}

/** The pair pages a link opens; the manager's page only from a manager's link (`role`; the report's when left out). */
export function pairPageUrls(publicBaseUrl: string, token: string, role: 'report' | 'manager' = 'report'): PairPageUrls {
  const base = `${publicBaseUrl.replace(/\/+$/, '')}/pairs/${token}`;
  return { topicUrl: `${base}/topic`, recordUrl: `${base}/record`, meetingUrl: `${base}/meeting`, questionsUrl: role === 'manager' ? `${base}/questions` : '' };
}
