#!/bin/sh
# run.sh - stk fmt against HashiCorp's formatter over tests/fmt/cases.
# Usage: tests/fmt/run.sh [STK_BINARY]   (default: build/stk)
# Installs the reference formatter (npm package @cdktf/hcl-tools, pinned by
# package-lock.json) into tests/fmt/node_modules on first use.
set -e
here=$(cd "$(dirname "$0")" && pwd)
stk=${1:-$here/../../build/stk}
case $stk in /*) ;; *) stk=$(pwd)/$stk ;; esac
if [ ! -d "$here/node_modules/@cdktf/hcl-tools" ]; then
    (cd "$here" && npm ci --no-audit --no-fund --silent)
fi
exec node "$here/check.js" "$stk"
