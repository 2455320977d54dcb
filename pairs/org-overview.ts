// The organisation overview: where an admin should look across every pair. Pairs that have not met
// in N weeks, chronic skippers, response rates by manager, undelivered emails, paused and stopped
// pairs; all from the stored records (cycles, answers, forms, the outbox, the state's copy on
// Pair), never from the workflows, so that it costs a few queries however many pairs there are.
import type { RapportPrisma } from '../prisma/database';
import { problem, type Problem } from '../workflows/problem-list';
import type { StoppedRun } from './pair-liveness';
import { readableDate, readableInstant } from './local-time';
import { toCsv } from './pair-export';

export const DEFAULT_OVERVIEW_WEEKS = 4;
export const MAX_OVERVIEW_WEEKS = 104;
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;
/** Stopped pairs are few (each is an incident); more than this many are not all listed. */
const MAX_STOPPED_LISTED = 900;
/** The follow-up forms, whose "did the meeting take place?" answer confirms a meeting. */
const FOLLOW_UP_KINDS = ['followUpReport', 'followUpManager'];

/** Reads ?weeks=N: a whole number of weeks from 1 to 104; absent means 4. */
export function overviewWeeks(raw: Record<string, unknown>): { weeks: number; problems: Problem[] } {
  const value = raw.weeks;
  if (value === undefined || value === '') return { weeks: DEFAULT_OVERVIEW_WEEKS, problems: [] };
  const weeks = typeof value === 'string' && /^\d{1,3}$/.test(value) ? Number(value) : 0;
  if (weeks >= 1 && weeks <= MAX_OVERVIEW_WEEKS) return { weeks, problems: [] };
  const shown = typeof value === 'string' ? `"${value.slice(0, 40)}"` : 'more than one value';
  return {
    weeks: DEFAULT_OVERVIEW_WEEKS,
    problems: [problem('weeks', `The number of weeks must be a whole number from 1 to ${MAX_OVERVIEW_WEEKS} (not ${shown}).`)],
  };
}

export interface OverviewPair {
  pairId: string;
  managerName: string;
  managerEmail: string;
  reportName: string;
  reportEmail: string;
  timeZone: string;
}

export interface NotMetPair extends OverviewPair {
  /** The last meeting someone confirmed took place (ISO 8601); null: none ever was. */
  lastMetAt: string | null;
}

export interface ManagerResponseRate {
  managerName: string;
  managerEmail: string;
  /** A pair of theirs, to link to: their first (whose id is their search key). */
  pairId: string;
  pairs: number;
  /** Forms sent in the weeks looked at and closed or answered (a form still open is not counted yet). */
  sent: number;
  answered: number;
  /** answered / sent, null when none was sent. */
  rate: number | null;
  sentToManager: number;
  answeredByManager: number;
  sentToReport: number;
  answeredByReport: number;
}

export interface OrganisationOverview {
  weeks: number;
  /** The start of the weeks looked at (ISO 8601). */
  since: string;
  notMet: NotMetPair[];
  chronicSkippers: (OverviewPair & { consecutiveSkips: number; skipNudgeAfter: number })[];
  responseRates: ManagerResponseRate[];
  undelivered: (OverviewPair & { undeliveredEmails: number })[];
  paused: OverviewPair[];
  stopped: (OverviewPair & { stopped: StoppedRun })[];
}

const PAIR_FIELDS = { id: true, managerName: true, managerEmail: true, reportName: true, reportEmail: true, timeZone: true } as const;
type PairFields = { id: string; managerName: string; managerEmail: string; reportName: string; reportEmail: string; timeZone: string };
const overviewPair = ({ id, ...rest }: PairFields): OverviewPair => ({ pairId: id, ...rest });
const PAIR_ORDER = [{ managerName: 'asc' as const }, { reportName: 'asc' as const }, { id: 'asc' as const }];

const asNumber = (value: unknown): number => (typeof value === 'bigint' ? Number(value) : typeof value === 'number' ? value : Number(value ?? 0));
const asIso = (value: unknown): string | null => {
  if (value === null || value === undefined) return null;
  const at = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : new Date(NaN);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
};

