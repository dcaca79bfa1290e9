#!/usr/bin/env bash
# Builds adphoto's four release artefacts into target/dist/ (or $ADPHOTO_DIST_DIR):
#   adphoto-VERSION-linux-x86_64        the Linux program (release build)
#   adphoto_VERSION-1_amd64.deb         Debian/Ubuntu package (cargo-deb; [package.metadata.deb])
#   adphoto-VERSION-windows-x64.exe     the Windows program, cross-built with MinGW-w64
#   adphoto-VERSION-x64.msi             Windows installer (wixl, installer/adphoto.wxs)
# then checks that each holds what it must (the MSI's tables and shortcut, the .deb's files).
# Installs what it needs when missing: Debian packages with apt-get, the Rust Windows target
# with rustup, cargo-deb with cargo install. Honours CARGO_TARGET_DIR. `./dev.sh dist` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

WIN_TARGET=x86_64-pc-windows-gnu
# Build (Kerberos headers, bindgen), Windows cross tools (gcc links, windres compiles the
# resources), wixl/msiinfo for the MSI, dpkg-shlibdeps for the .deb's $auto dependencies.
PKGS=(pkg-config clang libclang-dev libkrb5-dev file binutils
  gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 wixl msitools dpkg-dev)

# shellcheck source=installer/need-pkgs.sh
source installer/need-pkgs.sh

# Seconds per step, printed at the end.
TIMES=()
step() {
  local name=$1; shift
  local t0; t0=$(date +%s%N)
  echo "build.sh: $name" >&2
  "$@"
  local ms=$((($(date +%s%N) - t0) / 1000000))
  TIMES+=("$(printf '%-14s %5d.%d s' "$name" $((ms / 1000)) $((ms % 1000 / 100)))")
}

fail() { echo "build.sh: $*" >&2; exit 1; }

VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
[ -n "$VERSION" ] || fail "no version in Cargo.toml"
# An MSI's ProductVersion is numbers only: 1.2.3-beta.1 installs as 1.2.3.
MSI_VERSION=${VERSION%%[-+]*}
# The exe's four-part file version, as build.rs writes it into the version resource.
FILE_VERSION=$MSI_VERSION.0
TARGET_DIR=${CARGO_TARGET_DIR:-target}
DIST=${ADPHOTO_DIST_DIR:-target/dist}

setup() {
  need_pkgs "${PKGS[@]}"
  local targets; targets=$(rustup target list --installed)
  grep -qx "$WIN_TARGET" <<<"$targets" || rustup target add "$WIN_TARGET"
  command -v cargo-deb >/dev/null || cargo install --locked cargo-deb --version '^3'
  rm -rf "$DIST"
  mkdir -p "$DIST"
}

linux() {
  cargo build --release --locked
  local bin="$DIST/adphoto-$VERSION-linux-x86_64"
  cp "$TARGET_DIR/release/adphoto" "$bin"
  # Shipped stripped; the symbols stay beside it for a crash report (gdb finds them by the link).
  objcopy --only-keep-debug "$bin" "$bin.debug"
  strip --strip-unneeded "$bin"
  objcopy --add-gnu-debuglink="$bin.debug" "$bin"
}

deb() {
  # The binary built above, stripped by cargo-deb; assets and dependencies from Cargo.toml.
  cargo deb --no-build --output "$DIST/"
}

windows() {
  # rustc runs GNU dlltool for each DLL that windows-sys imports (raw-dylib), and dlltool leaves
  # two empty files (ccXXXXXX, its assembler's output) in $TMPDIR each time: about 400 a build.
  # A folder of the build's own takes them, removed afterwards.
  local tmp rc=0
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/adphoto-windows-build.XXXXXX")
  TMPDIR=$tmp cargo build --release --locked --target "$WIN_TARGET" || rc=$?
  rm -rf "$tmp"
  [ "$rc" -eq 0 ] || return "$rc"
  cp "$TARGET_DIR/$WIN_TARGET/release/adphoto.exe" "$DIST/adphoto-$VERSION-windows-x64.exe"
  # The exe's debug symbols stay out of the installer.
  x86_64-w64-mingw32-strip "$DIST/adphoto-$VERSION-windows-x64.exe"
}

