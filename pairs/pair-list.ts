// The admin's pair list: search, filter, sort and pages, all in SQL over the database's copy of each
// pair's workflow state (Pair.state and the columns written with it, activities/pair-state-writes.ts),
// so that drawing it costs a few queries whatever the number of pairs, and never a Query to a workflow.
// Which pairs are stopped in Temporal is given by the caller (pair-admin.ts), from one visibility list.
import type { RapportPrisma } from '../prisma/database';
import type { Prisma } from '../generated/sqlite/client';
import { problem, type Problem } from '../workflows/problem-list';
import type { StoppedRun } from './pair-liveness';
import { managerKeysOf, MANAGER_KEY_ORDER } from './manager-search';
import { pairStatusView } from './pair-status-view';
import { stageName } from './stage-names';
import { readableInstant } from './local-time';

export const PAIR_LIST_FILTERS = ['paused', 'chronic-skips', 'undelivered', 'stopped'] as const;
export type PairListFilter = (typeof PAIR_LIST_FILTERS)[number];
export const PAIR_LIST_SORTS = ['manager', 'report', 'next', 'skips', 'newest'] as const;
export type PairListSort = (typeof PAIR_LIST_SORTS)[number];

export const PAIR_LIST_PAGE_SIZE = 50;
export const MAX_SEARCH_LENGTH = 200;

/** What the pages show for each filter and sort. */
export const FILTER_LABELS: Record<PairListFilter, string> = {
  paused: 'Paused',
  'chronic-skips': 'Skipped again and again',
  undelivered: 'Emails not delivered',
  stopped: 'Stopped in Temporal',
};
export const SORT_LABELS: Record<PairListSort, string> = {
  manager: "Manager's name",
  report: "Report's name",
  next: 'Next event, soonest first',
  skips: 'Skips in a row, most first',
  newest: 'Newest pairs first',
};

/** A request for one page of the list: what to search for, which filter, which order, which page. */
export interface PairListQuery {
  /** Lowercased text to find in either person's name or address, or a manager's search key. */
  q?: string;
  filter?: PairListFilter;
  sort: PairListSort;
  page: number;
  /** Null: every matching pair at once (the command line's list). */
  pageSize: number | null;
}

