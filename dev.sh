#!/usr/bin/env bash
# adphoto's developer entry point. On a fresh Debian machine:
#   ./dev.sh run     build and open the adphoto window (its connect dialog has "Open demo directory");
#                    with arguments, the command line: ./dev.sh run --ldif assets/demo/demo.ldif users
#   ./dev.sh test    install what the tests need, start the Samba test DC, run every test
#   ./dev.sh lint    cargo fmt --check and clippy -D warnings
#   ./dev.sh bench   the benchmarks (they print ratios against ImageMagick, vips, ldapsearch/ldapmodify)
#   ./dev.sh dist    release artefacts into target/dist: Linux binary, .deb, Windows .exe, .msi
#   ./dev.sh smoke   install those as a new user would (the .deb in a minimal Debian chroot, the .msi
#                    under Wine), start each, screenshot its window (installer/smoke.sh; root)
#   ./dev.sh screenshot   the window on the demo directory under Xvfb -> assets/screenshots/main-window.png
# System packages are installed with apt-get only when missing (idempotent).
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$HOME/.cargo/bin:$PATH"

# Build dependencies: GSSAPI headers for Kerberos sign-in (bindgen needs libclang); nasm for
# libjpeg-turbo's SIMD (mozjpeg-sys builds it from source, for Linux and the Windows cross-build).
BUILD_PKGS=(pkg-config clang libclang-dev libkrb5-dev nasm)
# What the window loads at run time on Linux (OpenGL, X11/Wayland keyboard and cursor); a desktop has them.
GUI_PKGS=(libgl1 libegl1 libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6)
# What the tests and benchmarks compare against or run under.
TEST_PKGS=(imagemagick libvips-tools ldap-utils)

# shellcheck source=installer/need-pkgs.sh
source installer/need-pkgs.sh

start_dc() {
  tests/ad/samba-dc.sh start
  # shellcheck disable=SC1090
  source "$(tests/ad/samba-dc.sh env)"
}

case "${1:-}" in
  run)
    shift
    need_pkgs "${BUILD_PKGS[@]}" "${GUI_PKGS[@]}"
    # No arguments: the window (adphoto without a command opens it).
    exec cargo run --release -- "$@"
    ;;
  screenshot)
    need_pkgs "${BUILD_PKGS[@]}" "${GUI_PKGS[@]}" xvfb xauth imagemagick xdotool
    cargo build --release
    target="${CARGO_TARGET_DIR:-target}"
    case "$target" in /*) ;; *) target="$(pwd)/$target" ;; esac
    exe="$target/release/adphoto"
    out="$(pwd)/assets/screenshots/main-window.png"
    mkdir -p "$(dirname "$out")"
    tmp="$(mktemp -d)"
    # A private data/config folder, so the picture never shows the developer's own state.
    ADPHOTO_DATA_DIR="$tmp/data" ADPHOTO_CONFIG_DIR="$tmp/config" XDG_DATA_HOME="$tmp/xdg" \
      xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
        "$0" --demo & app=$!
        sleep 5
        xdotool mousemove 330 148 click 1   # select a user (the second row)
        sleep 2
        import -window root "$1"
        kill "$app"' "$exe" "$out"
    rm -rf "$tmp"
    echo "dev.sh: wrote $out"
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
    # Free disk, printed: a full disk shows up as a linker crash, which is hard to read otherwise.
    mkdir -p "${CARGO_TARGET_DIR:-target}"
    df -h "${CARGO_TARGET_DIR:-target}" | tail -1 | awk '{print "dev.sh: " $4 " free on disk"}' >&2 || true
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
    shift
    exec installer/build.sh "$@"
    ;;
  smoke)
    shift
    exec installer/smoke.sh "$@"
    ;;
  *)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
