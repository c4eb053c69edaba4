#!/usr/bin/env bash
# fetch-containerd.sh [CACHE_DIR]
#
# Downloads (never installs) the `containerd` .deb of the Debian suites trixie and sid and extracts each to
# CACHE_DIR/<suite>/, so that CACHE_DIR/<suite>/usr/bin/{containerd,ctr,containerd-shim-runc-v2} exist.
# These builds link only against libc and run on Debian 12; test/integration/node-e2e.sh takes
# CACHE_DIR/<suite>/usr/bin as its CONTAINERD_BIN_DIR.
#
#   CACHE_DIR  default: ${CONTAINERD_CACHE:-/var/cache/registry-cdk8s-containerd}
#
# apt runs with a private state (lists, cache, status, sources) under CACHE_DIR/.apt-<suite>/; the machine's
# own apt state is neither read for packages nor changed. The apt source is copied from this machine's entry
# for its own release (same URI and keyring), with only the suite changed. Override with DEB_URI (and
# optionally DEB_KEYRING).
# Idempotent: a suite whose containerd binary exists and runs (`containerd --version`) is skipped; delete
# CACHE_DIR/<suite> to fetch it again. Prints one line per suite. Needs root (apt), apt-get and dpkg-deb.
set -euo pipefail

SUITES=(trixie sid)
CACHE_DIR=${1:-${CONTAINERD_CACHE:-/var/cache/registry-cdk8s-containerd}}

