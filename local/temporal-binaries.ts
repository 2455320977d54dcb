import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Versions provisioned by tools/provision.sh; keep the two in step. */
export const TEMPORAL_CLI_VERSION = '1.5.1';
export const TEMPORAL_TEST_SERVER_VERSION = '1.38.0';
/** The real Temporal server (go.temporal.io/server), built by `tools/provision.sh cluster`. */
export const TEMPORAL_SERVER_VERSION = '1.32.2';

export type ServerExecutable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

export function rapportCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.RAPPORT_CACHE_DIR ?? join(homedir(), '.cache', 'rapport');
}

/**
 * Where a Temporal server executable comes from, in this order: the env var, the cached copy that
 * tools/provision.sh leaves outside the clone, then the SDK's own download (only with internet,
 * and only when RAPPORT_ALLOW_SDK_DOWNLOAD=1 so that an offline machine fails with a clear message).
 */
function resolveExecutable(envVar: string, cachedPath: string, what: string, env: NodeJS.ProcessEnv): ServerExecutable {
  const fromEnv = env[envVar];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`${envVar}=${fromEnv} does not exist`);
    return { type: 'existing-path', path: fromEnv };
  }
  if (existsSync(cachedPath)) return { type: 'existing-path', path: cachedPath };
  if (env.RAPPORT_ALLOW_SDK_DOWNLOAD === '1') return { type: 'cached-download' };
  throw new Error(
    `No ${what} found. Run 'bash tools/provision.sh temporal' to build or fetch it into ${rapportCacheDir(env)}, ` +
      `set ${envVar}, or set RAPPORT_ALLOW_SDK_DOWNLOAD=1 on a machine with internet.`,
  );
}

export function resolveDevServer(env: NodeJS.ProcessEnv = process.env): ServerExecutable {
  const cached = join(rapportCacheDir(env), `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
  return resolveExecutable('TEMPORAL_CLI_PATH', cached, 'Temporal dev server (temporal CLI)', env);
}

export function resolveTestServer(env: NodeJS.ProcessEnv = process.env): ServerExecutable {
  const cached = join(rapportCacheDir(env), `temporal-test-server-${TEMPORAL_TEST_SERVER_VERSION}`, 'temporal-test-server');
  return resolveExecutable('TEMPORAL_TEST_SERVER_PATH', cached, 'Temporal time-skipping test server', env);
}

export interface TemporalClusterBinaries {
  server: string;
  sql: string;
  /** The module's config/development-postgres12.yaml, which a cluster's own config is made from. */
  postgresConfig: string;
}

/** TEMPORAL_CLUSTER_DIR, else the folder tools/provision.sh builds into. */
export function resolveTemporalCluster(env: NodeJS.ProcessEnv = process.env): TemporalClusterBinaries {
  const dir = env.TEMPORAL_CLUSTER_DIR ?? join(rapportCacheDir(env), `temporal-cluster-${TEMPORAL_SERVER_VERSION}`);
  const binaries = { server: join(dir, 'server'), sql: join(dir, 'sql'), postgresConfig: join(dir, 'development-postgres12.yaml') };
  const missing = Object.values(binaries).filter((path) => !existsSync(path));
  if (missing.length === 0) return binaries;
  throw new Error(
    `No Temporal cluster build: ${missing.join(', ')} missing. Run 'bash tools/provision.sh cluster' to build go.temporal.io/server@v${TEMPORAL_SERVER_VERSION} ` +
      `into ${dir} (4-19 minutes, once), or set TEMPORAL_CLUSTER_DIR to a folder holding server, sql and development-postgres12.yaml.`,
  );
}
