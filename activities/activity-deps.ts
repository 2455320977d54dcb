import type { RapportPrisma } from '../prisma/database';
import type { EmailTemplates } from '../templates/email-templates';
import type { FormKind } from '../workflows/pair-types';
import type { Mailer } from './mailer';

/** Everything the activities need from the outside world, handed in by the worker (or a test). */
export interface ActivityDeps {
  db: RapportPrisma;
  mailer: Mailer;
  emails: EmailTemplates;
  /** Base of every link in an email, e.g. https://rapport.example.com */
  publicBaseUrl: string;
  /** Used for deterministic Message-IDs: <hash@domain>. */
  messageIdDomain: string;
  formLinkTtlDays: number;
  /** Whether pairs without a setting of their own get calendar invites (CALENDAR_INVITES); on when absent. */
  calendarInvitesByDefault?: boolean;
  /** Called after each email the outbox sends or fails; the worker counts them for metrics. */
  onEmail?: (stage: string, outcome: 'sent' | 'failed') => void;
  /** Called after each answer the workflow acknowledged is stored; counted for metrics. */
  onAnswer?: (kind: FormKind) => void;
}

/** The client handed to a Prisma interactive transaction. */
export type RapportTransaction = Parameters<Parameters<RapportPrisma['$transaction']>[0]>[0];
