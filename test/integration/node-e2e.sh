#!/usr/bin/env bash
# node-e2e.sh CONTAINERD_BIN_DIR SCENARIO_DIR
#
# Node-level end-to-end check of rendered containerd registry files: real containerd daemon, real
# docker-registry (distribution 2.8) instances on loopback, a CRI PullImage, and the registries' access logs.
#
#   CONTAINERD_BIN_DIR  holds containerd, ctr (and the runc shim), e.g. /usr/bin or
#                       <cache>/trixie/usr/bin from scripts/fetch-containerd.sh
#   SCENARIO_DIR        holds scenario.json (written by the caller; paths in it are relative to SCENARIO_DIR):
#     {"registries": [{"name": "plain", "port": 5101},
#                     {"name": "tls", "port": 5102, "tls": {"certificate": "pki/server.crt", "key": "pki/server.key"}}],
#      "images": [{"registry": "plain", "repository": "deckhouse/ee", "tag": "v1"}],
#      "cases":  [{"name": "direct-http", "tree": "trees/direct-http",
#                  "config": "etc/containerd/registry-config-path.toml",
#                  "pull": "registry.d8-system.svc:5001/system/deckhouse:v1"}]}
#
# Per run: one registry per entry on 127.0.0.1:<port> (TLS when "tls" is set), ONE tiny one-layer OCI image
# pushed to every "images" entry (its config digest is the image id CRI returns). Then per case, in order:
# bind-mount <tree>/etc/containerd onto /etc/containerd (so absolute node paths in the tree are valid),
# 'containerd --config /etc/containerd/<config> config dump', start the daemon on a private copy of the config
# (private root/state/socket/opt dir; NRI off on 2.x), check the CRI plugin, CRI PullImage of "pull", and
# collect the requests every registry logged meanwhile plus telling daemon log lines.
#
# Output: ONE JSON document on stdout (also written to SCENARIO_DIR/out/result.json):
#   {"containerd", "major", "imageId", "seconds",
#    "cases": [{"name", "configDump": {"exitCode", "configPathSection", "warnings"[, "error"]},
#               "criPluginOk", "criPluginError", "pull": {"ok", "imageRef", "error"},
#               "requests": [{"registry", "method", "path", "status"}], "daemonLog", "seconds"}]}
# Logs go to stderr and to SCENARIO_DIR/out/ (recreated on every run): registries/<name>.access.log and
# <name>.log, cases/<case>/{config-dump.toml,config-dump.err,daemon-config.toml,containerd.log,plugins.txt,
# pull.json,meta}.
# Exit code: 0 when the harness worked (failed pulls included: the caller judges the JSON), 2 on harness
# errors (bad scenario, registry/push failure, missing tools, not root).
#
# Isolation: the script re-executes itself in 'unshare --net --mount --propagation private' (loopback only,
# private mounts), mounts a tmpfs over /run there, and starts every child with a parent-death signal. Nothing
# leaves the machine and nothing outlives the run. Only side effect outside the namespace: /etc/containerd
# is created (and removed again) when it does not exist, because it is the bind-mount target.
#
# Needs: root, bash, util-linux (unshare, setpriv, mount), iproute2, docker-registry, and
# /usr/bin/python3 with python3-grpcio + python3-grpc-tools (override: NODE_E2E_PYTHON).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF=$HERE/$(basename "${BASH_SOURCE[0]}")
PY=${NODE_E2E_PYTHON:-/usr/bin/python3}
REGISTRY_BIN=${REGISTRY_BIN:-docker-registry}
NODE_CONFIG_DIR=/etc/containerd
DAEMON_START_TIMEOUT_MS=15000
export PYTHONDONTWRITEBYTECODE=1

