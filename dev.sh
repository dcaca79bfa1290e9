#!/usr/bin/env bash
# adphoto's developer entry point. On a fresh Debian machine:
#   ./dev.sh run     build and open the adphoto window (its connect dialog has "Open demo directory");
#                    with arguments, the command line: ./dev.sh run --ldif assets/demo/demo.ldif users
#   ./dev.sh test    install what the tests need, start the Samba test DC, run every test (as root:
#                    the DC binds ports 88/389/636; Samba's packages enable winbind)
#   ./dev.sh lint    cargo fmt --check and clippy -D warnings
#   ./dev.sh bench   the benchmarks (they print ratios against ImageMagick, vips, ldapsearch/ldapmodify)
#   ./dev.sh dist    release artefacts into target/dist: Linux binary, .deb, Windows .exe, .msi
#   ./dev.sh smoke   install those as a new user would (the .deb in a minimal Debian chroot, the .msi
#                    under Wine), start each, screenshot its window (installer/smoke.sh; root)
#   ./dev.sh screenshot   the window on the demo directory under Xvfb -> assets/screenshots/main-window.png
# System packages are installed with apt-get only when missing (idempotent).
# ADPHOTO_NO_DISCOVERY=1 (set here for test and screenshot): the window asks DNS for no DC at start.
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$HOME/.cargo/bin:$PATH"

# The crate is edition 2024: Rust 1.85 or later (Debian 12's packaged rustc is 1.63).
need_rust() {
  if ! command -v cargo >/dev/null; then
    echo "dev.sh: no Rust toolchain (cargo) found. Install it with rustup, then run this again:" >&2
    echo "  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh" >&2
    exit 1
  fi
}

# Build dependencies: GSSAPI headers for Kerberos sign-in (bindgen needs libclang); nasm for
# libjpeg-turbo's SIMD (mozjpeg-sys builds it from source, for Linux and the Windows cross-build).
BUILD_PKGS=(pkg-config clang libclang-dev libkrb5-dev nasm)
# What the window loads at run time on Linux (OpenGL, X11/Wayland keyboard and cursor); a desktop has them.
GUI_PKGS=(libgl1 libegl1 libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6)
# What the tests and benchmarks compare against or run under (GNOME Keyring on a private D-Bus
# bus: the Secret Service that "keep me signed in" is tested against).
# systemd: `systemd-analyze verify` checks the timer `sync --install-schedule` writes.
TEST_PKGS=(imagemagick libvips-tools ldap-utils gnome-keyring libsecret-tools dbus-daemon dbus-bin systemd)

# shellcheck source=installer/need-pkgs.sh
source installer/need-pkgs.sh

start_dc() {
  tests/ad/samba-dc.sh start
  # shellcheck disable=SC1090
  source "$(tests/ad/samba-dc.sh env)"
}

case "${1:-}" in
  run | screenshot | test | lint | bench | dist) need_rust ;;
esac

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
      ADPHOTO_NO_DISCOVERY=1 xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
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
    if [ "$(id -u)" -ne 0 ]; then
      # Said before anything is installed or started (as another user after a root run it used
      # to fail on the root-owned /tmp/adphoto-dc.lock, saying only "Permission denied").
      echo "dev.sh test: must run as root: it provisions a Samba AD DC on loopback, which binds" >&2
      echo "ports 88/389/636, and apt-get installs Samba (which enables winbind) and what the" >&2
      echo "tests compare against. Run it as root on a machine or container you can spare (as CI" >&2
      echo "does), with root's own Rust toolchain. './dev.sh run' needs no root." >&2
      exit 1
    fi
    need_pkgs "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"
    was_running=0
    tests/ad/samba-dc.sh status >/dev/null 2>&1 && was_running=1
    # Backups and offline change files of the tests stay out of the developer's own data folder.
    ADPHOTO_DATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/adphoto-test-data.XXXXXX")"; export ADPHOTO_DATA_DIR
    # On exit nothing of the run stays in /tmp: the data folder, and the DC if this run started
    # it (ADPHOTO_KEEP_DC=1 keeps it running for the next run, which then starts in seconds).
    drop_dc=0
    if [ "$was_running" = 0 ] && [ -z "${ADPHOTO_KEEP_DC:-}" ]; then drop_dc=1; fi
    cleanup() {
      rm -rf "$ADPHOTO_DATA_DIR"
      if [ "$drop_dc" = 1 ]; then tests/ad/samba-dc.sh reset; fi
    }
    trap cleanup EXIT
    start_dc
    tests/ad/verify.sh >/dev/null || { echo "dev.sh: the test DC fails its own checks (tests/ad/verify.sh)" >&2; exit 1; }
    # The window, opened by a test, asks DNS for no DC: the tests stay on loopback.
    export ADPHOTO_NO_DISCOVERY=1
    # Free disk, printed: a full disk shows up as a linker crash, which is hard to read otherwise.
    mkdir -p "${CARGO_TARGET_DIR:-target}"
    df -h "${CARGO_TARGET_DIR:-target}" | tail -1 | awk '{print "dev.sh: " $4 " free on disk"}' >&2 || true
    # Everything but the benches, which `cargo bench` runs (`./dev.sh bench`); lint's clippy
    # --all-targets still compiles them. Building them here cost CI minutes of linking, and
    # arguments that pick targets themselves (--test gui_demo, --lib …) replace this choice.
    targets=(--lib --bins --tests)
    for a in "$@"; do
      case "$a" in
        --) break ;;
        --lib | --bins | --bin | --bin=* | --tests | --test | --test=* | --benches | --bench | --bench=* | \
          --examples | --example | --example=* | --all-targets | --doc) targets=() ;;
      esac
    done
    cargo test "${targets[@]}" "$@"
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
    # The header comment above, whatever its length.
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit 2
    ;;
esac