/**
 * Pairs not ended, older than the weeks looked at, with no confirmed meeting in them. A meeting is
 * confirmed when it was held (its cycle) and someone answered its follow-up saying it took place.
 */
async function notMet(db: RapportPrisma, since: Date): Promise<NotMetPair[]> {
  const rows = await db.$queryRaw<(PairFields & { lastMetAt: unknown })[]>`
    SELECT t.* FROM (
      SELECT p."id", p."managerName", p."managerEmail", p."reportName", p."reportEmail", p."timeZone", (
        SELECT MAX(c."meetingAt") FROM "Cycle" c
        WHERE c."pairId" = p."id" AND c."status" = 'held' AND EXISTS (
          SELECT 1 FROM "Answer" a
          WHERE a."pairId" = c."pairId" AND a."cycleNumber" = c."number"
            AND a."kind" IN (${FOLLOW_UP_KINDS[0]}, ${FOLLOW_UP_KINDS[1]}) AND a."payload" LIKE '%"meetingHeld":true%'
        )
      ) AS "lastMetAt"
      FROM "Pair" p
      WHERE p."status" <> 'ended' AND p."createdAt" < ${since}
    ) t
    WHERE t."lastMetAt" IS NULL OR t."lastMetAt" < ${since}
    ORDER BY t."managerName", t."reportName", t."id"`;
  return rows.map(({ lastMetAt, ...pair }) => ({ ...overviewPair(pair), lastMetAt: asIso(lastMetAt) }));
}

interface RateRow {
  managerEmail: string;
  managerName: string;
  pairId: string;
  pairs: unknown;
  sent: unknown;
  answered: unknown;
  sentToManager: unknown;
  answeredByManager: unknown;
}

/** Per manager: the share of the forms sent for their pairs in the weeks looked at that were answered. */
async function responseRates(db: RapportPrisma, since: Date): Promise<ManagerResponseRate[]> {
  const rows = await db.$queryRaw<RateRow[]>`
    SELECT p."managerEmail" AS "managerEmail", MIN(p."managerName") AS "managerName", MIN(p."id") AS "pairId",
      COUNT(DISTINCT p."id") AS "pairs", COUNT(f."id") AS "sent", COUNT(a."id") AS "answered",
      SUM(CASE WHEN f."recipientRole" = 'manager' THEN 1 ELSE 0 END) AS "sentToManager",
      SUM(CASE WHEN f."recipientRole" = 'manager' AND a."id" IS NOT NULL THEN 1 ELSE 0 END) AS "answeredByManager"
    FROM "Form" f
    JOIN "Pair" p ON p."id" = f."pairId"
    LEFT JOIN "Answer" a ON a."formId" = f."id"
    WHERE f."sentAt" >= ${since} AND (f."closedAt" IS NOT NULL OR a."id" IS NOT NULL)
    GROUP BY p."managerEmail"`;
  const rates = rows.map((row) => {
    const sent = asNumber(row.sent);
    const answered = asNumber(row.answered);
    const sentToManager = asNumber(row.sentToManager);
    const answeredByManager = asNumber(row.answeredByManager);
    return {
      managerName: row.managerName,
      managerEmail: row.managerEmail,
      pairId: row.pairId,
      pairs: asNumber(row.pairs),
      sent,
      answered,
      rate: sent === 0 ? null : answered / sent,
      sentToManager,
      answeredByManager,
      sentToReport: sent - sentToManager,
      answeredByReport: answered - answeredByManager,
    };
  });
  // Lowest rate first: those are the ones to look at.
  return rates.sort((a, b) => (a.rate ?? 1) - (b.rate ?? 1) || a.managerName.localeCompare(b.managerName));
}

