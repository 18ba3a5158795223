#!/usr/bin/env bash
# Installs everything stk needs to build and test on a fresh Debian 12 machine
# (run as root, or with sudo available).  Idempotent.
set -euo pipefail
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
pkgs=(
  build-essential meson ninja-build pkg-config clang libclang-rt-14-dev
  libcurl4-openssl-dev libssl-dev libjansson-dev libsqlite3-dev libgit2-dev
  libxml2-dev libpcre2-dev libyaml-dev zlib1g-dev
  sqlite3 graphviz awscli git curl ca-certificates time
)
# The machine's Node.js (with npm) is used when present; otherwise Debian's.
command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Real DynamoDB and S3 servers for the backend tests (tests/backend/package.json: dynalite, s3rver)
BACKEND_TESTS="$(cd "$(dirname "$0")/.." && pwd)/tests/backend"
if [ -f "$BACKEND_TESTS/package.json" ]; then
  (cd "$BACKEND_TESTS" && npm install --no-audit --no-fund --no-package-lock >/dev/null)
fi