const orList = (values: readonly string[]) => `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;

/** The lowercased text the list's search looks in: both people's names and addresses. */
export function pairSearchText(pair: { managerName: string; managerEmail: string; reportName: string; reportEmail: string }): string {
  return [pair.managerName, pair.managerEmail, pair.reportName, pair.reportEmail].map((part) => part.trim().toLowerCase()).join(' ');
}

/** One value of a query-string parameter, or a problem when it came more than once. */
function single(raw: Record<string, unknown>, name: string): { value?: string; problem?: Problem } {
  const value = raw[name];
  if (value === undefined || value === '') return {};
  if (typeof value !== 'string') return { problem: problem(name, `Give one ${name} at a time.`) };
  return { value };
}

const isFilter = (value: string): value is PairListFilter => (PAIR_LIST_FILTERS as readonly string[]).includes(value);
const isSort = (value: string): value is PairListSort => (PAIR_LIST_SORTS as readonly string[]).includes(value);

/** The filter asked for, with the older spellings (`paused=true`, `chronicSkips=true`) still understood. */
function filterOf(raw: Record<string, unknown>, problems: Problem[]): PairListFilter | undefined {
  const { value, problem: repeated } = single(raw, 'filter');
  if (repeated) problems.push(repeated);
  if (value !== undefined) {
    if (isFilter(value)) return value;
    problems.push(problem('filter', `There is no filter "${value.slice(0, 40)}": choose ${orList(PAIR_LIST_FILTERS)}.`));
    return undefined;
  }
  if (raw.paused === 'true') return 'paused';
  if (raw.chronicSkips === 'true') return 'chronic-skips';
  return undefined;
}

function sortOf(raw: Record<string, unknown>, problems: Problem[]): PairListSort {
  const { value, problem: repeated } = single(raw, 'sort');
  if (repeated) problems.push(repeated);
  if (value === undefined) return 'manager';
  if (isSort(value)) return value;
  problems.push(problem('sort', `There is no sort "${value.slice(0, 40)}": choose ${orList(PAIR_LIST_SORTS)}.`));
  return 'manager';
}

function pageOf(raw: Record<string, unknown>, problems: Problem[]): number {
  const { value, problem: repeated } = single(raw, 'page');
  if (repeated) problems.push(repeated);
  if (value === undefined) return 1;
  const page = /^\d{1,6}$/.test(value) ? Number(value) : 0;
  if (page >= 1) return page;
  problems.push(problem('page', `The page must be a whole number from 1, like 2 (not "${value.slice(0, 40)}").`));
  return 1;
}

function searchOf(raw: Record<string, unknown>, problems: Problem[]): string | undefined {
  // `manager` is the older name of the search.
  const q = single(raw, 'q').value !== undefined || raw.q !== undefined ? single(raw, 'q') : single(raw, 'manager');
  if (q.problem) problems.push({ ...q.problem, field: 'q', message: 'Give one search at a time.' });
  const text = q.value?.trim().toLowerCase();
  if (!text) return undefined;
  if (text.length > MAX_SEARCH_LENGTH) {
    problems.push(problem('q', `The search can be at most ${MAX_SEARCH_LENGTH} characters.`));
    return undefined;
  }
  return text;
}

/** Reads the list's query-string parameters (q, filter, sort, page); every bad one is a problem. */
export function pairListQuery(raw: Record<string, unknown>): { query: PairListQuery; problems: Problem[] } {
  const problems: Problem[] = [];
  const query: PairListQuery = {
    q: searchOf(raw, problems),
    filter: filterOf(raw, problems),
    sort: sortOf(raw, problems),
    page: pageOf(raw, problems),
    pageSize: PAIR_LIST_PAGE_SIZE,
  };
  return { query, problems };
}

const ORDERS: Record<PairListSort, Prisma.PairOrderByWithRelationInput[]> = {
  manager: [{ managerName: 'asc' }, ...MANAGER_KEY_ORDER],
  report: [{ reportName: 'asc' }, ...MANAGER_KEY_ORDER],
  next: [{ nextEventAt: { sort: 'asc', nulls: 'last' } }, ...MANAGER_KEY_ORDER],
  skips: [{ consecutiveSkips: 'desc' }, { managerName: 'asc' }, ...MANAGER_KEY_ORDER],
  newest: [{ createdAt: 'desc' }, { id: 'desc' }],
};

export interface ListSources {
  db: RapportPrisma;
  /** The pairs whose workflow stopped without the pair ending, as Temporal said. */
  stopped: ReadonlyMap<string, StoppedRun>;
}

/** The manager a search names by their key (the id of their first pair), if it is one. */
async function managerOfKey(db: RapportPrisma, q: string): Promise<string | undefined> {
  if (!/^[0-9a-f-]{8,64}$/.test(q)) return undefined;
  const pair = await db.pair.findUnique({ where: { id: q }, select: { managerEmail: true } });
  return pair?.managerEmail;
}

async function undeliveredPairIds(db: RapportPrisma): Promise<string[]> {
  const groups = await db.outboxEmail.groupBy({ by: ['pairId'], where: { status: 'failed' } });
  return groups.map((group) => group.pairId);
}

/**
 * How many ids one query may list (Prisma refuses a query with more bind values than SQLite's 999);
 * a longer list is matched in chunks (see pairList).
 */
const MAX_LISTED_IDS = 900;

interface ListWhere {
  where: Prisma.PairWhereInput;
  /** The pairs must be among these too: a list longer than a query may carry. */
  among?: string[];
}

async function whereOf({ db, stopped }: ListSources, query: PairListQuery): Promise<ListWhere> {
  const conditions: Prisma.PairWhereInput[] = [];
  if (query.q) {
    const managerEmail = await managerOfKey(db, query.q);
    conditions.push({ OR: [{ searchText: { contains: query.q } }, ...(managerEmail ? [{ managerEmail }] : [])] });
  }
  const stoppedIds = [...stopped.keys()];
  if (query.filter === 'paused') conditions.push({ stateName: 'paused', status: { not: 'ended' }, id: { notIn: stoppedIds } });
  if (query.filter === 'chronic-skips') conditions.push({ chronicSkips: true, status: { not: 'ended' } });
  const among = query.filter === 'undelivered' ? await undeliveredPairIds(db) : query.filter === 'stopped' ? stoppedIds : undefined;
  if (among !== undefined && among.length <= MAX_LISTED_IDS) conditions.push({ id: { in: among } });
  const where = conditions.length === 0 ? {} : { AND: conditions };
  return among !== undefined && among.length > MAX_LISTED_IDS ? { where, among } : { where };
}

/** The ids of one page among many listed ids: every match's id in the list's order, then the page of them. */
async function pageAmong(db: RapportPrisma, where: Prisma.PairWhereInput, among: readonly string[], query: PairListQuery) {
  const wanted = new Set(among);
  const ordered = await db.pair.findMany({ where, orderBy: ORDERS[query.sort], select: { id: true } });
  const matching = ordered.filter((row) => wanted.has(row.id)).map((row) => row.id);
  const pageSize = query.pageSize ?? matching.length;
  const pageIds = matching.slice((query.page - 1) * pageSize, query.page * pageSize);
  const rows = [];
  for (let start = 0; start < pageIds.length; start += MAX_LISTED_IDS) {
    rows.push(...(await db.pair.findMany({ where: { id: { in: pageIds.slice(start, start + MAX_LISTED_IDS) } } })));
  }
  const position = new Map(pageIds.map((id, index) => [id, index]));
  return { total: matching.length, rows: rows.sort((a, b) => (position.get(a.id) ?? 0) - (position.get(b.id) ?? 0)) };
}

type ListedRow = Awaited<ReturnType<RapportPrisma['pair']['findMany']>>[number];

/** Each page's manager's search key: the id of their first pair. */
async function managerKeys(db: RapportPrisma, rows: readonly ListedRow[]): Promise<Map<string, string>> {
  const emails = [...new Set(rows.map((row) => row.managerEmail))];
  if (emails.length === 0) return new Map();
  const keys = new Map<string, string>();
  // In chunks a query can carry; each chunk holds every pair of its managers, so each key is right.
  for (let start = 0; start < emails.length; start += MAX_LISTED_IDS) {
    const where = { managerEmail: { in: emails.slice(start, start + MAX_LISTED_IDS) } };
    const theirs = await db.pair.findMany({ where, orderBy: MANAGER_KEY_ORDER, select: { id: true, managerEmail: true } });
    for (const [email, key] of managerKeysOf(theirs)) keys.set(email, key);
  }
  return keys;
}

/** How many emails of each of these pairs were refused for good, in chunks a query can carry. */
async function undeliveredCountsOf(db: RapportPrisma, pairIds: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let start = 0; start < pairIds.length; start += MAX_LISTED_IDS) {
    const chunk = pairIds.slice(start, start + MAX_LISTED_IDS);
    const groups = await db.outboxEmail.groupBy({ by: ['pairId'], where: { status: 'failed', pairId: { in: chunk } }, _count: { _all: true } });
    for (const group of groups) counts.set(group.pairId, group._count._all);
  }
  return counts;
}

/** One pair as the list, the API and the command line show it. */
function listedPair(row: ListedRow, stopped: StoppedRun | null, key: string | undefined, undelivered: number) {
  const status = pairStatusView(row, stopped);
  return {
    pairId: row.id,
    manager: { name: row.managerName, email: row.managerEmail, key },
    report: { name: row.reportName, email: row.reportEmail },
    state: status.state,
    stage: status.stage,
    cycle: status.cycle,
    /** The meeting of the cycle under way (ISO 8601), in the pair's zone `timeZone`. */
    meetingAt: status.meetingAt,
    timeZone: row.timeZone,
    nextEvent: status.nextEvents[0] ?? null,
    consecutiveSkips: status.consecutiveSkips,
    /** What Temporal says of a workflow that stopped without the pair ending; null otherwise. */
    stopped,
    undeliveredEmails: undelivered,
  };
}

export type ListedPair = ReturnType<typeof listedPair>;

export interface PairListResult {
  pairs: ListedPair[];
  /** How many pairs match, over every page. */
  total: number;
  page: number;
  pageSize: number | null;
  pages: number;
}

/** There is no such page: the list is shorter. */
export class PageOutOfRange extends Error {
  constructor(
    readonly page: number,
    readonly pages: number,
  ) {
    super(`There is no page ${page}: ${pages === 1 ? 'the list has 1 page' : `the list has ${pages} pages`}.`);
  }
}

/** One page of pairs matching the query, in its order, with how many match in all. */
export async function pairList(sources: ListSources, query: PairListQuery): Promise<PairListResult> {
  const { db, stopped } = sources;
  const { where, among } = await whereOf(sources, query);
  const pageSize = query.pageSize;
  const { total, rows } = among
    ? await pageAmong(db, where, among, query)
    : await Promise.all([
        db.pair.count({ where }),
        db.pair.findMany({ where, orderBy: ORDERS[query.sort], ...(pageSize === null ? {} : { skip: (query.page - 1) * pageSize, take: pageSize }) }),
      ]).then(([count, found]) => ({ total: count, rows: found }));
  const pages = pageSize === null ? 1 : Math.max(1, Math.ceil(total / pageSize));
  if (query.page > pages) throw new PageOutOfRange(query.page, pages);
  const [keys, undelivered] = await Promise.all([
    managerKeys(db, rows),
    undeliveredCountsOf(
      db,
      rows.map((row) => row.id),
    ),
  ]);
  return {
    pairs: rows.map((row) => listedPair(row, stopped.get(row.id) ?? null, keys.get(row.managerEmail), undelivered.get(row.id) ?? 0)),
    total,
    page: query.page,
    pageSize,
    pages,
  };
}

// ---- How the page reads ----------------------------------------------------------------------------

/** One row of the list page: every time in the pair's own zone, every stage by its name. */
export interface PairListRow {
  pairId: string;
  managerName: string;
  reportName: string;
  state: string;
  stopped: { status: string; reason: string | null; since: string | null } | null;
  stage: string | null;
  meeting: string | null;
  next: string | null;
  consecutiveSkips: number | null;
  undeliveredEmails: number;
}

export function pairListRow(pair: ListedPair, viewerZone?: string, now = Date.now()): PairListRow {
  const when = (iso: string) => readableInstant(iso, pair.timeZone, viewerZone, now);
  return {
    pairId: pair.pairId,
    managerName: pair.manager.name,
    reportName: pair.report.name,
    state: pair.state,
    stopped: pair.stopped && { status: pair.stopped.status, reason: pair.stopped.reason, since: pair.stopped.stoppedAt && when(pair.stopped.stoppedAt) },
    stage: pair.stage === null ? null : stageName(pair.stage),
    meeting: pair.meetingAt && pair.state !== 'ended' ? when(pair.meetingAt) : null,
    next: pair.nextEvent ? `${stageName(pair.nextEvent.stage)}, ${when(pair.nextEvent.at)}` : null,
    consecutiveSkips: pair.consecutiveSkips,
    undeliveredEmails: pair.undeliveredEmails,
  };
}

/** A link to another page of the same list, with the same search, filter and order. */
export function pairListHref(query: Pick<PairListQuery, 'q' | 'filter' | 'sort'>, page: number): string {
  const params = new URLSearchParams();
  if (query.q) params.set('q', query.q);
  if (query.filter) params.set('filter', query.filter);
  if (query.sort !== 'manager') params.set('sort', query.sort);
  if (page > 1) params.set('page', String(page));
  const text = params.toString();
  return text ? `/admin?${text}` : '/admin';
}

/** What the list part of the pairs page needs: the rows, the search form as sent, and the page links. */
export interface PairListView {
  rows: PairListRow[];
  total: number;
  page: number;
  pages: number;
  q: string;
  filters: { value: string; label: string; selected: boolean }[];
  sorts: { value: string; label: string; selected: boolean }[];
  previous: string | null;
  next: string | null;
  /** The search, filter or page asked for could not be read: the list shown is the whole one. */
  problems: string[];
  /** Whether anything narrows the list (a search or a filter). */
  narrowed: boolean;
}

export function pairListView(
  result: PairListResult | null,
  query: PairListQuery,
  problems: readonly string[] = [],
  viewerZone?: string,
  now = Date.now(),
): PairListView {
  const page = result?.page ?? 1;
  const pages = result?.pages ?? 1;
  return {
    rows: (result?.pairs ?? []).map((pair) => pairListRow(pair, viewerZone, now)),
    total: result?.total ?? 0,
    page,
    pages,
    q: query.q ?? '',
    filters: [
      { value: '', label: 'All pairs', selected: query.filter === undefined },
      ...PAIR_LIST_FILTERS.map((value) => ({ value, label: FILTER_LABELS[value], selected: query.filter === value })),
    ],
    sorts: PAIR_LIST_SORTS.map((value) => ({ value, label: SORT_LABELS[value], selected: query.sort === value })),
    previous: page > 1 ? pairListHref(query, page - 1) : null,
    next: page < pages ? pairListHref(query, page + 1) : null,
    problems: [...problems],
    narrowed: Boolean(query.q || query.filter),
  };
}