async function undelivered(db: RapportPrisma): Promise<OrganisationOverview['undelivered']> {
  const rows = await db.$queryRaw<(PairFields & { undeliveredEmails: unknown })[]>`
    SELECT p."id", p."managerName", p."managerEmail", p."reportName", p."reportEmail", p."timeZone", COUNT(o."id") AS "undeliveredEmails"
    FROM "OutboxEmail" o JOIN "Pair" p ON p."id" = o."pairId"
    WHERE o."status" = 'failed' AND p."status" <> 'ended'
    GROUP BY p."id", p."managerName", p."managerEmail", p."reportName", p."reportEmail", p."timeZone"
    ORDER BY p."managerName", p."reportName", p."id"`;
  return rows.map(({ undeliveredEmails, ...pair }) => ({ ...overviewPair(pair), undeliveredEmails: asNumber(undeliveredEmails) }));
}

export interface OverviewSources {
  db: RapportPrisma;
  stopped: ReadonlyMap<string, StoppedRun>;
}

/** The two parts that read every pair's meetings and forms: what a brief cache may keep (pair-admin.ts). */
export interface SlowOverviewParts {
  notMet: NotMetPair[];
  responseRates: ManagerResponseRate[];
}

export async function slowOverviewParts(db: RapportPrisma, weeks: number, now = Date.now()): Promise<SlowOverviewParts> {
  const since = new Date(now - weeks * WEEK_MS);
  const [notMetPairs, rates] = await Promise.all([notMet(db, since), responseRates(db, since)]);
  return { notMet: notMetPairs, responseRates: rates };
}

/** The overview; `slow` is its meetings-and-forms part when already at hand (else read now). */
export async function organisationOverview(
  { db, stopped }: OverviewSources,
  weeks: number,
  now = Date.now(),
  slow: Promise<SlowOverviewParts> = slowOverviewParts(db, weeks, now),
): Promise<OrganisationOverview> {
  const since = new Date(now - weeks * WEEK_MS);
  const stoppedIds = [...stopped.keys()];
  const [{ notMet: notMetPairs, responseRates: rates }, chronic, notDelivered, paused, stoppedPairs] = await Promise.all([
    slow,
    db.pair.findMany({
      where: { chronicSkips: true, status: { not: 'ended' } },
      select: { ...PAIR_FIELDS, consecutiveSkips: true, skipNudgeAfter: true },
      orderBy: [{ consecutiveSkips: 'desc' }, ...PAIR_ORDER],
    }),
    undelivered(db),
    db.pair.findMany({ where: { stateName: 'paused', status: { not: 'ended' }, id: { notIn: stoppedIds } }, select: PAIR_FIELDS, orderBy: PAIR_ORDER }),
    stoppedIds.length === 0
      ? Promise.resolve([])
      : db.pair.findMany({ where: { id: { in: stoppedIds.slice(0, MAX_STOPPED_LISTED) } }, select: PAIR_FIELDS, orderBy: PAIR_ORDER }),
  ]);
  return {
    weeks,
    since: since.toISOString(),
    notMet: notMetPairs,
    chronicSkippers: chronic.map(({ consecutiveSkips, skipNudgeAfter, ...pair }) => ({ ...overviewPair(pair), consecutiveSkips, skipNudgeAfter })),
    responseRates: rates,
    undelivered: notDelivered,
    paused: paused.map(overviewPair),
    stopped: stoppedPairs.flatMap((pair) => {
      const run = stopped.get(pair.id);
      return run ? [{ ...overviewPair(pair), stopped: run }] : [];
    }),
  };
}

// ---- How it reads: the page's rows and the CSV ---------------------------------------------------

const percent = (rate: number | null) => (rate === null ? '–' : `${Math.round(rate * 100)}%`);
const ofForms = (answered: number, sent: number) => `${answered} of ${sent}`;

/** One row of the overview's table: a section, the pair to go to, and what is the matter. */
export interface OverviewRow {
  section: string;
  pairId: string;
  manager: string;
  managerEmail: string;
  report: string;
  reportEmail: string;
  detail: string;
}

export interface OverviewSection {
  id: string;
  title: string;
  /** What the section lists, in a sentence. */
  about: string;
  rows: OverviewRow[];
}