log() { printf 'node-e2e: %s\n' "$*" >&2; }
die() { printf 'node-e2e: ERROR: %s\n' "$*" >&2; exit 2; }
now_ms() { local t=$EPOCHREALTIME; echo $(( ${t%[.,]*} * 1000 + 10#${t#*[.,]} / 1000 )); }
secs() { local ms=$(( $(now_ms) - $1 )); printf '%d.%03d' $((ms / 1000)) $((ms % 1000)); }
usage() { sed -n '2,/^set -uo pipefail/p' "$SELF" | sed -e '$d' -e 's/^# \{0,1\}//'; }
count_lines() { if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi; }
yaml_str() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }

# ------------------------------------------------------------------------------------------------ outside
outer() {
  case "${1:-}" in -h|--help) usage; exit 0 ;; esac
  [ $# -eq 2 ] || { usage >&2; exit 2; }
  [ "$(id -u)" = 0 ] || die "must run as root (containerd daemon, namespaces, mounts)"
  local bin scen tool ver
  bin=$(cd "$1" 2>/dev/null && pwd) || die "CONTAINERD_BIN_DIR not found: $1"
  scen=$(cd "$2" 2>/dev/null && pwd) || die "SCENARIO_DIR not found: $2"
  [ -f "$scen/scenario.json" ] || die "no scenario.json in $scen"
  for tool in "$bin/containerd" "$bin/ctr"; do [ -x "$tool" ] || die "not executable: $tool"; done
  for tool in "$REGISTRY_BIN" unshare setpriv mount umount ip "$PY"; do
    command -v "$tool" >/dev/null || die "missing program: $tool"
  done
  ver=$("$bin/containerd" --version 2>&1) || die "$bin/containerd does not run here: $ver"
  ver=$(awk '{print $3}' <<<"$ver"); ver=${ver#v}
  [[ $ver =~ ^[0-9]+\. ]] || die "cannot parse the containerd version: $ver"
  "$PY" -c 'import grpc, grpc_tools.protoc' 2>/dev/null \
    || die "$PY cannot import grpc/grpc_tools (apt-get install python3-grpcio python3-grpc-tools)"
  # exec keeps one PID from here to the inner bash, so signals sent to this script reach the inner trap.
  exec env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u ALL_PROXY -u all_proxy \
    NODE_E2E_INNER=1 NODE_E2E_VERSION="$ver" \
    unshare --net --mount --propagation private -- "$BASH" "$SELF" "$bin" "$scen"
}

# ------------------------------------------------------------------------------------------------ inside
WORK=""; OUT=""; DAEMON_PID=""; COMPILE_PID=""; ETC_MOUNTED=""; CREATED_ETC=""
REG_PIDS=(); REG_NAMES=()

unmount_under() { # unmount everything mounted below directory $1, deepest first
  local m
  awk -v p="$1/" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "warning: cannot unmount $m"
  done
}

alive() { # process $1 exists and is not a zombie (kill -0 succeeds on an unreaped child)
  local _pid _comm st
  read -r _pid _comm st _ 2>/dev/null < "/proc/$1/stat" && [ "$st" != Z ]
}

stop_pid() { # SIGTERM, up to 5 s, then SIGKILL; reaps the child
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
  for ((i = 0; i < 250; i++)); do
    alive "$pid" || break
    sleep 0.02
  done
  if alive "$pid"; then
    log "pid $pid ignored SIGTERM for 5s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  return 0
}

cleanup() {
  local p
  [ -z "$DAEMON_PID" ] || stop_pid "$DAEMON_PID"
  DAEMON_PID=""
  [ -z "$COMPILE_PID" ] || stop_pid "$COMPILE_PID"
  for p in "${REG_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${REG_PIDS[@]}"; do stop_pid "$p"; done
  REG_PIDS=()
  [ -z "$WORK" ] || unmount_under "$WORK"
  if [ -n "$ETC_MOUNTED" ]; then umount "$NODE_CONFIG_DIR" 2>/dev/null || umount -l "$NODE_CONFIG_DIR"; fi
  [ -z "$WORK" ] || [ ! -d "$WORK" ] || rm -rf "$WORK"
  [ -z "$CREATED_ETC" ] || rmdir "$NODE_CONFIG_DIR" 2>/dev/null || true
}

start_registries() { # reads the R lines of the plan
  local kind name port cert key dir
  while IFS=$'\t' read -r kind name port cert key; do
    [ "$kind" = R ] || continue
    dir=$WORK/reg/$name
    mkdir -p "$dir/data" || die "mkdir $dir"
    {
      printf 'version: 0.1\nlog: {level: info, accesslog: {disabled: false}}\n'
      printf 'storage:\n  filesystem: {rootdirectory: %s}\n' "$(yaml_str "$dir/data")"
      printf '  maintenance: {uploadpurging: {enabled: false}}\n'
      printf 'http:\n  addr: "127.0.0.1:%s"\n  secret: node-e2e\n' "$port"
      [ "$cert" = - ] || printf '  tls: {certificate: %s, key: %s}\n' "$(yaml_str "$cert")" "$(yaml_str "$key")"
    } > "$dir/config.yml"
    # distribution writes the access log (one combined-format line per request) to stdout, the rest to stderr
    setpriv --pdeathsig KILL -- "$REGISTRY_BIN" serve "$dir/config.yml" \
      < /dev/null > "$OUT/registries/$name.access.log" 2> "$OUT/registries/$name.log" &
    REG_PIDS+=($!); REG_NAMES+=("$name")
    log "registry $name on 127.0.0.1:$port ($([ "$cert" = - ] && echo http || echo https)), pid $!"
  done < <(grep '^R' <<<"$PLAN")
}

# run_case NAME TREE_ETC_DIR CONFIG_REL PULL_REF -> files in $OUT/cases/NAME/
run_case() {
  local name=$1 etc=$2 rel=$3 ref=$4
  local cdir=$OUT/cases/$name t0 cfg dump_rc state=timeout r d sock
  local -A start=()
  t0=$(now_ms)
  mkdir -p "$cdir"
  # a. the tree's etc/containerd becomes /etc/containerd (private mount namespace)
  mount --bind "$etc" "$NODE_CONFIG_DIR" || die "bind mount $etc -> $NODE_CONFIG_DIR failed"
  ETC_MOUNTED=1
  cfg=$NODE_CONFIG_DIR/$rel
  # b. containerd's own parser, no daemon
  "$CTRD" --config "$cfg" config dump > "$cdir/config-dump.toml" 2> "$cdir/config-dump.err"
  dump_rc=$?
  # c. daemon on a private copy of the config
  for r in "${REG_NAMES[@]}"; do start[$r]=$(count_lines "$OUT/registries/$r.access.log"); done
  d=$(mktemp -d "$WORK/c.XXXXXX") || die "mktemp"
  sock=$d/sock
  cp "$cfg" "$d/config.toml" || die "cannot copy $cfg"
  if ! grep -q 'io\.containerd\.internal\.v1\.opt' "$d/config.toml"; then
    printf '\n[plugins."io.containerd.internal.v1.opt"]\n  path = "%s"\n' "$d/opt" >> "$d/config.toml"
  fi
  if [ "$CTRD_MAJOR" -ge 2 ] && ! grep -q 'io\.containerd\.nri\.v1\.nri' "$d/config.toml"; then
    printf '\n[plugins."io.containerd.nri.v1.nri"]\n  disable = true\n' >> "$d/config.toml"
  fi
  cp "$d/config.toml" "$cdir/daemon-config.toml"
  PATH="$BIN:$PATH" setpriv --pdeathsig KILL -- "$CTRD" --config "$d/config.toml" \
    --root "$d/root" --state "$d/state" --address "$sock" --log-level debug < /dev/null > "$cdir/containerd.log" 2>&1 &
  DAEMON_PID=$!
  local deadline=$(( $(now_ms) + DAEMON_START_TIMEOUT_MS ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    alive "$DAEMON_PID" || { state=exited; break; }
    # without the socket file, 1.x ctr would retry for 10 s
    if [ -S "$sock" ] && "$CTR" -a "$sock" --connect-timeout 2s version >/dev/null 2>&1; then state=up; break; fi
    sleep 0.02
  done
  log "case $name: config dump rc=$dump_rc, daemon $state after $(secs "$t0")s"
  if [ "$state" = up ]; then
    "$CTR" -a "$sock" --connect-timeout 5s plugins ls > "$cdir/plugins.txt" 2>&1
    # d. CRI PullImage, as kubelet sends it
    "$PY" "$HERE/_cri.py" pull "$WORK/cri" "$sock" "$ref" > "$cdir/pull.json" 2> "$cdir/pull.err"
    log "case $name: pull $ref: $(cut -c1-300 "$cdir/pull.json")"
  fi
  # f. stop, unmount, clean
  stop_pid "$DAEMON_PID"; DAEMON_PID=""
  unmount_under "$d"
  umount "$NODE_CONFIG_DIR" || umount -l "$NODE_CONFIG_DIR" || die "cannot unmount $NODE_CONFIG_DIR"
  ETC_MOUNTED=""
  rm -rf "$d"
  # e. what the registries saw meanwhile (line ranges of their access logs; parsed by _scenario.py report)
  {
    printf 'dump_rc=%s\ndaemon=%s\ntmp=%s\n' "$dump_rc" "$state" "$d"
    for r in "${REG_NAMES[@]}"; do
      printf 'offsets.%s=%s %s\n' "$r" "${start[$r]}" "$(count_lines "$OUT/registries/$r.access.log")"
    done
    printf 'seconds=%s\n' "$(secs "$t0")"
  } > "$cdir/meta"
}

inner() {
  BIN=$1; SCEN=$2
  CTRD=$BIN/containerd; CTR=$BIN/ctr
  local version=$NODE_E2E_VERSION t0 t kind name etc rel ref image_id
  CTRD_MAJOR=${version%%.*}
  exec 3>&1 1>&2   # stdout is reserved for the JSON document
  t0=$(now_ms)
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  [ "$(readlink /proc/self/ns/net)" != "$(readlink /proc/1/ns/net)" ] || die "not in a private network namespace"
  ip link set lo up || die "cannot bring up lo"
  # /run (= /var/run) of the host stays invisible: NRI, ttrpc or debug sockets a config may name land here
  mount -t tmpfs -o mode=0755,size=64m node-e2e-run /run || die "cannot mount a tmpfs on /run"
  local stale
  for stale in "${TMPDIR:-/tmp}"/node-e2e.*/; do   # work dirs of runs that were SIGKILLed
    [ -f "$stale/pid" ] && ! alive "$(cat "$stale/pid")" && rm -rf "$stale"
  done
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/node-e2e.XXXXXX") || die "mktemp"
  echo "$$" > "$WORK/pid"
  OUT=$SCEN/out
  rm -rf "$OUT"
  mkdir -p "$OUT/registries" "$OUT/cases" || die "cannot create $OUT"
  PLAN=$("$PY" "$HERE/_scenario.py" plan "$SCEN") || die "invalid scenario (see above)"
  log "containerd $version (major $CTRD_MAJOR) from $BIN; scenario $SCEN; work dir $WORK"

  # 1. registries; the CRI stubs compile meanwhile
  t=$(now_ms)
  "$PY" "$HERE/_cri.py" compile "$WORK/cri" > "$OUT/cri-compile.log" 2>&1 &
  COMPILE_PID=$!
  start_registries
  # 2. one image, pushed everywhere (the script waits for every registry's /v2/ first)
  local i pids=""
  for i in "${!REG_NAMES[@]}"; do pids+="${REG_NAMES[$i]}=${REG_PIDS[$i]} "; done
  if ! NODE_E2E_REGISTRY_PIDS=$pids "$PY" "$HERE/_push_image.py" "$SCEN" > "$WORK/image.json" 2> "$OUT/push.log"; then
    cat "$OUT/push.log" >&2
    for name in "${REG_NAMES[@]}"; do
      grep -m3 -iE 'panic|fatal|error' "$OUT/registries/$name.log" | sed "s/^/  $name: /" >&2
    done
    die "registry start-up or image push failed"
  fi
  image_id=$(sed -n 's/.*"imageId": *"\([^"]*\)".*/\1/p' "$WORK/image.json")
  [ -n "$image_id" ] || die "no image id from _push_image.py"
  wait "$COMPILE_PID" || { cat "$OUT/cri-compile.log" >&2; COMPILE_PID=""; die "CRI stub compilation failed"; }
  COMPILE_PID=""
  log "registries up, image $image_id pushed, CRI stubs ready in $(secs "$t")s"

  # 3. cases
  if [ ! -d "$NODE_CONFIG_DIR" ]; then
    mkdir -p "$NODE_CONFIG_DIR" || die "cannot create $NODE_CONFIG_DIR"
    CREATED_ETC=1
  fi
  local line
  mapfile -t CASE_LINES < <(grep '^C' <<<"$PLAN")
  for line in "${CASE_LINES[@]}"; do
    IFS=$'\t' read -r kind name etc rel ref <<<"$line"
    run_case "$name" "$etc" "$rel" "$ref" < /dev/null
  done

  # 4. report (the registries are stopped by the EXIT trap)
  "$PY" "$HERE/_scenario.py" report "$SCEN" "$version" "$image_id" "$(secs "$t0")" > "$OUT/result.json" \
    || die "report assembly failed"
  cat "$OUT/result.json" >&3
  log "done in $(secs "$t0")s"
}

if [ "${NODE_E2E_INNER:-}" = 1 ]; then
  inner "$@"
else
  outer "$@"
fi
