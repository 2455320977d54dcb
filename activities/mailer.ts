// The one shared mailer: a pooled nodemailer SMTP transport. It tells the outbox whether a
// failure is permanent (a 5xx answer: record it, never retry) or passing (4xx, connection
// trouble: let the activity retry).
import nodemailer from 'nodemailer';

/** A calendar invite or cancellation sent as a text/calendar alternative (iTIP over email, RFC 6047). */
export interface CalendarPart {
  method: 'REQUEST' | 'CANCEL';
  /** The iCalendar text; its METHOD equals `method`. */
  content: string;
}

export interface OutgoingEmail {
  messageId: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  calendar?: CalendarPart;
}

export interface Mailer {
  /** The sender of every email, e.g. "Rapport <rapport@example.com>": the organizer of every invite. */
  readonly from?: string;
  send(email: OutgoingEmail): Promise<void>;
  close(): void;
}

export interface MailerOptions {
  smtpUrl: string;
  from: string;
  maxConnections?: number;
}

/** The relay refused the message for good (SMTP 5xx): sending it again would not help. */
export class PermanentMailError extends Error {
  constructor(
    message: string,
    readonly responseCode: number,
  ) {
    super(message);
    this.name = 'PermanentMailError';
  }
}

function responseCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' ? code : undefined;
}

const PLAIN_HEADER_TEXT = /^[\x20-\x7e]*$/;
/** 45 bytes are 60 base64 characters: with "=?UTF-8?B?" and "?=" a word stays within a 76-character line. */
const ENCODED_WORD_BYTES = 45;

/**
 * A subject as RFC 2047 encoded words of whole characters, unless it is plain ASCII. nodemailer's
 * own encoding sends control characters and text that looks like an encoded word ("=?utf-8?q?…?=")
 * as they are, and can split a character outside the BMP (an emoji, 𠮷) between two words, which
 * mail clients then show as "��".
 */
export function headerSafeSubject(subject: string): string {
  if (PLAIN_HEADER_TEXT.test(subject) && !subject.includes('=?')) return subject;
  const words: string[] = [];
  let word = '';
  for (const character of subject) {
    if (Buffer.byteLength(word + character) > ENCODED_WORD_BYTES) {
      words.push(word);
      word = '';
    }
    word += character;
  }
  words.push(word);
  return words.map((text) => `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`).join(' ');
}

function pooledUrl(smtpUrl: string, maxConnections: number): string {
  const url = new URL(smtpUrl);
  url.searchParams.set('pool', 'true');
  if (!url.searchParams.has('maxConnections')) url.searchParams.set('maxConnections', String(maxConnections));
  return url.toString();
}

/**
 * Whether a send failed because the connection it went out on was gone: the relay closed it (idle
 * too long, or "421 closing"), or it was reset. nodemailer drops such a connection from the pool,
 * so sending again opens a new one. A refused connect is not this: the relay is down.
 */
export function isDroppedConnection(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, syscall } = error as { code?: unknown; syscall?: unknown };
  if (responseCodeOf(error) === 421) return true;
  return code === 'ECONNECTION' || (code === 'ESOCKET' && syscall !== 'connect');
}

export function createMailer({ smtpUrl, from, maxConnections = 5 }: MailerOptions): Mailer {
  const transport = nodemailer.createTransport(pooledUrl(smtpUrl, maxConnections));
  const sendOnce = (email: OutgoingEmail) =>
    transport.sendMail({
      from,
      to: email.to,
      subject: headerSafeSubject(email.subject),
      html: email.html,
      text: email.text,
      messageId: email.messageId,
      ...(email.calendar ? { icalEvent: { method: email.calendar.method, content: email.calendar.content, filename: 'invite.ics' } } : {}),
      // A stable Message-ID lets mail clients and relays drop a copy resent after a crash.
      headers: { 'Auto-Submitted': 'auto-generated' },
    });
  return {
    from,
    async send(email) {
      try {
        // A pooled connection the relay closed while idle is a reconnect, not a failed send: try
        // once more on a new connection. A second failure is the activity's to retry, with backoff.
        await sendOnce(email).catch((error: unknown) => {
          if (!isDroppedConnection(error)) throw error;
          return sendOnce(email);
        });
      } catch (error) {
        const code = responseCodeOf(error);
        if (code !== undefined && code >= 500 && code < 600) {
          throw new PermanentMailError(error instanceof Error ? error.message : String(error), code);
        }
        throw error;
      }
    },
    close() {
      transport.close();
    },
  };
}
