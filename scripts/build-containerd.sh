#!/usr/bin/env bash
# build-containerd.sh [--series 1.7|2.1] [--cached-only] [CACHE_DIR]
#
# Builds containerd + ctr 1.7.24 from Debian trixie's source package with Debian's patches and then the
# project's own patches (patches/containerd-1.7/*.patch: hosts.toml `rewrite` and `auth`), and prints the
# directory that holds the two binaries: CACHE_DIR/<debian version>-<patch hash>/bin.
# With --series 2.1: containerd 2.1.9 from the full source that Debian sid's golang-github-containerd-
# containerd-dev package carries (Debian's patches already applied), then patches/containerd-2.1/*.patch.
#
#   CACHE_DIR      default: ${CONTAINERD_BUILD_CACHE:-/var/cache/registry-cdk8s/containerd-build}
#   --cached-only  print the binary directory if the current build is cached, else exit 3 without building
#   CONTAINERD_DEB_VERSION  another Debian version of the source package (default: the pinned one below)
#
# Nothing is installed on the machine:
#  - the source: the suite's InRelease is checked with gpgv against the Debian archive keyring, Sources.xz
#    against InRelease, the orig and debian tarballs against Sources (sha256). curl only: the mirror serves
#    no .dsc, so `apt-get source` cannot be used;
#  - Go and the golang-*-dev build dependencies (the Build-Depends closure, golang-* packages only) are
#    downloaded with apt-get (private apt state, hashes checked by apt) from the same suite and extracted
#    with dpkg-deb -x into a private directory;
#  - the build is GOPATH mode, as dh-golang does it: GO111MODULE=off GOPROXY=off GOTOOLCHAIN=local
#    CGO_ENABLED=0 go build ./cmd/containerd ./cmd/ctr, with Debian's version ldflags.
# Cached by version: a binary directory whose containerd runs is reused at once (the hash of the project's
# patches is part of the key, so changing a patch rebuilds; Go's build cache stays in CACHE_DIR/gocache).
# The work tree is removed after a build; set KEEP_WORK=1 to keep it. The apt mirror is this machine's (first deb URI in /etc/apt/sources.list*);
# override with DEB_URI. Needs root only for the default CACHE_DIR; needs curl, gpgv, xz, apt-get, dpkg-deb,
# patch.
set -euo pipefail

SERIES=1.7
if [ "${1:-}" = --series ]; then SERIES=${2:-}; shift 2; fi
KEYRING=${DEB_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
case $SERIES in
  1.7)  # source package from the Sources index
    SUITE=trixie
    SRC_PACKAGE=containerd
    SRC_VERSION=${CONTAINERD_DEB_VERSION:-1.7.24~ds1-6+deb13u1}   # pinned: our patch is written against it
    GO_IMPORT=github.com/containerd/containerd ;;
  2.1)  # the -dev package's copy of the (Debian-patched) source
    SUITE=sid
    SRC_PACKAGE=golang-github-containerd-containerd-dev
    SRC_VERSION=${CONTAINERD_DEB_VERSION:-2.1.9+ds1-5}
    GO_IMPORT=github.com/containerd/containerd/v2 ;;
  *) printf 'build-containerd: ERROR: --series must be 1.7 or 2.1\n' >&2; exit 1 ;;
esac
PATCH_DIR=${CONTAINERD_PATCH_DIR:-$HERE/../patches/containerd-$SERIES}
CACHED_ONLY=""
if [ "${1:-}" = --cached-only ]; then CACHED_ONLY=1; shift; fi
CACHE_DIR=${1:-${CONTAINERD_BUILD_CACHE:-/var/cache/registry-cdk8s/containerd-build}}

