// Counting a scenario's emails at the SMTP server and in the outbox: expected, delivered (distinct
// expected Message-IDs accepted), duplicated (copies beyond the first), lost (neither delivered nor,
// for a recipient refused for good, recorded as failed), and which duplicates a fault explains.
import type { FaultStack } from './fault-stack';
import type { ExpectedEmail } from './fault-pairs';

export interface EmailCount {
  expected: number;
  delivered: number;
  duplicated: number;
  /** Copies a fault explains: a message accepted by the SMTP server and not yet recorded as sent. */
  explainedDuplicates: number;
  lost: number;
  /** Refused for good (550) and recorded as failed, as expected. */
  recordedFailed: number;
  /** Outbox rows by status, for the expected emails. */
  outbox: Record<string, number>;
  problems: string[];
}

export interface EmailExpectation {
  emails: ExpectedEmail[];
  /** Message-IDs the SMTP server refuses for good: they must end as failed outbox rows. */
  refusedForGood?: Set<string>;
  /**
   * Message-IDs a fault caught between the SMTP server accepting them and the outbox recording it:
   * each may arrive once more, at most.
   */
  inFaultWindow?: Set<string>;
}

const POLL_MS = 500;

/** How many of the expected emails the SMTP server has accepted so far. */
export function deliveredSoFar(stack: FaultStack, expected: Set<string>): number {
  const seen = new Set<string>();
  for (const message of stack.smtp.accepted) if (expected.has(message.messageId)) seen.add(message.messageId);
  return seen.size;
}

export async function waitForDelivered(stack: FaultStack, emails: ExpectedEmail[], count: number, timeoutMs: number): Promise<boolean> {
  const expected = new Set(emails.map((email) => email.messageId));
  const deadline = Date.now() + timeoutMs;
  while (deliveredSoFar(stack, expected) < count) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

async function outboxRows(stack: FaultStack, emails: ExpectedEmail[]) {
  return stack.database.prisma.outboxEmail.findMany({
    where: { id: { in: emails.map((email) => email.outboxId) } },
    select: { id: true, status: true, messageId: true, lastError: true },
  });
}

/** Expected emails accepted by the SMTP server whose outbox row still says pending (right after a crash). */
export async function acceptedButNotRecorded(stack: FaultStack, emails: ExpectedEmail[]): Promise<Set<string>> {
  const accepted = new Set(stack.smtp.accepted.map((message) => message.messageId));
  const rows = await outboxRows(stack, emails);
  return new Set(rows.filter((row) => row.status === 'pending' && accepted.has(row.messageId)).map((row) => row.messageId));
}

/**
 * Waits until every expected email is delivered (or, refused for good, recorded failed) and no
 * outbox row is pending any more. False if the deadline passed first.
 */
export async function waitUntilSettled(stack: FaultStack, expectation: EmailExpectation, deadlineAt: number): Promise<boolean> {
  const refused = expectation.refusedForGood ?? new Set<string>();
  const toDeliver = new Set(expectation.emails.map((email) => email.messageId).filter((id) => !refused.has(id)));
  for (;;) {
    if (deliveredSoFar(stack, toDeliver) === toDeliver.size) {
      // The database may be down while waiting; a failed read is just another poll.
      const rows = await outboxRows(stack, expectation.emails).catch(() => null);
      if (rows && rows.length === expectation.emails.length && rows.every((row) => row.status !== 'pending')) return true;
    }
    if (Date.now() > deadlineAt) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export async function countEmails(stack: FaultStack, expectation: EmailExpectation): Promise<EmailCount> {
  const { emails } = expectation;
  const refused = expectation.refusedForGood ?? new Set<string>();
  const window = expectation.inFaultWindow ?? new Set<string>();
  const copies = new Map<string, number>(emails.map((email) => [email.messageId, 0]));
  for (const message of stack.smtp.accepted) {
    const seen = copies.get(message.messageId);
    if (seen !== undefined) copies.set(message.messageId, seen + 1);
  }
  const rows = new Map((await outboxRows(stack, emails)).map((row) => [row.id, row]));
  const problems: string[] = [];
  const outbox: Record<string, number> = {};
  let delivered = 0;
  let duplicated = 0;
  let explainedDuplicates = 0;
  let recordedFailed = 0;
  let lost = 0;
  const unrecorded: string[] = [];
  for (const email of emails) {
    const count = copies.get(email.messageId) ?? 0;
    const row = rows.get(email.outboxId);
    const status = row?.status ?? 'missing';
    outbox[status] = (outbox[status] ?? 0) + 1;
    if (count > 0) delivered += 1;
    duplicated += Math.max(0, count - 1);
    explainedDuplicates += window.has(email.messageId) ? Math.min(1, Math.max(0, count - 1)) : 0;
    if (refused.has(email.messageId)) {
      if (count > 0) problems.push(`${email.stage} to ${email.to} was to be refused for good (550) but arrived`);
      if (status === 'failed') recordedFailed += 1;
      else lost += 1;
      continue;
    }
    if (count === 0) lost += 1;
    if (count > 0 && status !== 'sent') unrecorded.push(`${email.stage} to ${email.to} (${status})`);
  }
  if (unrecorded.length > 0) problems.push(`${unrecorded.length} email(s) arrived but their outbox row does not say sent, e.g. ${unrecorded[0]}`);
  if (lost > 0) problems.push(`${lost} email(s) lost`);
  if (duplicated > explainedDuplicates) problems.push(`${duplicated - explainedDuplicates} duplicate(s) no crash explains`);
  return { expected: emails.length, delivered, duplicated, explainedDuplicates, lost, recordedFailed, outbox, problems };
}
