// The pair list's and the overview's queries (raw SQL among them) on both databases: the same
// seeded pairs give the same counts, pages, filters and sums on SQLite and on PostgreSQL.
import { seedPairs } from '../bench/admin-list';
import { organisationOverview, overviewCsv, overviewSections } from '../pairs/org-overview';
import { pairList, pairListQuery, PAIR_LIST_FILTERS, PAIR_LIST_SORTS } from '../pairs/pair-list';
import { openDatabase, type Database } from '../prisma/database';
import { migrateDatabase } from '../prisma/migrate';
import { DATABASE_TARGETS, type DatabaseTarget } from './support/database-targets';

const NOW = Date.parse('2026-12-02T09:00:00Z');
const PAIRS = 60;

/** What the list and overview say of the seeded pairs, in terms that do not depend on their random ids. */
async function figuresOf(db: Database['prisma']) {
  const stopped = new Map();
  const list = async (raw: Record<string, unknown>) => {
    const { query, problems } = pairListQuery(raw);
    expect(problems).toEqual([]);
    return pairList({ db, stopped }, query);
  };
  const firstPage = await list({});
  const byFilter = Object.fromEntries(await Promise.all(PAIR_LIST_FILTERS.map(async (filter) => [filter, (await list({ filter })).total])));
  const orders = Object.fromEntries(
    await Promise.all(PAIR_LIST_SORTS.map(async (sort) => [sort, (await list({ sort })).pairs.map((pair) => pair.report.name).slice(0, 10)])),
  );
  const search = (await list({ q: 'report 1' })).pairs.map((pair) => pair.report.name).sort();
  const overview = await organisationOverview({ db, stopped }, 4, NOW);
  return {
    total: firstPage.total,
    pages: firstPage.pages,
    firstPageSize: firstPage.pairs.length,
    secondPageSize: (await list({ page: '2' })).pairs.length,
    byFilter,
    orders,
    search,
    notMet: overview.notMet.map((pair) => pair.reportName),
    chronicSkippers: overview.chronicSkippers.map((pair) => [pair.reportName, pair.consecutiveSkips]),
    responseRates: overview.responseRates.map(({ managerName, sent, answered }) => [managerName, sent, answered]),
    undelivered: overview.undelivered.map((pair) => [pair.reportName, pair.undeliveredEmails]),
    paused: overview.paused.map((pair) => pair.reportName),
    csvLines: overviewCsv(overviewSections(overview, 'UTC', NOW)).split('\n').length,
  };
}

const results = new Map<string, Awaited<ReturnType<typeof figuresOf>>>();

describe.each(DATABASE_TARGETS)('on %s', (provider, makeTarget) => {
  let target: DatabaseTarget;
  let database: Database;

  beforeAll(async () => {
    target = await makeTarget();
    await migrateDatabase(target.url);
    database = openDatabase(target.url);
    await seedPairs(database.prisma, { count: PAIRS, now: NOW, tag: 'databases' });
  }, 120_000);

  afterAll(async () => {
    await database?.close();
    await target?.cleanup();
  });

  it('lists, filters, sorts, pages and sums the seeded pairs', async () => {
    const figures = await figuresOf(database.prisma);
    expect(figures.total).toBe(PAIRS);
    expect(figures.pages).toBe(2);
    expect(figures.firstPageSize + figures.secondPageSize).toBe(PAIRS);
    // The seeding gives every filter and every part of the overview something to find.
    for (const filter of ['paused', 'chronic-skips', 'undelivered'] as const) expect(figures.byFilter[filter]).toBeGreaterThan(0);
    expect(figures.search.length).toBeGreaterThan(0);
    expect(figures.responseRates.length).toBeGreaterThan(0);
    expect(figures.chronicSkippers.length).toBeGreaterThan(0);
    results.set(provider, figures);
  });
});

// Declared after both, so it runs once both databases have answered.
it('gives the same figures on both databases', () => {
  expect([...results.keys()].sort()).toEqual(['postgresql', 'sqlite']);
  expect(results.get('postgresql')).toEqual(results.get('sqlite'));
});