msi() {
  # wixl wants file paths relative to the current folder.
  local exe; exe=$(realpath --relative-to=. "$DIST/adphoto-$VERSION-windows-x64.exe")
  local msi="$DIST/adphoto-$VERSION-x64.msi"
  # Apps shows this size (KiB of what is installed): Windows Installer does not fill it in from
  # the tables.
  local kib=$((($(stat -c %s "$exe") + $(stat -c %s assets/seeta_fd_frontal_v1.0.LICENSE) + 1023) / 1024))
  wixl --arch x64 \
    --define "Version=$MSI_VERSION" \
    --define "Exe=$exe" \
    --define "Icon=assets/icon/adphoto.ico" \
    --define "SizeKiB=$kib" \
    --output "$msi" \
    installer/adphoto.wxs
  mend_wixl "$msi"
}

# Rewrites rows of one MSI table with an awk `pattern { action }` over its tab-separated export
# (fields $1, $2 …; the pattern must not match the three header lines), and puts the table back.
patch_table() {
  local msi table=$2 program=$3 idt
  msi=$(realpath "$1")
  idt=$(mktemp -d)
  msiinfo export "$msi" "$table" >"$idt/$table.idt"
  awk -v version="$FILE_VERSION" 'BEGIN { FS = OFS = "\t" } { sub(/\r$/, "") } '"$program"' { print }' \
    "$idt/$table.idt" >"$idt/new"
  mv "$idt/new" "$idt/$table.idt"
  (cd "$idt" && msibuild "$msi" -i "$table.idt")
  rm -rf "$idt"
}

# What Debian's wixl (0.101) leaves out or gets wrong, set right in its tables afterwards. Each
# rewrite sets a value, so it is also right for a newer wixl that gets it right itself.
mend_wixl() {
  local msi=$1
  # Every build gets a new ProductCode, and wixl ignores AllowSameVersionUpgrades: a CI rebuild of
  # one version would install beside the last one (two "adphoto 0.1.0" in Apps). Make the upgrade
  # row include its own version (msidbUpgradeAttributesVersionMaxInclusive, 512), as WiX does for
  # AllowSameVersionUpgrades: the rebuild replaces the installed build in place.
  patch_table "$msi" Upgrade '$7 ~ /^WIX_UPGRADE_DETECTED/ && int($5 / 512) % 2 == 0 { $5 += 512 }'
  # The exe's file version (its version resource's, see build.rs) and language, which wixl does not
  # read from the file: Windows Installer compares them when it replaces a file.
  patch_table "$msi" File '$1 == "adphoto.exe" { $5 = version; $6 = "1033" }'
  # wixl makes every custom action deferred (2048 + 51) and sequences it after InstallFinalize,
  # where a property set is lost: set ARPINSTALLLOCATION immediately once the folder is known.
  patch_table "$msi" CustomAction '$1 == "SetInstallLocation" { $2 = 51 }'
  patch_table "$msi" InstallExecuteSequence '$1 == "SetInstallLocation" { $3 = 1001 }'
}