log() { printf 'build-containerd: %s\n' "$*" >&2; }
die() { printf 'build-containerd: ERROR: %s\n' "$*" >&2; exit 1; }
now_ms() { local t=$EPOCHREALTIME; echo $(( ${t%[.,]*} * 1000 + 10#${t#*[.,]} / 1000 )); }
secs() { local ms=$(( $(now_ms) - $1 )); printf '%d.%02ds' $((ms / 1000)) $(((ms % 1000) / 10)); }

case "${1:-}" in -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;; esac
for tool in curl gpgv xz apt-get apt-cache dpkg-deb patch sha256sum; do
  command -v "$tool" >/dev/null || die "$tool is required"
done
[ -d "$PATCH_DIR" ] || die "no patch directory $PATCH_DIR"
mkdir -p "$CACHE_DIR" || die "cannot create $CACHE_DIR"
CACHE_DIR=$(cd "$CACHE_DIR" && pwd)
T0=$(now_ms)

PATCH_HASH=$(cd "$PATCH_DIR" && cat ./*.patch | sha256sum | cut -c1-12)
KEY=${SRC_VERSION//[~+]/_}-$PATCH_HASH
DEST=$CACHE_DIR/$KEY
if [ -x "$DEST/bin/containerd" ] && "$DEST/bin/containerd" --version >/dev/null 2>&1 && [ -x "$DEST/bin/ctr" ]; then
  log "cached: $("$DEST/bin/containerd" --version) in $(secs "$T0")"
  echo "$DEST/bin"
  exit 0
fi
[ -z "$CACHED_ONLY" ] || { log "not built yet: $DEST"; exit 3; }

# One build at a time per cache directory (CI and a developer may share it).
exec 9> "$CACHE_DIR/.lock"
flock 9
if [ -x "$DEST/bin/containerd" ] && "$DEST/bin/containerd" --version >/dev/null 2>&1; then
  log "built meanwhile by another process: $DEST/bin"; echo "$DEST/bin"; exit 0
fi

mirror_uri() { # the first URI of an enabled deb source of this machine
  [ -z "${DEB_URI:-}" ] || { echo "$DEB_URI"; return 0; }
  local f u
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] || continue
    u=$(awk 'BEGIN { RS = ""; FS = "\n" }
      { uri = ""; types = ""; en = "yes"
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { uri = $i; sub(/^URIs:[ \t]*/, "", uri); sub(/[ \t].*/, "", uri) }
          if ($i ~ /^Types:/) types = " " $i " "
          if ($i ~ /^Enabled:[ \t]*[Nn]o/) en = "no" }
        if (en == "yes" && types ~ / deb / && uri ~ /debian\/?$/) { print uri; exit } }' "$f")
    [ -z "$u" ] || { echo "${u%/}"; return 0; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -e "$f" ] || continue
    u=$(awk '{ sub(/#.*/, "") } $1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
      if ($i ~ /debian\/?$/) { print $i; exit } }' "$f")
    [ -z "$u" ] || { echo "${u%/}"; return 0; }
  done
  return 1
}
MIRROR=$(mirror_uri) || die "no Debian mirror found in /etc/apt/sources.list*; set DEB_URI"

