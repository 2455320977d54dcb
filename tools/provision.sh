#!/usr/bin/env bash
# Provisions every tool the tests and the local stack need, from the package registries only,
# into a cache outside the clone (RAPPORT_CACHE_DIR, default ~/.cache/rapport) so re-runs are fast.
#
#   Temporal dev server  : $TEMPORAL_CLI_PATH, else the cached build, else `go install` of the CLI.
#   Temporal test server : $TEMPORAL_TEST_SERVER_PATH, else the cached copy, else Maven Central
#                          (io.temporal:temporal-test-server + dependencies) behind a java wrapper.
#   PostgreSQL, Chromium : Debian packages, installed with apt-get when missing (needs root).
#
# When neither a binary nor a toolchain is available for a Temporal server, it says so and exits 1,
# unless RAPPORT_ALLOW_SDK_DOWNLOAD=1, in which case tests fall back to the SDK's own download
# (machines with internet only).
set -euo pipefail

TEMPORAL_CLI_VERSION="1.5.1"        # newest CLI release whose go.mod has no replace directive
TEMPORAL_TEST_SERVER_VERSION="1.38.0"
CACHE_DIR="${RAPPORT_CACHE_DIR:-$HOME/.cache/rapport}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ONLY="${1:-all}"   # all | tests | temporal | postgres | chromium

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
  all) provision_temporal_cli; provision_test_server; provision_postgres; provision_chromium ;;
  tests) provision_temporal_cli; provision_test_server; provision_postgres; provision_chromium ;;
  temporal) provision_temporal_cli; provision_test_server ;;
  postgres) provision_postgres ;;
  chromium) provision_chromium ;;
  *) fail "unknown target '$ONLY' (all | tests | temporal | postgres | chromium)" ;;
esac
say "done"
