/**
 * Which Temporal the process tests, the fault suite and the benchmark run against: the CLI's dev
 * server (the default) or a real cluster (harness/temporal-cluster.ts), chosen with
 * RAPPORT_TEMPORAL=dev|cluster or, for the scripts, `--temporal dev|cluster`.
 */
export type TemporalUnderTest = 'dev' | 'cluster';

export function temporalUnderTest(argv: string[] = [], env: NodeJS.ProcessEnv = process.env): TemporalUnderTest {
  const flag = argv.indexOf('--temporal');
  const chosen = flag >= 0 ? argv[flag + 1] : (env.RAPPORT_TEMPORAL ?? 'dev');
  if (chosen === 'dev' || chosen === 'cluster') return chosen;
  throw new Error(
    `--temporal / RAPPORT_TEMPORAL is "${chosen ?? ''}": it must be dev (the Temporal dev server) or cluster (a real Temporal cluster on PostgreSQL)`,
  );
}
