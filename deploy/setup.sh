#!/bin/sh
# Installs the Debian 12 packages wardsoc builds and runs with (`make run`), and with
# --test also the outside tools its tests and CI checks use (`make test`).
# Idempotent: when everything is present it only runs dpkg-query and exits.
set -eu

# Building and running: the compiler and build tools, the libraries of
# cmake/Dependencies.cmake (Boost.Test too: configuring declares the tests), tzdata for
# the Asia/Ho_Chi_Minh times, bsdutils for the `logger` the configure step looks up.
RUN_PACKAGES="
build-essential cmake pkg-config ninja-build
libhyperscan-dev libre2-dev librocksdb-dev librdkafka-dev
libboost-dev libboost-test-dev
libyaml-cpp-dev libyaml-dev libcli11-dev libspdlog-dev libfmt-dev
libsimdjson-dev nlohmann-json3-dev libconcurrentqueue-dev libxxhash-dev
libsodium-dev libssl-dev libcurl4-openssl-dev libcctz-dev tzdata
prometheus-cpp-dev bsdutils
"

# The dashboard (web/) is compiled with node and npm. Any node >= 18 will do (Debian 12's
# is 18): a node that is already installed (another packaging of it, with its own npm) is
# kept, so these two are checked as commands rather than as packages.
WEB_PACKAGES=""
command -v node >/dev/null 2>&1 || WEB_PACKAGES="nodejs"
command -v npm >/dev/null 2>&1 || WEB_PACKAGES="$WEB_PACKAGES npm"

# Testing: the format and tidy checks (clang-format, clang-tidy, git), the fuzz and
# ThreadSanitizer builds (clang with its runtimes), and the real peers the tests talk to:
# openssl (certificates, s_client), syslog-ng (TLS sender and SOC receiver), kcat (Kafka
# client), fail2ban (its filters and annotated logs), chromium (the dashboard's browser
# test drives it with playwright-core).
TEST_PACKAGES="
git clang clang-format clang-tidy libclang-rt-14-dev
openssl syslog-ng-core kcat fail2ban chromium
"

PACKAGES="$RUN_PACKAGES $WEB_PACKAGES"
case "${1:-}" in
  --test) PACKAGES="$RUN_PACKAGES $WEB_PACKAGES $TEST_PACKAGES" ;;
  "") ;;
  *) echo "usage: $0 [--test]" >&2; exit 2 ;;
esac

missing=""
for p in $PACKAGES; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing="$missing $p"
done

[ -z "$missing" ] && exit 0

echo "wardsoc setup: installing$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "wardsoc setup: need root (or sudo) to install:$missing" >&2; exit 1
  fi
fi

# Packages such as fail2ban and syslog-ng ship services; wardsoc only needs their
# files (filters, test logs, the binary), so keep apt from starting daemons.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  created_policy=1
fi
# The trap's status becomes the script's: an `a && b` whose test is false would fail setup.
cleanup() {
  if [ "$created_policy" = 1 ]; then $SUDO rm -f "$policy"; fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -q --no-install-recommends $missing >/tmp/wardsoc-apt.log 2>&1; then
  $SUDO apt-get update -q >>/tmp/wardsoc-apt.log 2>&1 || true
  if ! $SUDO apt-get install -y -q --no-install-recommends $missing >>/tmp/wardsoc-apt.log 2>&1; then
    echo "wardsoc setup: apt-get install failed; see /tmp/wardsoc-apt.log" >&2
    tail -20 /tmp/wardsoc-apt.log >&2
    exit 1
  fi
fi
echo "wardsoc setup: done" >&2