WORK=$CACHE_DIR/work   # a stable path: Go's build cache keys on it, so a patch change rebuilds in seconds
rm -rf "$WORK" "$DEST.tmp"
mkdir -p "$WORK"/{dl,deps,gopath/src/${GO_IMPORT%/*}} "$DEST.tmp/bin"
cleanup() { [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"; rm -rf "$DEST.tmp"; }
trap cleanup EXIT
export http_proxy="${http_proxy:-}" # the mirror may need the machine's proxy; nothing else is contacted

# ---------------------------------------------------------------- 1. source, verified
t=$(now_ms)
if [ "$SERIES" = 1.7 ]; then
curl -sSf --retry 3 --retry-all-errors --retry-delay 2 -o "$WORK/dl/InRelease" "$MIRROR/dists/$SUITE/InRelease" || die "cannot fetch $MIRROR/dists/$SUITE/InRelease"
gpgv --keyring "$KEYRING" --output "$WORK/dl/Release" "$WORK/dl/InRelease" 2> "$WORK/dl/gpgv.log" \
  || { cat "$WORK/dl/gpgv.log" >&2; die "InRelease of $SUITE: bad signature"; }
want=$(awk '/^SHA256:/ { s = 1; next } /^[^ ]/ { s = 0 } s && $3 == "main/source/Sources.xz" { print $1 }' "$WORK/dl/Release")
[ -n "$want" ] || die "Release of $SUITE lists no main/source/Sources.xz"
curl -sSf --retry 3 --retry-all-errors --retry-delay 2 -o "$WORK/dl/Sources.xz" "$MIRROR/dists/$SUITE/main/source/Sources.xz" || die "cannot fetch Sources.xz"
[ "$(sha256sum < "$WORK/dl/Sources.xz" | cut -d' ' -f1)" = "$want" ] || die "Sources.xz does not match the signed Release"
xz -dc "$WORK/dl/Sources.xz" | awk -v p="$SRC_PACKAGE" -v v="$SRC_VERSION" \
  'BEGIN { RS = ""; ORS = "\n\n" } index("\n" $0 "\n", "\nPackage: " p "\n") && index($0 "\n", "\nVersion: " v "\n") && !done { print; done = 1 }' \
  > "$WORK/dl/source.paragraph"
if ! [ -s "$WORK/dl/source.paragraph" ]; then
  have=$(xz -dc "$WORK/dl/Sources.xz" | awk -v p="$SRC_PACKAGE" 'BEGIN { RS = "" } index($0, "Package: " p "\n") == 1 {
    if (match($0, /\nVersion: [^\n]+/)) printf "%s ", substr($0, RSTART + 10, RLENGTH - 10) }')
  die "$SRC_PACKAGE $SRC_VERSION is not in $SUITE any more (the index has: ${have:-none}); set CONTAINERD_DEB_VERSION or update SRC_VERSION and check that patches/containerd-1.7 still applies"
fi
dir=$(awk '/^Directory:/ { print $2 }' "$WORK/dl/source.paragraph")
mapfile -t files < <(awk '/^Checksums-Sha256:/ { s = 1; next } /^[^ ]/ { s = 0 } s && $3 !~ /\.dsc$/ { print $1 " " $3 }' "$WORK/dl/source.paragraph")
[ ${#files[@]} -eq 2 ] || die "expected an orig and a debian tarball in the Sources entry, got: ${files[*]}"
for entry in "${files[@]}"; do
  sum=${entry%% *}; name=${entry#* }
  curl -sSf --retry 3 --retry-all-errors --retry-delay 2 -o "$WORK/dl/$name" "$MIRROR/$dir/$name" || die "cannot fetch $MIRROR/$dir/$name"
  [ "$(sha256sum < "$WORK/dl/$name" | cut -d' ' -f1)" = "$sum" ] || die "$name: sha256 differs from the Sources index"
done
log "source $SRC_PACKAGE $SRC_VERSION from $MIRROR ($SUITE), signature and sha256 checked, in $(secs "$t")"
fi

# ---------------------------------------------------------------- 2. Go + golang-*-dev, extracted
t=$(now_ms)
a=$WORK/apt
mkdir -p "$a"/{lists/partial,cache/archives/partial,sources.list.d,preferences.d}
: > "$a/status"
printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' "$MIRROR" "$SUITE" "$KEYRING" \
  > "$a/sources.list.d/$SUITE.sources"
APT=(-q -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$a/sources.list.d"
  -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts="$a/preferences.d"
  -o Dir::State::Lists="$a/lists" -o Dir::State::status="$a/status" -o Dir::Cache="$a/cache"
  -o APT::Sandbox::User=root -o Acquire::Languages=none -o APT::Architecture=amd64)
if ! apt-get "${APT[@]}" update > "$a/update.log" 2>&1 || grep -qE '^(E|W): Failed to fetch' "$a/update.log"; then
  tail -n 5 "$a/update.log" >&2; die "apt-get update for $SUITE failed"
fi
# Build-Depends names (versions and alternatives dropped), golang-* only: debhelper, dh-golang and
# go-md2man are for packaging and man pages, not for the two binaries.
if [ "$SERIES" = 1.7 ]; then
  mapfile -t roots < <(awk '/^Build-Depends:/ { sub(/^Build-Depends:[ \t]*/, ""); print }' "$WORK/dl/source.paragraph" \
    | tr ',' '\n' | sed -e 's/[(|[].*//' -e 's/[[:space:]]//g' | grep '^golang-')
  [ ${#roots[@]} -gt 10 ] || die "could not read Build-Depends"
else  # the -dev package depends on every library the source imports
  roots=("$SRC_PACKAGE=$SRC_VERSION" golang-go)
fi
# apt's own resolver picks one of each set of alternatives (e.g. one golang/protobuf generation); the
# simulation runs against an empty package status, so it lists everything, libc included: keep golang-*.
apt-get "${APT[@]}" -s --no-install-recommends install "${roots[@]}" > "$a/simulate.log" 2>&1 \
  || { tail -n 20 "$a/simulate.log" >&2; die "apt cannot resolve the build dependencies"; }
mapfile -t pkgs < <(awk -v src="$SRC_PACKAGE" -v ver="$SRC_VERSION" \
  '$1 == "Inst" && $2 ~ /^golang-/ { print ($2 == src ? $2 "=" ver : $2) }' "$a/simulate.log" | sort -u)
[ ${#pkgs[@]} -gt ${#roots[@]} ] || die "dependency closure too small (${#pkgs[@]} packages)"
(cd "$WORK/dl" && apt-get "${APT[@]}" download "${pkgs[@]}" > "$a/download.log" 2>&1) \
  || { tail -n 5 "$a/download.log" >&2; die "apt-get download failed"; }
for deb in "$WORK"/dl/*.deb; do dpkg-deb -x "$deb" "$WORK/deps" || die "dpkg-deb -x $deb"; done
rm -f "$WORK"/dl/*.deb
# Absolute symlinks inside the packages (/usr/share/gocode/..., /usr/lib/go-1.x/...) must point into the
# private tree, not at the machine's /usr.
find "$WORK/deps" -type l -lname '/*' -print0 | while IFS= read -r -d '' l; do
  ln -sfn "$WORK/deps$(readlink "$l")" "$l"
done
GOBIN_DIR=$(find "$WORK/deps/usr/lib" -maxdepth 3 -path '*/go-1.*/bin/go' | sort -V | tail -n 1)
[ -n "$GOBIN_DIR" ] || die "no Go toolchain among the extracted packages"
GOROOT=$(dirname "$(dirname "$GOBIN_DIR")")
log "${#pkgs[@]} packages ($(basename "$GOROOT"), golang-*-dev) downloaded and extracted in $(secs "$t")"

# ---------------------------------------------------------------- 3. patches
t=$(now_ms)
SRC=$WORK/gopath/src/$GO_IMPORT
mkdir -p "$SRC"
n=0
if [ "$SERIES" = 1.7 ]; then
  tar -xf "$WORK"/dl/*.orig.tar.* -C "$SRC" --strip-components=1
  tar -xf "$WORK"/dl/*.debian.tar.* -C "$SRC"
  while read -r p _; do
    case $p in ''|'#'*) continue ;; esac
    patch -d "$SRC" -p1 -s --no-backup-if-mismatch < "$SRC/debian/patches/$p" || die "Debian patch $p does not apply"
    n=$((n + 1))
  done < "$SRC/debian/patches/series"
else
  [ -d "$WORK/deps/usr/share/gocode/src/$GO_IMPORT/cmd/containerd" ] || die "$SRC_PACKAGE carries no $GO_IMPORT/cmd/containerd"
  cp -a "$WORK/deps/usr/share/gocode/src/$GO_IMPORT/." "$SRC/"   # Debian's patches are applied in the package
fi
own=0
for p in "$PATCH_DIR"/*.patch; do
  patch -d "$SRC" -p1 -s --no-backup-if-mismatch < "$p" || die "our patch $(basename "$p") does not apply"
  own=$((own + 1))
done
[ "$own" -gt 0 ] || die "no patches in $PATCH_DIR"
find "$SRC" -name '*_fuzz.go' -delete   # as debian/rules does
log "$([ "$SERIES" = 1.7 ] && echo "$n Debian patches" || echo "Debian's patches (already in the -dev package)") + $own own patches applied in $(secs "$t")"

# ---------------------------------------------------------------- 4. build (GOPATH mode, like dh-golang)
t=$(now_ms)
upstream=${SRC_VERSION%-*}
(
  cd "$SRC"
  env -i PATH="$GOROOT/bin:/usr/bin:/bin" HOME="$WORK" GOROOT="$GOROOT" \
    GOPATH="$WORK/gopath:$WORK/deps/usr/share/gocode" GOCACHE="$CACHE_DIR/gocache" \
    GO111MODULE=off GOPROXY=off GOTOOLCHAIN=local GOFLAGS= CGO_ENABLED=0 \
    go build -o "$DEST.tmp/bin/" \
      -ldflags "-X $GO_IMPORT/version.Version=${upstream#*:} -X $GO_IMPORT/version.Revision=$SRC_VERSION+registry-cdk8s.$PATCH_HASH" \
      ./cmd/containerd ./cmd/ctr
) > "$WORK/build.log" 2>&1 || { tail -n 30 "$WORK/build.log" >&2; die "go build failed"; }
"$DEST.tmp/bin/containerd" --version >/dev/null || die "the built containerd does not run"
cp "$PATCH_DIR"/*.patch "$DEST.tmp/" && printf '%s\n' "$SRC_VERSION" > "$DEST.tmp/.package-version"
rm -rf "$DEST" && mv "$DEST.tmp" "$DEST"
log "built with $("$GOROOT/bin/go" version | awk '{print $3}') in $(secs "$t"); total $(secs "$T0"): $("$DEST/bin/containerd" --version)"
echo "$DEST/bin"
