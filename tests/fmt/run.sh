#!/bin/sh
# run.sh - stk fmt against HashiCorp's formatter (and its parser as a second
# opinion) over tests/fmt/cases; prints "N passed, N failed".
# Usage: tests/fmt/run.sh [STK_BINARY]   (default: $STK_BIN, else build/stk)
# Installs the reference packages (@cdktf/hcl-tools, @cdktf/hcl2json, pinned
# by package-lock.json) into tests/fmt/node_modules on first use.  Exits 77
# (a skip, for meson) when node or the packages cannot be had.
set -e
here=$(cd "$(dirname "$0")" && pwd)
stk=${1:-${STK_BIN:-$here/../../build/stk}}
case $stk in /*) ;; *) stk=$(pwd)/$stk ;; esac
if ! command -v node >/dev/null 2>&1; then
    echo "SKIP fmt reference tests: node is not installed (apt-get install nodejs npm)"
    exit 77
fi
if [ ! -d "$here/node_modules/@cdktf/hcl-tools" ] || [ ! -d "$here/node_modules/@cdktf/hcl2json" ]; then
    if ! (cd "$here" && npm ci --no-audit --no-fund --silent); then
        echo "SKIP fmt reference tests: npm ci failed"
        exit 77
    fi
fi
exec node "$here/check.js" "$stk"
