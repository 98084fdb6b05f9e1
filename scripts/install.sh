#!/bin/sh
# Installs the byokey binary for this machine from the project's release page:
#
#   curl -fsSL https://github.com/byokey/byokey/releases/latest/download/install.sh | sh
#   sh install.sh [--prefix DIR] [--version V] [--service]
#
# It picks the archive for this OS and CPU from the release's SHA256SUMS, checks its sha256,
# and puts `byokey` into PREFIX/bin (default ~/.local/bin). Root is used only when PREFIX/bin
# is not writable by you. BYOKEY_DOWNLOAD_URL: a folder holding SHA256SUMS and the archives
# (a mirror, or a local copy of a release); BYOKEY_VERSION and BYOKEY_PREFIX: defaults for the flags.
# POSIX sh only (tested with dash), so it runs on any Linux or macOS.
set -eu

REPOSITORY_URL="https://github.com/byokey/byokey"
RELEASES_URL="$REPOSITORY_URL/releases"

fail() {
  printf 'byokey install: %s\n' "$*" >&2
  exit 1
}

usage() {
  cat <<'EOF'
usage: install.sh [--prefix DIR] [--version V] [--service]
  --prefix DIR   install into DIR/bin (default: ~/.local, so ~/.local/bin/byokey)
  --version V    install version V (default: the latest release)
  --service      then also run `byokey service install` (writes, enables and starts the user service)
environment: BYOKEY_DOWNLOAD_URL (folder with SHA256SUMS and the archives), BYOKEY_VERSION, BYOKEY_PREFIX
EOF
}

prefix="${BYOKEY_PREFIX:-${HOME:-}/.local}"
version="${BYOKEY_VERSION:-}"
service=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || fail "--prefix needs a directory"; prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    --version) [ $# -ge 2 ] || fail "--version needs a version, e.g. --version 0.1.0"; version="$2"; shift 2 ;;
    --version=*) version="${1#--version=}"; shift ;;
    --service) service=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; fail "unknown option '$1'" ;;
  esac
done
version="${version#v}"
[ -n "$prefix" ] || fail "no install prefix: set HOME or pass --prefix DIR"

# --- platform -------------------------------------------------------------------------------
os_name=$(uname -s)
case "$os_name" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  MINGW* | MSYS* | CYGWIN* | Windows_NT)
    fail "this script does not install on Windows: download byokey-<version>-windows-x64.zip from $RELEASES_URL and put byokey.exe on your PATH" ;;
  *) fail "unsupported operating system '$os_name': byokey is built for Linux, macOS and Windows; build it from source with Bun (see $REPOSITORY_URL)" ;;
esac
cpu=$(uname -m)
case "$cpu" in
  x86_64 | amd64) arch=x64 ;;
  arm64 | aarch64) arch=arm64 ;;
  *) fail "unsupported CPU '$cpu' on $os: byokey is built for x64 and arm64" ;;
esac
# A shell under Rosetta 2 reports x86_64 on an Apple silicon Mac: take the native build.
if [ "$os" = darwin ] && [ "$arch" = x64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then
  arch=arm64
fi
if [ "$os" = linux ] && ls /lib/ld-musl-* >/dev/null 2>&1 && ! ls /lib64/ld-linux-* /lib/ld-linux-* >/dev/null 2>&1; then
  fail "this Linux uses musl libc (Alpine?), the release binaries need glibc: use a glibc distribution or build from source with Bun"
fi
platform="$os-$arch"

# --- download -------------------------------------------------------------------------------
if [ -n "${BYOKEY_DOWNLOAD_URL:-}" ]; then
  base="${BYOKEY_DOWNLOAD_URL%/}"
elif [ -n "$version" ]; then
  base="$RELEASES_URL/download/v$version"
else
  base="$RELEASES_URL/latest/download"
fi

if command -v curl >/dev/null 2>&1; then
  fetcher=curl
elif command -v wget >/dev/null 2>&1; then
  fetcher=wget
else
  fail "neither curl nor wget is installed: install one of them and run this again"
fi

# download URL FILE: fails with one line saying whether the network or the server is the problem.
download() {
  rc=0
  if [ "$fetcher" = curl ]; then
    curl -fsSL --connect-timeout 15 --retry 2 -o "$2" "$1" 2>/dev/null || rc=$?
    case "$rc" in
      0) return 0 ;;
      5 | 6 | 7 | 28 | 35 | 52 | 56) fail "cannot reach $1 (curl error $rc): check your network connection or proxy settings and try again" ;;
      22) fail "the server refused $1 (HTTP error): check the version or BYOKEY_DOWNLOAD_URL" ;;
      *) fail "downloading $1 failed (curl error $rc): try again" ;;
    esac
  else
    wget -q -T 15 -t 2 -O "$2" "$1" || rc=$?
    case "$rc" in
      0) return 0 ;;
      4) fail "cannot reach $1 (network failure): check your network connection or proxy settings and try again" ;;
      8) fail "the server refused $1 (HTTP error): check the version or BYOKEY_DOWNLOAD_URL" ;;
      *) fail "downloading $1 failed (wget error $rc): try again" ;;
    esac
  fi
}

