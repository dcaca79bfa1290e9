#!/usr/bin/env bash
# adphoto's developer entry point. On a fresh Debian machine:
#   ./dev.sh run     build and start adphoto (with the demo directory when no AD is at hand)
#   ./dev.sh test    install what the tests need, start the Samba test DC, run every test
#   ./dev.sh lint    cargo fmt --check and clippy -D warnings
#   ./dev.sh bench   the benchmarks (they print ratios against ImageMagick, vips, ldapsearch/ldapmodify)
#   ./dev.sh dist    release artefacts into target/dist: Linux binary, .deb, Windows .exe, .msi
# System packages are installed with apt-get only when missing (idempotent).
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$HOME/.cargo/bin:$PATH"

# Build dependencies: GSSAPI headers for Kerberos sign-in (bindgen needs libclang).
BUILD_PKGS=(pkg-config clang libclang-dev libkrb5-dev)
# What the tests and benchmarks compare against or run under.
TEST_PKGS=(imagemagick libvips-tools ldap-utils)

need_pkgs() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "dev.sh: installing ${missing[*]}" >&2
    local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

start_dc() {
  tests/ad/samba-dc.sh start
  # shellcheck disable=SC1090
  source "$(tests/ad/samba-dc.sh env)"
}

case "${1:-}" in
  run)
    shift
    need_pkgs "${BUILD_PKGS[@]}"
    if [ $# -eq 0 ]; then
      set -- --ldif assets/demo/demo.ldif users --subtree
    fi
    exec cargo run --release -- "$@"
    ;;
  test)
    shift
    need_pkgs "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"
    was_running=0
    tests/ad/samba-dc.sh status >/dev/null 2>&1 && was_running=1
    start_dc
    tests/ad/verify.sh >/dev/null || { echo "dev.sh: the test DC fails its own checks (tests/ad/verify.sh)" >&2; exit 1; }
    if [ "$was_running" = 0 ] && [ -z "${ADPHOTO_KEEP_DC:-}" ]; then
      trap 'tests/ad/samba-dc.sh stop' EXIT
    fi
    # Backups and offline change files of the tests stay out of the developer's own data folder.
    ADPHOTO_DATA_DIR="$(mktemp -d)"; export ADPHOTO_DATA_DIR
    cargo test --all-targets "$@"
    ;;
  lint)
    need_pkgs "${BUILD_PKGS[@]}"
    cargo fmt --check
    cargo clippy --all-targets -- -D warnings
    ;;
  bench)
    shift
    need_pkgs "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"
    start_dc
    cargo bench "$@"
    ;;
  dist)
    exec installer/build.sh
    ;;
  *)
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
