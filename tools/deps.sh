#!/bin/sh
# SPDX-License-Identifier: ISC
# Installs the Debian packages needed to build, test and demo staffd (make deps).
#   tools/deps.sh            install what is missing (as root), or print the command
#   tools/deps.sh --check    only report; exit 1 if anything is missing
# As root: runs `apt-get update` (only when something is missing) and
# `apt-get install -y --no-install-recommends ...`. As another user: prints the
# exact sudo command and exits 1. Exit 0 when everything is installed.
set -eu

# build: compiler, pkg-config and the libraries of the Makefile's PKGS
# test:  cmocka, a PostgreSQL server (tools/pg.sh), an independent iCalendar
#        parser, valgrind, wrk and nginx (benchmarks), curl, clang-format,
#        clang and libFuzzer (the fuzz harnesses, tests/fuzz/);
#        the console's browser tests: chromium (headless), a font, tidy (HTML)
# demo/ops: systemd (systemd-analyze for the unit file)
PACKAGES="build-essential pkg-config libpq-dev libuv1-dev libcjson-dev libical-dev libh2o-dev
libssl-dev libsystemd-dev libglpk-dev libcmocka-dev postgresql python3-icalendar valgrind wrk nginx-light
curl systemd clang-format clang libfuzzer-14-dev chromium fonts-dejavu-core tidy"

check_only=no
case "${1:-}" in
--check) check_only=yes ;;
"") ;;
*) echo "usage: tools/deps.sh [--check]" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps.sh: dpkg-query not found; this script knows Debian (12) package names only." >&2
    echo "deps.sh: needed: $(echo "$PACKAGES" | tr -s '\n' ' ')" >&2
    exit 1
fi

missing=""
for p in $PACKAGES; do
    # "install ok installed" (or "hold ok installed") when the package is present
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
    *" ok installed") ;;
    *) missing="$missing $p" ;;
    esac
done
missing=${missing# }

if [ -z "$missing" ]; then
    echo "deps.sh: all build, test and demo packages are installed"
    exit 0
fi

echo "deps.sh: missing packages: $missing"
if [ "$check_only" = yes ]; then
    exit 1
fi

if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: run this as root, or:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends $missing" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086 # one word per package
apt-get install -y --no-install-recommends $missing
echo "deps.sh: installed: $missing"
