#!/usr/bin/env bash
# Installs the release artefacts that `./dev.sh dist` left in target/dist (or $ADPHOTO_DIST_DIR)
# as a new user would, each on a clean system, and checks that they start:
#
#   deb  into a fresh minimal Debian 12 (debootstrap --variant=minbase) with apt-get and no
#        recommended packages, so the .deb's Depends alone must bring what the window loads;
#        then `adphoto --version`, `adphoto --demo users`, the window under Xvfb (screenshot,
#        not blank, still running), and `apt-get remove` takes the program and its menu entry.
#   msi  into a fresh Wine prefix with msiexec: a rebuild of the same version first (its own
#        ProductCode, as a CI rebuild has), then this build over it, which must leave one
#        "adphoto" in Apps (this build's, with InstallLocation and Size); the installed exe's
#        --version, --demo users and window (screenshot); then uninstall, which must take the
#        program folder, the Start-menu shortcut and the registry entries.
#
# The screenshots are kept beside the artefacts: smoke-deb-window.png, smoke-msi-window.png.
# Usage: installer/smoke.sh [deb] [msi] (both by default); `./dev.sh smoke` runs it. Needs root
# (chroot). The only network use is apt-get in the chroot, to the Debian mirror
# ($ADPHOTO_DEBIAN_MIRROR, default the machine's deb.debian.org). The minimal Debian is cached in
# ${XDG_CACHE_HOME:-~/.cache}/adphoto and unpacked afresh for every run.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || exec sudo -E "$0" "$@"