function lastMetText(pair: NotMetPair, now: number): string {
  return pair.lastMetAt === null ? 'No confirmed meeting yet' : `Last confirmed meeting ${readableDate(pair.lastMetAt, pair.timeZone, now)}`;
}

function stoppedText(run: StoppedRun, timeZone: string, viewerZone: string | undefined, now: number): string {
  const why = run.reason === null ? run.status : `${run.status}: ${run.reason}`;
  return run.stoppedAt === null ? why : `${why}, since ${readableInstant(run.stoppedAt, timeZone, viewerZone, now)}`;
}

const pairRow = (section: string, pair: OverviewPair, detail: string): OverviewRow => ({
  section,
  pairId: pair.pairId,
  manager: pair.managerName,
  managerEmail: pair.managerEmail,
  report: pair.reportName,
  reportEmail: pair.reportEmail,
  detail,
});

/** The overview as the page's sections, each row a pair to go to. */
export function overviewSections(overview: OrganisationOverview, viewerZone?: string, now = Date.now()): OverviewSection[] {
  const weeks = overview.weeks === 1 ? '1 week' : `${overview.weeks} weeks`;
  return [
    {
      id: 'not-met',
      title: `Not met in ${weeks}`,
      about: `Pairs older than ${weeks} with no meeting in them that someone confirmed in its follow-up.`,
      rows: overview.notMet.map((pair) => pairRow('Not met', pair, lastMetText(pair, now))),
    },
    {
      id: 'chronic-skips',
      title: 'Skipped again and again',
      about: 'Pairs that skipped at least as many meetings in a row as their nudge is set to.',
      rows: overview.chronicSkippers.map((pair) =>
        pairRow('Chronic skips', pair, `${pair.consecutiveSkips} skipped in a row (nudge after ${pair.skipNudgeAfter})`),
      ),
    },
    {
      id: 'response-rates',
      title: `Forms answered, by manager, in the last ${weeks}`,
      about: 'Of the forms sent for each manager’s pairs that have closed or been answered: how many were answered. Lowest first.',
      rows: overview.responseRates.map((rate) => ({
        section: 'Response rate',
        pairId: rate.pairId,
        manager: rate.managerName,
        managerEmail: rate.managerEmail,
        report: rate.pairs === 1 ? '1 pair' : `${rate.pairs} pairs`,
        reportEmail: '',
        detail:
          `${percent(rate.rate)}: ${ofForms(rate.answered, rate.sent)} forms answered ` +
          `(manager ${ofForms(rate.answeredByManager, rate.sentToManager)}, reports ${ofForms(rate.answeredByReport, rate.sentToReport)})`,
      })),
    },
    {
      id: 'undelivered',
      title: 'Emails not delivered',
      about: 'Pairs with emails the mail relay refused for good: their addresses need checking.',
      rows: overview.undelivered.map((pair) => pairRow('Undelivered', pair, pair.undeliveredEmails === 1 ? '1 email' : `${pair.undeliveredEmails} emails`)),
    },
    {
      id: 'paused',
      title: 'Paused',
      about: 'Pairs paused by someone: no email goes out until they are resumed.',
      rows: overview.paused.map((pair) => pairRow('Paused', pair, 'Paused')),
    },
    {
      id: 'stopped',
      title: 'Stopped in Temporal',
      about: 'Pairs whose workflow stopped without the pair ending: nothing is sent until they are restarted.',
      rows: overview.stopped.map((pair) => pairRow('Stopped', pair, stoppedText(pair.stopped, pair.timeZone, viewerZone, now))),
    },
  ];
}

const CSV_HEADER = ['section', 'pair_id', 'manager', 'manager_email', 'report', 'report_email', 'detail'];

/** Every row of every section, as CSV (fields that a spreadsheet would run as a formula are defused). */
export function overviewCsv(sections: readonly OverviewSection[]): string {
  const rows = sections.flatMap((section) =>
    section.rows.map((row) => [row.section, row.pairId, row.manager, row.managerEmail, row.report, row.reportEmail, row.detail]),
  );
  return toCsv([CSV_HEADER, ...rows]);
}
