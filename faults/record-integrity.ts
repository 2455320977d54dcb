// "Nothing half-written": what the database must never hold after a fault, for the pairs of a
// scenario. A form's email, the form and its link are written in one transaction, so each exists
// with the others or not at all; an answer belongs to a form; an answer is acknowledged by the
// workflow (or carries the reason it could not be); and no outbox row is left pending.
import { FORM_RECIPIENT } from '../workflows/pair-types';
import type { FaultStack } from './fault-stack';

/** Outbox stages that carry a form, named after the form's kind. */
const FORM_STAGES = new Set<string>(Object.keys(FORM_RECIPIENT));

export async function halfWrittenRecords(stack: FaultStack, pairIds: string[]): Promise<string[]> {
  const db = stack.database.prisma;
  const where = { pairId: { in: pairIds } };
  const [forms, outbox, answers] = await Promise.all([
    db.form.findMany({ where, select: { id: true, pairId: true, cycleNumber: true, kind: true, recipientRole: true } }),
    db.outboxEmail.findMany({ where, select: { id: true, status: true, stage: true } }),
    db.answer.findMany({ where, select: { formId: true, deliveredAt: true, deliveryError: true } }),
  ]);
  const links = await db.formLink.findMany({ where: { formId: { in: forms.map((form) => form.id) } }, select: { formId: true } });
  const formIds = new Set(forms.map((form) => form.id));
  const linked = new Set(links.map((link) => link.formId));
  const outboxIds = new Set(outbox.map((row) => row.id));
  const problems: string[] = [];
  const report = (count: number, what: string) => count > 0 && problems.push(`${count} ${what}`);
  report(
    forms.filter((form) => !outboxIds.has(`${form.pairId}:${form.cycleNumber}:${form.kind}:${form.recipientRole}`)).length,
    'form(s) without their email in the outbox',
  );
  report(forms.filter((form) => !linked.has(form.id)).length, 'form(s) without a link');
  // An outbox id is "<pair>:<cycle>:<stage>:<role>"; a form email's form is "<pair>:<cycle>:<kind>".
  const formEmails = outbox.filter((row) => FORM_STAGES.has(row.stage));
  report(formEmails.filter((row) => !formIds.has(row.id.split(':').slice(0, 3).join(':'))).length, 'form email(s) in the outbox without their form');
  report(outbox.filter((row) => row.status === 'pending').length, 'outbox row(s) still pending');
  report(answers.filter((answer) => !formIds.has(answer.formId)).length, 'answer(s) without their form');
  report(answers.filter((answer) => answer.deliveredAt === null && answer.deliveryError === null).length, 'answer(s) never acknowledged by the workflow');
  return problems;
}