check() {
  # Each tool's output is read whole before grep looks at it (grep -q in a pipe can kill the
  # writer with SIGPIPE, which pipefail would report as a failure).
  local msi="$DIST/adphoto-$VERSION-x64.msi" exe="$DIST/adphoto-$VERSION-windows-x64.exe" debf out
  # An MSI table as text (msiinfo ends its lines in CRLF).
  msi_table() { msiinfo export "$msi" "$1" | tr -d "\r"; }
  debf=$(ls "$DIST"/adphoto_*.deb)
  out=$(msiinfo tables "$msi")
  for t in File Component Directory Feature Shortcut Icon Upgrade Registry; do
    grep -qx "$t" <<<"$out" || fail "the MSI has no $t table"
  done
  out=$(msi_table Registry)
  grep -q 'EventLog\\Application\\adphoto	EventMessageFile	\[System64Folder\]EventCreate.exe' <<<"$out" ||
    fail "the MSI does not register the event source adphoto"
  out=$(msi_table Shortcut)
  grep -q 'ProgramMenuFolder' <<<"$out" || fail "the MSI has no Start-menu shortcut"
  out=$(msi_table Property)
  grep -q "^ProductVersion	$MSI_VERSION\$" <<<"$out" || fail "the MSI's version is not $MSI_VERSION"
  grep -q "^ARPSIZE	[1-9][0-9]*\$" <<<"$out" || fail "the MSI gives Apps no size"
  out=$(msi_table Upgrade)
  grep -q "	513		WIX_UPGRADE_DETECTED\$" <<<"$out" || fail "the MSI's upgrade row leaves out its own version"
  out=$(msi_table File)
  grep -q "^adphoto.exe	Program	adphoto.exe	[0-9]*	$FILE_VERSION	1033	" <<<"$out" || fail "the MSI's File table has no version $FILE_VERSION for adphoto.exe"
  # Only the program and its notice: nothing a test stands in with (tests/wine) may ship.
  [ "$(grep -c '' <<<"$out")" -eq 5 ] || fail "the MSI's File table holds more than adphoto.exe and the licence notice"
  out=$(msi_table CustomAction)
  grep -q "^SetInstallLocation	51	ARPINSTALLLOCATION	" <<<"$out" || fail "the MSI does not set ARPINSTALLLOCATION at once"
  out=$(msi_table InstallExecuteSequence)
  grep -q "^SetInstallLocation		1001\$" <<<"$out" || fail "the MSI does not set ARPINSTALLLOCATION after CostFinalize"
  out=$(dpkg-deb -c "$debf")
  for f in ./usr/bin/adphoto ./usr/share/applications/adphoto.desktop \
    ./usr/share/icons/hicolor/48x48/apps/adphoto.png ./usr/share/icons/hicolor/256x256/apps/adphoto.png \
    ./usr/share/doc/adphoto/seeta_fd_frontal_v1.0.LICENSE; do
    grep -q " $f\$" <<<"$out" || fail "the .deb has no $f"
  done
  out=$(dpkg-deb -f "$debf" Depends)
  for d in libgssapi-krb5-2 libgl1 libegl1 libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6 libwayland-client0; do
    grep -q "$d" <<<"$out" || fail "the .deb does not depend on $d"
  done
  out=$(file "$DIST/adphoto-$VERSION-linux-x86_64")
  grep -q 'stripped' <<<"$out" && ! grep -q 'not stripped' <<<"$out" || fail "the Linux binary is not stripped"
  out=$(x86_64-w64-mingw32-objdump -p "$exe")
  grep -q 'Subsystem.*(Windows CUI)' <<<"$out" || fail "the .exe is not a Windows console program"
  grep -q 'Resource Directory \[.rsrc\]' <<<"$out" || fail "the .exe has no resources (icon, version, manifest)"
  out=$(strings -e l "$exe")
  for v in CompanyName "adphoto developers" LegalCopyright; do
    grep -q "$v" <<<"$out" || fail "the .exe's version resource has no $v"
  done
}

# `installer/build.sh msi check` runs only those steps (on what an earlier run left in $DIST).
only=" $* "
run() { [ "$only" = "  " ] || [[ "$only" == *" $2 "* ]] || return 0; step "$1" "$2"; }
run "setup" setup
run "linux binary" linux
run ".deb" deb
run "windows .exe" windows
run ".msi" msi
run "check" check

# What a download is checked against: sha256sum -c SHA256SUMS
(cd "$DIST" && sha256sum adphoto* > SHA256SUMS)

ls -l "$DIST"
printf '%s\n' "${TIMES[@]}"