DIST=${ADPHOTO_DIST_DIR:-target/dist}
DIST=$(realpath "$DIST")
VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
MIRROR=${ADPHOTO_DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/adphoto
# What a screenshot of a window that drew anything has: a blank or black screen has one colour.
MIN_COLOURS=100
# The virtual screen, as small as the window's own size (1280×800): the window must fit it with
# its frame (under Wine a window that ignored its frame sat 1280×800 at 0,19 and failed the check).
# ADPHOTO_SMOKE_SCREEN sets another size.
SCREEN=${ADPHOTO_SMOKE_SCREEN:-1280x800}
# The status bar's height at the window's bottom: text on the panel, so more than a few colours.
STATUS_BAR=20
MIN_STATUS_COLOURS=8

# shellcheck source=installer/need-pkgs.sh
source installer/need-pkgs.sh

# A failure while a program runs shows what it said ($SHOW_LOG) first.
SHOW_LOG=""
fail() {
  if [ -n "$SHOW_LOG" ]; then echo "--- what the program said:" >&2; cat "$SHOW_LOG" >&2; fi
  echo "smoke.sh: FAILED: $*" >&2
  exit 1
}
say() { echo "smoke.sh: $*" >&2; }

TIMES=()
timed() {
  local name=$1; shift
  local t0; t0=$(date +%s)
  "$@"
  TIMES+=("$(printf '%-5s %4d s' "$name" $(($(date +%s) - t0)))")
}

# --- the display ----------------------------------------------------------------------------

XVFB_PID=""
# An Xvfb of our own on the first free display number, ready when this returns.
start_x() {
  local n=90
  while [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ]; do n=$((n + 1)); done
  # -noreset: Xvfb otherwise resets when its last client (the readiness check) leaves, and a
  # program connecting during that reset is refused ("Failed to open connection to X server").
  Xvfb ":$n" -screen 0 "${SCREEN}x24" -nolisten tcp -noreset >/dev/null 2>&1 &
  XVFB_PID=$!
  export DISPLAY=":$n"
  for _ in $(seq 100); do
    xdpyinfo >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  fail "Xvfb did not start on $DISPLAY"
}

stop_x() {
  [ -z "$XVFB_PID" ] || kill "$XVFB_PID" 2>/dev/null || true
  XVFB_PID=""
}

# Waits for a window named adphoto, lets it draw, and screenshots the screen into $2; fails if
# the program ($1) has gone or the picture is blank, showing what the program said ($3).
screenshot_window() {
  local pid=$1 out=$2 log=$3
  SHOW_LOG=$log
  for _ in $(seq 60); do
    kill -0 "$pid" 2>/dev/null || fail "the program ended before its window opened"
    xdotool search --name '^adphoto' >/dev/null 2>&1 && break
    sleep 0.5
  done
  xdotool search --name '^adphoto' >/dev/null 2>&1 || fail "no adphoto window after 30 s"
  # The first frames: fonts, the demo directory's listing and its photos.
  sleep 4
  kill -0 "$pid" 2>/dev/null || fail "the program ended after its window opened"
  import -window root "$out"
  local colours; colours=$(identify -format '%k' "$out")
  say "window screenshot $out: $colours colours"
  [ "$colours" -ge "$MIN_COLOURS" ] || fail "the window is blank ($colours colours in $out)"
  check_fits "$out"
  SHOW_LOG=""
}

# The window fits the screen: each X window named adphoto (its frame, where Wine draws one) lies
# inside the screenshot ($1), and the window's bottom rows, the status bar, show text on it.
# Counting colours alone passed a window whose status bar was below the screen's bottom edge.
check_fits() {
  # shellcheck disable=SC2034 # WINDOW and SCREEN: set by the eval, kept local
  local out=$1 sw sh wid WINDOW X Y WIDTH HEIGHT SCREEN n=0
  # identify ends its output without a newline: read would fail (and set -e end the test unsaid).
  sw=$(identify -format '%w' "$out") sh=$(identify -format '%h' "$out")
  for wid in $(xdotool search --onlyvisible --name '^adphoto'); do
    eval "$(xdotool getwindowgeometry --shell "$wid")"
    # Wine's and winit's helper windows (1×1, off-screen) are not the window.
    [ "$WIDTH" -ge 100 ] && [ "$HEIGHT" -ge 100 ] || continue
    n=$((n + 1))
    say "window $wid: ${WIDTH}x${HEIGHT} at $X,$Y on a ${sw}x${sh} screen"
    [ "$X" -ge 0 ] && [ "$Y" -ge 0 ] && [ $((X + WIDTH)) -le "$sw" ] && [ $((Y + HEIGHT)) -le "$sh" ] ||
      fail "the window (${WIDTH}x${HEIGHT} at $X,$Y) does not fit the ${sw}x${sh} screen: see $out"
    local bar
    bar=$(convert "$out" -crop "${WIDTH}x${STATUS_BAR}+${X}+$((Y + HEIGHT - STATUS_BAR))" +repage -format '%k' info:)
    [ "$bar" -ge "$MIN_STATUS_COLOURS" ] ||
      fail "no status bar at the window's bottom ($bar colours in its last $STATUS_BAR rows): see $out"
  done
  [ "$n" -gt 0 ] || fail "no visible adphoto window to measure"
}

# --- the .deb in a minimal Debian ---------------------------------------------------------------

ROOT=""
deb_smoke() {
  need_pkgs debootstrap xvfb x11-utils xdotool imagemagick
  local debf; debf=$(ls "$DIST"/adphoto_*_amd64.deb) || fail "no .deb in $DIST: run ./dev.sh dist"
  local base="$CACHE/debian-bookworm-minbase.tar"
  mkdir -p "$CACHE"
  if [ ! -s "$base" ]; then
    say "debootstrap --variant=minbase bookworm (once; cached in $base)"
    local t; t=$(mktemp -d /var/tmp/adphoto-debootstrap.XXXXXX)
    debootstrap --variant=minbase bookworm "$t/root" "$MIRROR" >"$t/log" 2>&1 ||
      { tail -n 20 "$t/log" >&2; rm -rf "$t"; fail "debootstrap failed"; }
    tar -C "$t/root" -cf "$base.part" . && mv "$base.part" "$base"
    rm -rf "$t"
  fi
  ROOT=$(mktemp -d /var/tmp/adphoto-smoke-deb.XXXXXX)
  tar -C "$ROOT" -xf "$base"
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
  cp "$debf" "$ROOT/tmp/adphoto.deb"

  say "apt-get install ./$(basename "$debf") --no-install-recommends into a minimal Debian 12"
  in_root sh -c 'apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends /tmp/adphoto.deb' \
    >"$ROOT/tmp/install.log" 2>&1 || { tail -n 20 "$ROOT/tmp/install.log" >&2; fail "apt-get install of the .deb failed"; }
  say "$(grep -c '^Setting up' "$ROOT/tmp/install.log") packages set up"

  local out
  out=$(in_root adphoto --version)
  [ "$out" = "adphoto $VERSION" ] || fail "adphoto --version said: $out"
  check_demo_users "$(in_root adphoto --demo users 2>/dev/null)"

  start_x
  mkdir -p "$ROOT/tmp/.X11-unix"
  # The display's socket inside the chroot, in a mount namespace of its own: the bind ends with it.
  unshare --mount sh -c 'mount --bind /tmp/.X11-unix "$1/tmp/.X11-unix" && exec chroot "$1" \
    /usr/bin/env -i HOME=/root PATH=/usr/bin:/bin LANG=C.UTF-8 DISPLAY="$2" ADPHOTO_NO_DISCOVERY=1 adphoto --demo' \
    sh "$ROOT" "$DISPLAY" >"$ROOT/tmp/window.log" 2>&1 &
  local app=$!
  screenshot_window "$app" "$DIST/smoke-deb-window.png" "$ROOT/tmp/window.log"
  kill "$app"; wait "$app" 2>/dev/null || true
  stop_x

  in_root sh -c 'DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq adphoto' >/dev/null 2>&1 ||
    fail "apt-get remove adphoto failed"
  for f in /usr/bin/adphoto /usr/share/applications/adphoto.desktop; do
    [ ! -e "$ROOT$f" ] || fail "apt-get remove left $f"
  done
  rm -rf "$ROOT"; ROOT=""
  say "deb: installed, started (version, demo listing, window), removed: OK"
}

in_root() {
  chroot "$ROOT" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
}

# `adphoto --demo users`: a header and the 32 users of the built-in demo directory.
check_demo_users() {
  local out=${1//$'\r'/}
  grep -q '^ahart .*KiB  Amelia Hart$' <<<"$out" || fail "--demo users did not list Amelia Hart with her photo: $out"
  local n; n=$(wc -l <<<"$out")
  [ "$n" -eq 33 ] || fail "--demo users printed $n lines, not a header and 32 users"
}

# --- the .msi under Wine ----------------------------------------------------------------------

PREFIX_DIR=""
msi_smoke() {
  need_pkgs wine wine64 xvfb x11-utils xdotool imagemagick msitools wixl gcc-mingw-w64-x86-64
  local msi="$DIST/adphoto-$VERSION-x64.msi"
  [ -f "$msi" ] || fail "no $msi: run ./dev.sh dist"
  PREFIX_DIR=$(mktemp -d /var/tmp/adphoto-smoke-msi.XXXXXX)
  export WINEPREFIX="$PREFIX_DIR/prefix" WINEDEBUG=-all
  # No Mono or Gecko: nothing here needs them, and their installers would go to the network.
  export WINEDLLOVERRIDES="mscoree=;mshtml="
  # The display first: Wine's desktop process starts with the prefix and keeps the display it found
  # then (none, without this), and a window opened later cannot get an OpenGL context.
  start_x
  say "a fresh Wine prefix"
  wineboot --init >/dev/null 2>&1
  wineserver -w
  # Rust's std calls ProcessPrng in bcryptprimitives.dll, which Windows 10+ has and Wine 8 lacks:
  # a stand-in in the prefix's system32, for this test only (never in the MSI).
  x86_64-w64-mingw32-gcc -shared -O2 -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
    tests/wine/bcryptprimitives.c -ladvapi32

  # The previous build: the same version built again, with a new ProductCode, as CI rebuilds it.
  local prev="$PREFIX_DIR/previous"
  mkdir -p "$prev"
  cp "$DIST/adphoto-$VERSION-windows-x64.exe" "$prev/"
  ADPHOTO_DIST_DIR="$prev" installer/build.sh msi >/dev/null 2>&1 || fail "could not build the previous MSI"
  local prev_msi="$prev/adphoto-$VERSION-x64.msi" code prev_code
  code=$(msi_property "$msi" ProductCode)
  prev_code=$(msi_property "$prev_msi" ProductCode)
  [ "$code" != "$prev_code" ] || fail "the two builds have one ProductCode"

  say "msiexec /i the previous build, then this one over it"
  wine msiexec /i "$(winepath -w "$prev_msi")" /qn || fail "msiexec could not install the previous build"
  [ "$(installed)" = "$prev_code" ] || fail "the previous build is not in Apps: $(installed)"
  wine msiexec /i "$(winepath -w "$msi")" /qn || fail "msiexec could not install this build over the previous one"
  local now; now=$(installed)
  [ "$now" = "$code" ] || fail "Apps holds '$now' after the upgrade, not this build's $code alone"

  local entry; entry=$(wine reg query "$UNINSTALL\\$code" | tr -d '\r')
  reg_is "$entry" DisplayVersion "$VERSION"
  reg_is "$entry" InstallLocation 'C:\Program Files\adphoto\'
  reg_is "$entry" Publisher "adphoto developers"
  local size; size=$(msi_property "$msi" ARPSIZE)
  [ -n "$size" ] || fail "the MSI has no ARPSIZE"
  reg_is "$entry" Size "$size"

  local dir="$WINEPREFIX/drive_c/Program Files/adphoto"
  cmp -s "$dir/adphoto.exe" "$DIST/adphoto-$VERSION-windows-x64.exe" || fail "the installed adphoto.exe is not this build's"
  # All users' Start menu on Windows; Wine 8 puts a per-machine shortcut in the user's.
  [ -n "$(shortcuts)" ] || fail "no Start-menu shortcut"

  # The event source `adphoto sync` logs under, pointing at a message file that is there.
  local source='HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\adphoto'
  entry=$(wine reg query "$source" | tr -d '\r')
  reg_is "$entry" EventMessageFile 'C:\windows\system32\EventCreate.exe'

  local exe='C:\Program Files\adphoto\adphoto.exe' out
  out=$(wine "$exe" --version | tr -d '\r')
  [ "$out" = "adphoto $VERSION" ] || fail "adphoto.exe --version said: $out"
  check_demo_users "$(wine "$exe" --demo users 2>/dev/null)"

  # The window's data folder is the prefix's %APPDATA%, thrown away with it.
  # No DNS look-up for a DC at start (--demo asks none anyway): the test stays on this machine.
  ADPHOTO_NO_DISCOVERY=1 wine "$exe" --demo >"$PREFIX_DIR/window.log" 2>&1 &
  local app=$!
  screenshot_window "$app" "$DIST/smoke-msi-window.png" "$PREFIX_DIR/window.log"
  kill "$app" 2>/dev/null || true
  wineserver -k 2>/dev/null || true
  wait "$app" 2>/dev/null || true
  stop_x

  say "msiexec /x"
  wine msiexec /x "$(winepath -w "$msi")" /qn || fail "msiexec could not uninstall"
  [ -z "$(installed)" ] || fail "Apps still lists adphoto after uninstall"
  [ ! -e "$dir" ] || fail "uninstall left $dir: $(ls "$dir")"
  [ -z "$(shortcuts)" ] || fail "uninstall left the Start-menu shortcut $(shortcuts)"
  ! wine reg query 'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths\adphoto.exe' >/dev/null 2>&1 ||
    fail "uninstall left the App Paths entry"
  ! wine reg query 'HKLM\SOFTWARE\adphoto' >/dev/null 2>&1 || fail "uninstall left HKLM\\SOFTWARE\\adphoto"
  ! wine reg query "$source" >/dev/null 2>&1 || fail "uninstall left the event source"
  wineserver -k 2>/dev/null || true
  rm -rf "$PREFIX_DIR"; PREFIX_DIR=""
  say "msi: installed over the previous build, started (version, demo listing, window), uninstalled: OK"
}

UNINSTALL='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall'

# One value of an MSI's Property table (its export's lines end in CRLF).
msi_property() {
  msiinfo export "$1" Property | tr -d '\r' | sed -n "s/^$2\t//p"
}

shortcuts() {
  find "$WINEPREFIX/drive_c/ProgramData" "$WINEPREFIX/drive_c/users" -path '*/Start Menu/*' -name 'adphoto*.lnk'
}

# The Uninstall keys (ProductCodes) whose DisplayName is adphoto, one per line.
installed() {
  wine reg query "$UNINSTALL" /s 2>/dev/null | tr -d '\r' | awk '
    /^HKEY_/ { n = split($0, p, "\\"); key = p[n] }
    $1 == "DisplayName" && $2 == "REG_SZ" && $3 == "adphoto" && NF == 3 { print key }'
}

# Checks one value of `reg query` output.
reg_is() {
  local entry=$1 name=$2 want=$3 got
  got=$(awk -v n="$name" '$1 == n { sub(/^[ \t]*[^ \t]+[ \t]+[^ \t]+[ \t]+/, ""); print }' <<<"$entry")
  [ "$got" = "$want" ] || fail "Apps shows $name '$got', not '$want'"
}

cleanup() {
  stop_x
  [ -z "$ROOT" ] || rm -rf "$ROOT"
  if [ -n "$PREFIX_DIR" ]; then
    WINEPREFIX="$PREFIX_DIR/prefix" wineserver -k 2>/dev/null || true
    rm -rf "$PREFIX_DIR"
  fi
}
trap cleanup EXIT

what=${*:-deb msi}
for w in $what; do
  case "$w" in
    deb) timed deb deb_smoke ;;
    msi) timed msi msi_smoke ;;
    *) fail "unknown smoke test '$w' (deb, msi)" ;;
  esac
done
printf 'smoke.sh: %s\n' "${TIMES[@]}" >&2