if command -v sha256sum >/dev/null 2>&1; then
  hasher="sha256sum"
elif command -v shasum >/dev/null 2>&1; then
  hasher="shasum -a 256"
else
  fail "neither sha256sum nor shasum is installed: one is needed to verify the download"
fi

tmp=$(mktemp -d 2>/dev/null || mktemp -d -t byokey)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

download "$base/SHA256SUMS" "$tmp/SHA256SUMS"
# The archive for this platform; with --version exactly that one, else whichever the folder has.
entry=$(awk -v v="$version" -v p="$platform" '
  { name = $2; sub(/^\*/, "", name) }
  v != "" && name == "byokey-" v "-" p ".tar.gz" { print $1, name; exit }
  v == "" && name ~ ("^byokey-.*-" p "\\.tar\\.gz$") { print $1, name; exit }
' "$tmp/SHA256SUMS")
if [ -z "$entry" ]; then
  if [ -n "$version" ]; then
    fail "no byokey $version build for $platform in $base/SHA256SUMS: check the version, or download it by hand from $RELEASES_URL"
  fi
  fail "no byokey build for $platform in $base/SHA256SUMS: see $RELEASES_URL for the platforms there are"
fi
expected=${entry%% *}
archive=${entry#* }

download "$base/$archive" "$tmp/$archive"
actual=$($hasher "$tmp/$archive" | cut -d ' ' -f 1)
if [ "$actual" != "$expected" ]; then
  fail "checksum mismatch for $archive (expected $expected, got $actual): the download is damaged or was altered, nothing was installed; try again or download it from $RELEASES_URL"
fi

mkdir "$tmp/x"
tar -xzf "$tmp/$archive" -C "$tmp/x" || fail "cannot unpack $archive: try again"
[ -f "$tmp/x/byokey" ] || fail "$archive holds no byokey binary: report this at $REPOSITORY_URL/issues"
# macOS kills a binary whose code signature does not verify, and Bun's cross-compiled darwin
# binaries have shipped with broken ad-hoc signatures: replace a bad one with a fresh ad-hoc one.
if [ "$os" = darwin ] && command -v codesign >/dev/null 2>&1 && ! codesign --verify "$tmp/x/byokey" >/dev/null 2>&1; then
  codesign --remove-signature "$tmp/x/byokey" >/dev/null 2>&1 || true
  codesign --force --sign - "$tmp/x/byokey" >/dev/null 2>&1 ||
    printf 'byokey install: could not re-sign the binary with codesign; trying it as it is\n' >&2
fi
# Prove it runs here before it replaces anything (126: cannot execute in a noexec temp folder,
# so it is checked once installed instead).
run_rc=0
version_out=$("$tmp/x/byokey" --version 2>/dev/null) || run_rc=$?
if [ "$run_rc" -ne 0 ] && [ "$run_rc" -ne 126 ]; then
  fail "the byokey binary in $archive does not run on this machine ($platform), nothing was installed: report this at $REPOSITORY_URL/issues"
fi

# --- install --------------------------------------------------------------------------------
bindir="${prefix%/}/bin"
# The nearest existing folder decides whether we may write there ourselves.
probe="$bindir"
while [ ! -d "$probe" ]; do probe=$(dirname "$probe"); done
sudo=""
if [ ! -w "$probe" ]; then
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
    printf 'byokey install: %s is not writable by you, using sudo\n' "$probe" >&2
    sudo="sudo"
  else
    fail "cannot write to $probe: run as a user who can, or choose another --prefix"
  fi
fi
$sudo mkdir -p "$bindir"
# Copy then rename: an already running byokey keeps its file, and no half-written binary is ever visible.
$sudo cp "$tmp/x/byokey" "$bindir/.byokey.new.$$"
$sudo chmod 0755 "$bindir/.byokey.new.$$"
$sudo mv -f "$bindir/.byokey.new.$$" "$bindir/byokey"

if [ "$run_rc" -eq 126 ]; then
  version_out=$("$bindir/byokey" --version 2>/dev/null) ||
    fail "$bindir/byokey was installed but does not run on this machine ($platform): report this at $REPOSITORY_URL/issues"
fi
printf 'byokey %s installed to %s/byokey\n' "$version_out" "$bindir"
# shellcheck disable=SC2016 # the line to paste keeps a literal $PATH
case ":${PATH:-}:" in
  *":$bindir:"*) ;;
  *) printf 'note: %s is not on your PATH; add this line to your shell profile (~/.profile, ~/.bashrc or ~/.zshrc):\n  export PATH="%s:$PATH"\n' "$bindir" "$bindir" ;;
esac

# `service install` also enables and starts the service.
if [ "$service" = 1 ]; then
  "$bindir/byokey" service install ||
    fail "byokey service install failed (see above); byokey itself is installed: fix that and run '$bindir/byokey service install'"
fi
