// The transactional outbox that makes sending idempotent. One row per (pair, cycle, stage,
// recipient) is written, with the fully rendered message and a deterministic Message-ID, before
// anything is sent; the row is marked sent afterwards. A retried activity or a replayed workflow
// finds the row and never sends the same email twice. The one window left, a crash between the
// relay accepting the message and the row being marked, resends the identical message with the
// same Message-ID, at most once per crash.
import { createHash } from 'node:crypto';
import type { Role } from '../workflows/pair-types';
import type { ActivityDeps, RapportTransaction } from './activity-deps';
import { PermanentMailError } from './mailer';
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


async function createOutboxRow(deps: ActivityDeps, address: OutboxAddress, key: string, composition: Composition) {
  const { email, alsoWrite } = composition;
  try {
    return await deps.db.$transaction(async (tx) => {
      const row = await tx.outboxEmail.create({
        data: {
          id: key,
          pairId: address.pairId,
          cycleNumber: address.cycle,
          stage: address.stage,
          recipientRole: address.role,
          toAddress: email.to,
          messageId: messageIdFor(key, deps.messageIdDomain),
          subject: email.subject,
          html: email.html,
          text: email.text,
          status: 'pending',
        },
      });
      if (alsoWrite) await alsoWrite(tx);
      return row;
    });
  } catch (error) {
    // A concurrent attempt of the same activity wrote the row first: use its message.
    if (!isUniqueViolation(error)) throw error;
    return deps.db.outboxEmail.findUniqueOrThrow({ where: { id: key } });
  }
}

/**
 * Sends the email for `address` exactly once. `compose` runs only when no row exists yet.
 * Passing failures (4xx, connection) are thrown so that the activity retries; a permanent one
 * (5xx) is recorded on the row and reported as 'failed'.
 */
export async function deliverOnce(
  deps: ActivityDeps,
  address: OutboxAddress,
  compose: () => Promise<Composition>,
): Promise<DeliveryStatus> {
  const key = outboxKey(address);
  const existing = await deps.db.outboxEmail.findUnique({ where: { id: key } });
  const row = existing ?? (await createOutboxRow(deps, address, key, await compose()));
  if (row.status === 'sent' || row.status === 'failed') return row.status;

  try {
    await deps.mailer.send({ messageId: row.messageId, to: row.toAddress, subject: row.subject, html: row.html, text: row.text });
  } catch (error) {
    const permanent = error instanceof PermanentMailError;
    await deps.db.outboxEmail.update({
      where: { id: key },
      data: { attempts: { increment: 1 }, lastError: String((error as Error).message ?? error).slice(0, 1000), status: permanent ? 'failed' : 'pending' },
    });
    if (!permanent) throw error;
    deps.onEmail?.(address.stage, 'failed');
    return 'failed';
  }
  await deps.db.outboxEmail.update({ where: { id: key }, data: { status: 'sent', sentAt: new Date(), attempts: { increment: 1 } } });
  deps.onEmail?.(address.stage, 'sent');
  return 'sent';
}
