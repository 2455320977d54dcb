// The transactional outbox that makes sending idempotent. One row per (pair, cycle, stage,
// recipient) is written, with the fully rendered message and a deterministic Message-ID, before
// anything is sent; the row is marked sent afterwards. A retried activity or a replayed workflow
// finds the row and never sends the same email twice. The one window left, a crash between the
// relay accepting the message and the row being marked, resends the identical message with the
// same Message-ID, at most once per crash.
//
// Only a pending row holds the live message: it must, to resend it unchanged after such a crash.
// The update that records a row as sent or failed also blanks every link token in it, so that a
// copy of the database opens no form or pair page through a message that is out of the outbox's hands.
import { createHash } from 'node:crypto';
import type { Role } from '../workflows/pair-types';
import type { ActivityDeps, RapportTransaction } from './activity-deps';
import { blankTokens } from '../pairs/link-tokens';
import { PermanentMailError, type CalendarPart } from './mailer';
import { isUniqueViolation } from '../prisma/database';

export interface OutboxAddress {
  pairId: string;
  cycle: number;
  stage: string;
  role: Role;
}

export interface ComposedEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** A calendar invite or cancellation sent with it. */
  calendar?: CalendarPart;
}

export interface Composition {
  email: ComposedEmail;
  /** Records written in the same transaction as the outbox row (a form, its link). */
  alsoWrite?: (tx: RapportTransaction) => Promise<unknown>;
}

export type DeliveryStatus = 'sent' | 'failed';

export function outboxKey({ pairId, cycle, stage, role }: OutboxAddress): string {
  return `${pairId}:${cycle}:${stage}:${role}`;
}

export function messageIdFor(key: string, domain: string): string {
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 40)}@${domain}>`;
}

type OutboxRow = Awaited<ReturnType<ActivityDeps['db']['outboxEmail']['findUniqueOrThrow']>>;

/** The emails for the addresses that have no outbox row yet, in their order, and what goes with them. */
export interface BatchComposition {
  emails: ComposedEmail[];
  /** Records written in the same transaction as the outbox rows (forms, their links). */
  alsoWrite?: (tx: RapportTransaction) => Promise<unknown>;
}

async function createOutboxRows(deps: ActivityDeps, addresses: OutboxAddress[], composition: BatchComposition): Promise<OutboxRow[]> {
  const keys = addresses.map(outboxKey);
  try {
    return await deps.db.$transaction(async (tx) => {
      const data = addresses.map((address, index) => {
        const email = composition.emails[index];
        return {
          id: keys[index],
          pairId: address.pairId,
          cycleNumber: address.cycle,
          stage: address.stage,
          recipientRole: address.role,
          toAddress: email.to,
          messageId: messageIdFor(keys[index], deps.messageIdDomain),
          subject: email.subject,
          html: email.html,
          text: email.text,
          calendar: email.calendar ? JSON.stringify(email.calendar) : null,
          status: 'pending',
        };
      });
      // One statement for all of a stage's rows.
      const rows = await tx.outboxEmail.createManyAndReturn({ data });
      if (composition.alsoWrite) await composition.alsoWrite(tx);
      return rows;
    });
  } catch (error) {
    // A concurrent attempt of the same activity wrote the rows first: use its messages.
    if (!isUniqueViolation(error)) throw error;
    return deps.db.outboxEmail.findMany({ where: { id: { in: keys } } });
  }
}

/** The columns of a row that hold its message, with every link token blanked. */
function withoutTokens(row: OutboxRow): Pick<OutboxRow, 'subject' | 'html' | 'text'> {
  return { subject: blankTokens(row.subject), html: blankTokens(row.html), text: blankTokens(row.text) };
}

/** Sends a row still pending and records the outcome; a passing failure is thrown for a retry. */
async function sendRow(deps: ActivityDeps, stage: string, row: OutboxRow): Promise<DeliveryStatus> {
  if (row.status === 'sent' || row.status === 'failed') return row.status;
  try {
    const calendar = row.calendar ? (JSON.parse(row.calendar) as CalendarPart) : undefined;
    await deps.mailer.send({
      messageId: row.messageId,
      to: row.toAddress,
      subject: row.subject,
      html: row.html,
      text: row.text,
      ...(calendar ? { calendar } : {}),
    });
  } catch (error) {
    const permanent = error instanceof PermanentMailError;
    // A relay's refusal may quote a link it objects to (a URL blocklist, say).
    const lastError = blankTokens(String((error as Error).message ?? error)).slice(0, 1000);
    await deps.db.outboxEmail.update({
      where: { id: row.id },
      data: { attempts: { increment: 1 }, lastError, ...(permanent ? { status: 'failed', ...withoutTokens(row) } : { status: 'pending' }) },
    });
    if (!permanent) throw error;
    deps.onEmail?.(stage, 'failed');
    return 'failed';
  }
  await recordSent(deps, row);
  deps.onEmail?.(stage, 'sent');
  return 'sent';
}

/** Waits between tries to record an accepted message: about a minute in all. */
const RECORD_SENT_WAITS_MS = [500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000];

/**
 * Marks a row sent once the relay has accepted its message. A failure here would send the message
 * again on the activity's retry, so a short database outage is waited out here, in the activity.
 */
async function recordSent(deps: ActivityDeps, row: OutboxRow): Promise<void> {
  const data = { status: 'sent', sentAt: new Date(), attempts: { increment: 1 }, ...withoutTokens(row) };
  for (const wait of [...RECORD_SENT_WAITS_MS, null]) {
    try {
      await deps.db.outboxEmail.update({ where: { id: row.id }, data });
      return;
    } catch (error) {
      if (wait === null) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/**
 * Sends the email for each address exactly once, in one transaction for all rows still missing.
 * `compose` runs only for addresses with no row yet. Passing failures (4xx, connection) are thrown
 * after every other email had its chance, so that the activity retries only what is left; a
 * permanent one (5xx) is recorded on its row and reported as 'failed'.
 */
export async function deliverAllOnce(
  deps: ActivityDeps,
  addresses: OutboxAddress[],
  compose: (missing: OutboxAddress[]) => Promise<BatchComposition>,
): Promise<DeliveryStatus[]> {
  const keys = addresses.map(outboxKey);
  const existing = await deps.db.outboxEmail.findMany({ where: { id: { in: keys } } });
  const rowOf = new Map(existing.map((row) => [row.id, row]));
  const missing = addresses.filter((_, index) => !rowOf.has(keys[index]));
  if (missing.length > 0) {
    for (const row of await createOutboxRows(deps, missing, await compose(missing))) rowOf.set(row.id, row);
  }
  const outcomes = await Promise.allSettled(addresses.map((address, index) => sendRow(deps, address.stage, rowOf.get(keys[index]) as OutboxRow)));
  const passingFailure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (passingFailure) throw passingFailure.reason;
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<DeliveryStatus>).value);
}

/** deliverAllOnce for a single email. */
export async function deliverOnce(deps: ActivityDeps, address: OutboxAddress, compose: () => Promise<Composition>): Promise<DeliveryStatus> {
  const [status] = await deliverAllOnce(deps, [address], async () => {
    const { email, alsoWrite } = await compose();
    return { emails: [email], alsoWrite };
  });
  return status;
}