die() { printf 'fetch-containerd: ERROR: %s\n' "$*" >&2; exit 1; }
now_ms() { local t=$EPOCHREALTIME; echo $(( ${t%[.,]*} * 1000 + 10#${t#*[.,]} / 1000 )); }
secs() { local ms=$(( $(now_ms) - $1 )); printf '%d.%02ds' $((ms / 1000)) $(((ms % 1000) / 10)); }

case "${1:-}" in -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;; esac
[ "$(id -u)" = 0 ] || die "must run as root (apt-get)"
for tool in apt-get apt-cache dpkg-deb; do command -v "$tool" >/dev/null || die "$tool is required"; done
mkdir -p "$CACHE_DIR" || die "cannot create $CACHE_DIR"
CACHE_DIR=$(cd "$CACHE_DIR" && pwd)

# Prints an apt source (deb822) for suite $1, derived from this machine's apt configuration.
private_source() {
  local suite=$1 codename
  if [ -n "${DEB_URI:-}" ]; then
    printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\n' "$DEB_URI" "$suite"
    [ -z "${DEB_KEYRING:-}" ] || printf 'Signed-By: %s\n' "$DEB_KEYRING"
    return 0
  fi
  # shellcheck disable=SC1091  # os-release is not ours to lint
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  [ -n "$codename" ] || { echo "cannot read VERSION_CODENAME from /etc/os-release; set DEB_URI" >&2; return 1; }
  local f out=""
  # deb822 style (Debian 12 default): the first enabled paragraph of type deb that lists the running codename.
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] || continue
    out=$(awk -v code="$codename" -v suite="$1" -v keyring="${DEB_KEYRING:-}" '
      BEGIN { RS = ""; FS = "\n" }
      {
        delete v; n = 0; cur = ""
        for (i = 1; i <= NF; i++) {
          line = $i
          if (line ~ /^#/) continue
          if (line ~ /^[ \t]/ && cur != "") { v[cur] = v[cur] "\n" line; continue }   # continuation line
          if (match(line, /^[A-Za-z0-9-]+:/)) {
            cur = tolower(substr(line, 1, RLENGTH - 1)); val = substr(line, RLENGTH + 1)
            sub(/^[ \t]+/, "", val); v[cur] = val; order[++n] = cur
          }
        }
        if (tolower(v["enabled"]) == "no") next
        if ((" " v["types"] " ") !~ / deb / || (" " v["suites"] " ") !~ (" " code " ")) next
        print "Types: deb"; print "URIs: " v["uris"]; print "Suites: " suite; print "Components: main"
        if (keyring != "") print "Signed-By: " keyring
        else if ("signed-by" in v) print "Signed-By: " v["signed-by"]
        found = 1; exit
      }
      END { exit !found }' "$f") && { printf '%s\n' "$out"; return 0; }
  done
  # one-line style: /etc/apt/sources.list and *.list
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -e "$f" ] || continue
    out=$(awk -v code="$codename" -v suite="$1" -v keyring="${DEB_KEYRING:-}" '
      { sub(/#.*/, "") }
      $1 == "deb" {
        i = 2; opts = ""
        if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) { opts = opts " " $i; i++ }; opts = opts " " $i; i++ }
        if ($(i + 1) != code) next
        sb = ""
        if (keyring != "") sb = keyring
        else if (match(opts, /signed-by=[^] ]+/)) sb = substr(opts, RSTART + 10, RLENGTH - 10)
        print "Types: deb"; print "URIs: " $i; print "Suites: " suite; print "Components: main"
        if (sb != "") print "Signed-By: " sb
        found = 1; exit
      }
      END { exit !found }' "$f") && { printf '%s\n' "$out"; return 0; }
  done
  echo "no apt source for release '$codename' found in /etc/apt; set DEB_URI (and DEB_KEYRING)" >&2
  return 1
}

# fetch SUITE: download + extract into CACHE_DIR/SUITE. Sets PKG_VERSION.
fetch() {
  local suite=$1 a=$CACHE_DIR/.apt-$1 dest=$CACHE_DIR/$1
  if ! { rm -rf "$a" && mkdir -p "$a"/{lists/partial,cache/archives/partial,sources.list.d,preferences.d,dl} \
         && : > "$a/status"; }; then
    echo "cannot create $a" >&2; return 1
  fi
  private_source "$suite" > "$a/sources.list.d/$suite.sources" || return 1
  local apt_opts=(-q
    -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$a/sources.list.d"
    -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts="$a/preferences.d"
    -o Dir::State::Lists="$a/lists" -o Dir::State::status="$a/status" -o Dir::Cache="$a/cache"
    -o APT::Sandbox::User=root -o Acquire::Languages=none
    -o Acquire::Check-Valid-Until=false -o Acquire::Check-Date=false)
  if ! apt-get "${apt_opts[@]}" update > "$a/update.log" 2>&1 || grep -qE '^(E|W): Failed to fetch' "$a/update.log"; then
    echo "apt-get update for '$suite' failed (source: $(tr '\n' ' ' < "$a/sources.list.d/$suite.sources")):" >&2
    tail -n 5 "$a/update.log" >&2; return 1
  fi
  PKG_VERSION=$(apt-cache "${apt_opts[@]}" policy containerd 2>/dev/null | awk '/Candidate:/ {print $2}')
  if [ -z "$PKG_VERSION" ] || [ "$PKG_VERSION" = "(none)" ]; then
    echo "no containerd package in suite '$suite'" >&2; return 1
  fi
  if ! (cd "$a/dl" && apt-get "${apt_opts[@]}" download "containerd=$PKG_VERSION") > "$a/download.log" 2>&1; then
    echo "apt-get download containerd=$PKG_VERSION ($suite) failed:" >&2; tail -n 5 "$a/download.log" >&2; return 1
  fi
  local debs=("$a"/dl/containerd_*.deb)
  [ -f "${debs[0]}" ] || { echo "no containerd .deb downloaded for '$suite'" >&2; return 1; }
  rm -rf "$dest.tmp"
  dpkg-deb -x "${debs[0]}" "$dest.tmp" || { echo "dpkg-deb -x ${debs[0]} failed" >&2; return 1; }
  printf '%s\n' "$PKG_VERSION" > "$dest.tmp/.package-version"
  rm -rf "$dest" && mv "$dest.tmp" "$dest" && rm -rf "$a"   # the private apt state is kept only on failure
}

failed=0
for suite in "${SUITES[@]}"; do
  t0=$(now_ms)
  bin=$CACHE_DIR/$suite/usr/bin/containerd
  state=cached
  if ! [ -x "$bin" ] || ! "$bin" --version >/dev/null 2>&1; then
    state=fetched
    if ! fetch "$suite"; then
      printf 'fetch-containerd: ERROR: %s: could not fetch containerd (after %s)\n' "$suite" "$(secs "$t0")" >&2
      failed=1; continue
    fi
  fi
  if ! ver=$("$bin" --version 2>&1); then
    printf 'fetch-containerd: ERROR: %s: %s does not run here: %s\n' "$suite" "$bin" "$ver" >&2
    failed=1; continue
  fi
  ver=$(awk '{print $3}' <<<"$ver")
  pkg=$(cat "$CACHE_DIR/$suite/.package-version" 2>/dev/null || echo '?')
  printf '%-7s containerd %-14s (deb %s) %s in %s -> %s\n' \
    "$suite" "$ver" "$pkg" "$state" "$(secs "$t0")" "$CACHE_DIR/$suite/usr/bin"
done
[ "$failed" = 0 ] || die "some suites could not be fetched (see above)"
