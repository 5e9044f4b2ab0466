#!/bin/sh
# SPDX-License-Identifier: MIT
# One command from a fresh Debian 12 checkout to a running system or a passing test suite.
#   ./quickstart.sh run    install what is missing, build, run the whole trading system on data/
#   ./quickstart.sh test   install what is missing, build, run the full test suite (make check)
#   ./quickstart.sh bench  install what is missing (incl. ZeroMQ), build, run make bench
# Extra arguments after "run" go to tradeipc-run (try: ./quickstart.sh run --help).
set -eu
cd "$(dirname "$0")"
mode=${1:-run}
[ $# -gt 0 ] && shift

pkgs="gcc make autoconf automake libtool pkg-config libmsgpack-dev libjansson-dev check"
[ "$mode" = bench ] && pkgs="$pkgs libzmq3-dev gnuplot-nox"
[ "$mode" = test ] && pkgs="$pkgs iproute2" # the cross-host test builds network namespaces
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "quickstart: installing:$missing"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
fi

[ -x configure ] || autoreconf -fi
mkdir -p _build
cd _build
[ -f Makefile ] || ../configure --enable-werror
make -j"$(nproc)"

case "$mode" in
run)   exec ./tradeipc-run --data ../data "$@" ;;
test)  make -j"$(nproc)" check ;;
bench) make bench ;;
*)     echo "usage: $0 run|test|bench" >&2; exit 2 ;;
esac
