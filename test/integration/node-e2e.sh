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
#   Optional (absent = the plain behaviour above):
#     registry "addr": "127.x.y.z:port"  listen there instead of 127.0.0.1:<port>
#     registry "config": "<file>"        a caller's distribution config (needs python3-yaml), adapted for the run:
#                                        http.addr, storage.filesystem.rootdirectory (temp dir), http.debug and
#                                        auth (docker_auth token server) removed, relative http.tls paths resolved
#                                        against the config's directory; absolute paths work through "mounts".
#                                        A config with proxy.remoteurl (pull-through cache) starts only after
#                                        every other registry answers /v2/. A config registry that does not come
#                                        up is reported ("startError"), not a harness error.
#     "mounts": {"/etc/kubernetes/registry": "trees/master/etc/kubernetes/registry"}
#                                        read-only bind mounts made before the registries start; missing mount
#                                        points are created and removed again afterwards
#     "nginx": {"config": "<file>"}      a copy of that nginx.conf (stream module load_module prepended, pid file
#                                        moved to the work dir) is checked with 'nginx -t' and, when that passes,
#                                        runs for all cases; a missing 'user' gets a private /etc/passwd and
#                                        /etc/group (uid/gid 64535) bind-mounted in the harness's namespace
#     case "pulls": N                    N CRI PullImage calls of "pull" (default 1); between two, the image, its
#                                        content blobs and snapshots are removed, so every pull hits the network
#
# Per run: one registry per entry (TLS when "tls" is set), ONE tiny one-layer OCI image pushed to every "images"
# entry (its config digest is the image id CRI returns). Then per case, in order:
# bind-mount <tree>/etc/containerd onto /etc/containerd (so absolute node paths in the tree are valid),
# 'containerd --config /etc/containerd/<config> config dump', start the daemon on a private copy of the config
# (private root/state/socket/opt dir; NRI off on 2.x), check the CRI plugin, CRI PullImage of "pull", and
# collect the requests every registry logged meanwhile plus telling daemon log lines.
#
# Output: ONE JSON document on stdout (also written to SCENARIO_DIR/out/result.json):
#   {"containerd", "major", "imageId", "seconds",
#    "cases": [{"name", "configDump": {"exitCode", "configPathSection", "warnings"[, "error"]},
#               "criPluginOk", "criPluginError", "pull": {"ok", "imageRef", "error"},
#               "pulls": [{"ok", "imageRef", "error"}, ...one per pull; pulls[0] is "pull"],
#               "requests": [{"registry", "method", "path", "status"}], "requestCounts": {"<registry>": n},
#               "pullRequestCounts": [{"<registry>": n}, ...one per pull], "purgeErrors": ["..."],
#               "daemonLog", "seconds"}],
#    "registries": [{"name", "addr", "url", "config", "proxy" (remote url|null), "startError" (null|"..."),
#                    "adapted": [...], "requests" (access-log lines of the whole run, pushes included)}],
#    "nginx": null | {"config", "adapted", "listen", "addedUser", "addedGroup", "test": {"exitCode", "output"},
#                     "started", "startError", "log"}}
# Logs go to stderr and to SCENARIO_DIR/out/ (recreated on every run): registries/<name>.access.log, <name>.log,
# <name>.json, <name>.config.yml (adapted caller configs), <name>.status; nginx/{nginx.conf,test.out,nginx.log};
# cases/<case>/{config-dump.toml,config-dump.err,daemon-config.toml,containerd.log,plugins.txt,pull.json,
# pull-<i>.json,purge-<i>.log,meta}.
# Exit code: 0 when the harness worked (failed pulls included: the caller judges the JSON), 2 on harness
# errors (bad scenario, generated registry/push failure, missing tools, not root).
#
# Isolation: the script re-executes itself in 'unshare --net --mount --propagation private' (loopback only,
# private mounts), mounts a tmpfs over /run there, and starts every child with a parent-death signal; at the end
# whatever still runs in the private network namespace is killed. Nothing leaves the machine and nothing outlives
# the run. Only side effect outside the namespace: /etc/containerd and missing "mounts" targets are created (and
# removed again) when they do not exist, because they are bind-mount targets.
#
# Needs: root, bash, util-linux (unshare, setpriv, mount), iproute2, docker-registry, and
# /usr/bin/python3 with python3-grpcio + python3-grpc-tools (override: NODE_E2E_PYTHON); python3-yaml for
# registry "config"; nginx + libnginx-mod-stream for "nginx" (override: NGINX_BIN, NGINX_STREAM_MODULE).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF=$HERE/$(basename "${BASH_SOURCE[0]}")
PY=${NODE_E2E_PYTHON:-/usr/bin/python3}
REGISTRY_BIN=${REGISTRY_BIN:-docker-registry}
export NGINX_BIN=${NGINX_BIN:-nginx}
NODE_CONFIG_DIR=/etc/containerd
DAEMON_START_TIMEOUT_MS=15000
export PYTHONDONTWRITEBYTECODE=1

log() { printf 'node-e2e: %s\n' "$*" >&2; }
die() { printf 'node-e2e: ERROR: %s\n' "$*" >&2; exit 2; }
now_ms() { local t=$EPOCHREALTIME; echo $(( ${t%[.,]*} * 1000 + 10#${t#*[.,]} / 1000 )); }
secs() { local ms=$(( $(now_ms) - $1 )); printf '%d.%03d' $((ms / 1000)) $((ms % 1000)); }
usage() { sed -n '2,/^set -uo pipefail/p' "$SELF" | sed -e '$d' -e 's/^# \{0,1\}//'; }
count_lines() { if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi; }

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
WORK=""; OUT=""; DAEMON_PID=""; COMPILE_PID=""; ETC_MOUNTED=""; CREATED_ETC=""; NGINX_PID=""
REG_PIDS=(); REG_NAMES=(); MOUNTED=(); CREATED=(); UP_URLS=()

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

reap_namespace() { # whatever still runs in this private network namespace is ours (e.g. orphaned nginx workers)
  local ns p pid
  ns=$(readlink "/proc/$$/ns/net") || return 0
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    [ "$pid" != "$$" ] && [ "$pid" != "$BASHPID" ] || continue
    [ "$(readlink "$p/ns/net" 2>/dev/null)" = "$ns" ] || continue
    alive "$pid" || continue
    log "left-over process $pid ($(cat "$p/comm" 2>/dev/null)) in the test namespace: SIGKILL"
    kill -KILL "$pid" 2>/dev/null
  done
}

cleanup() {
  local p i
  [ -z "$DAEMON_PID" ] || stop_pid "$DAEMON_PID"
  DAEMON_PID=""
  [ -z "$NGINX_PID" ] || stop_pid "$NGINX_PID"
  NGINX_PID=""
  [ -z "$COMPILE_PID" ] || stop_pid "$COMPILE_PID"
  for p in "${REG_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${REG_PIDS[@]}"; do stop_pid "$p"; done
  REG_PIDS=()
  reap_namespace
  [ -z "$WORK" ] || unmount_under "$WORK"
  if [ -n "$ETC_MOUNTED" ]; then umount "$NODE_CONFIG_DIR" 2>/dev/null || umount -l "$NODE_CONFIG_DIR"; fi
  for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTED[$i]}" 2>/dev/null || umount -l "${MOUNTED[$i]}" 2>/dev/null || log "warning: cannot unmount ${MOUNTED[$i]}"
  done
  MOUNTED=()
  [ -z "$WORK" ] || [ ! -d "$WORK" ] || rm -rf "$WORK"
  [ -z "$CREATED_ETC" ] || rmdir "$NODE_CONFIG_DIR" 2>/dev/null || true
  for ((i = ${#CREATED[@]} - 1; i >= 0; i--)); do   # mount points made for "mounts", deepest first
    if [ -d "${CREATED[$i]}" ]; then rmdir "${CREATED[$i]}"; else rm -f "${CREATED[$i]}"; fi \
      || log "warning: cannot remove ${CREATED[$i]}"
  done
  CREATED=()
}

make_mount_point() { # TARGET SOURCE: creates what is missing of TARGET (a dir, or an empty file for a file SOURCE)
  local target=$1 src=$2 p=$1 missing=() i
  [ -e "$target" ] && return 0
  while [ ! -e "$p" ]; do missing=("$p" "${missing[@]}"); p=$(dirname "$p"); done
  for ((i = 0; i < ${#missing[@]}; i++)); do
    if [ "$i" -eq $((${#missing[@]} - 1)) ] && [ ! -d "$src" ]; then
      : > "${missing[$i]}" || die "cannot create mount point ${missing[$i]}"
    else
      mkdir "${missing[$i]}" || die "cannot create mount point ${missing[$i]}"
    fi
    CREATED+=("${missing[$i]}")
  done
}

apply_mounts() { # the M (scenario "mounts", read-only) and F (passwd/group copies) lines of the plan
  local kind target src
  while IFS=$'\t' read -r kind target src; do
    case $kind in
      M) make_mount_point "$target" "$src" ;;
      F) ;;
      *) continue ;;
    esac
    mount --bind "$src" "$target" || die "bind mount $src -> $target failed"
    MOUNTED+=("$target")
    if [ "$kind" = M ]; then
      mount -o remount,bind,ro "$target" || log "warning: cannot make $target read-only"
    fi
    log "mounted $src on $target"
  done < <(grep -E '^[MF]' <<<"$PLAN")
}

start_registries() { # $1: 0 = registries, 1 = pull-through caches (R lines of the plan); waits for their /v2/
  local want=$1 kind name _addr url cfg proxy generated status reason
  local -a specs=()
  local -A gen=() urls=()
  while IFS=$'\t' read -r kind name _addr url cfg proxy generated; do
    [ "$kind" = R ] && [ "$proxy" = "$want" ] || continue
    # distribution writes the access log (one combined-format line per request) to stdout, the rest to stderr
    setpriv --pdeathsig KILL -- "$REGISTRY_BIN" serve "$cfg" \
      < /dev/null > "$OUT/registries/$name.access.log" 2> "$OUT/registries/$name.log" &
    REG_PIDS+=($!); REG_NAMES+=("$name")
    specs+=("$name=$!=$url"); gen[$name]=$generated; urls[$name]=$url
    log "registry $name on $url$([ "$proxy" = 1 ] && echo ' (pull-through cache)'), pid $!"
  done < <(grep '^R' <<<"$PLAN")
  [ ${#specs[@]} -gt 0 ] || return 0
  while IFS=$'\t' read -r name status; do
    if [ "$status" = ok ]; then
      echo ok > "$OUT/registries/$name.status"
      UP_URLS+=("$name=${urls[$name]}")
      continue
    fi
    reason=$(grep -iE 'panic|fatal|level=error' "$OUT/registries/$name.log" | tail -n 2 \
      | sed 's/^time="[^"]*" //' | cut -c1-300 | paste -sd ' ')
    printf '%s%s\n' "$status" "${reason:+: $reason}" > "$OUT/registries/$name.status"
    if [ "${gen[$name]}" = 1 ]; then
      sed "s/^/  $name: /" "$OUT/registries/$name.log" | tail -n 5 >&2
      die "registry $name: $status"
    fi
    log "registry $name did not come up: $(cat "$OUT/registries/$name.status")"
  done < <("$PY" "$HERE/_push_image.py" --wait-http "${specs[@]}")
}

start_nginx() { # the N line of the plan: nginx -t, then nginx in the foreground until the end of the run
  local kind conf listen daemon pidfile rc
  IFS=$'\t' read -r kind conf listen daemon pidfile < <(grep '^N' <<<"$PLAN")
  [ "$kind" = N ] || return 0
  command -v "$NGINX_BIN" >/dev/null || die "missing program: $NGINX_BIN"
  "$NGINX_BIN" -t -c "$conf" -e stderr < /dev/null > "$OUT/nginx/test.out" 2>&1
  rc=$?
  echo "$rc" > "$OUT/nginx/test.rc"
  log "nginx -t: exit $rc"
  if [ "$rc" != 0 ]; then
    sed 's/^/  nginx -t: /' "$OUT/nginx/test.out" >&2
    echo "not started: nginx -t failed with exit code $rc" > "$OUT/nginx/status"
    return 0
  fi
  if [ "$daemon" = on ]; then  # the config daemonizes nginx itself: follow its pid file
    "$NGINX_BIN" -c "$conf" -e stderr < /dev/null > "$OUT/nginx/nginx.log" 2>&1
    rc=$?
    NGINX_PID=$(cat "$pidfile" 2>/dev/null)
    [ "$rc" = 0 ] && [ -n "$NGINX_PID" ] || NGINX_PID=""
  else
    local -a args=(-c "$conf" -e stderr)
    [ "$daemon" = off ] || args+=(-g 'daemon off;')
    setpriv --pdeathsig KILL -- "$NGINX_BIN" "${args[@]}" < /dev/null > "$OUT/nginx/nginx.log" 2>&1 &
    NGINX_PID=$!
  fi
  # shellcheck disable=SC2086 # listen is a comma list of host:port without spaces
  if [ -n "$NGINX_PID" ] && "$PY" "$HERE/_push_image.py" --wait-tcp "$NGINX_PID" ${listen//,/ } 2> "$WORK/nginx-wait.err"; then
    echo ok > "$OUT/nginx/status"
    log "nginx pid $NGINX_PID accepts connections on $listen"
  else
    { cat "$WORK/nginx-wait.err" 2>/dev/null; grep -E 'emerg|alert|crit' "$OUT/nginx/nginx.log" | tail -n 2; } \
      | paste -sd ' ' | sed 's/^$/nginx did not start/' > "$OUT/nginx/status"
    log "nginx did not start: $(cat "$OUT/nginx/status")"
  fi
}

access_bytes() { # total size of all access logs
  local r total=0
  for r in "${REG_NAMES[@]}"; do total=$((total + $(stat -c %s "$OUT/registries/$r.access.log" 2>/dev/null || echo 0))); done
  echo "$total"
}

settle_access_logs() { # a registry logs a request after answering it: wait until the logs stay still (<= 1 s)
  local before after i
  before=$(access_bytes)
  for ((i = 0; i < 20; i++)); do
    sleep 0.05
    after=$(access_bytes)
    [ "$after" != "$before" ] || return 0
    before=$after
  done
}

purge_image() { # SOCK REF: remove the pulled image, every content blob and every snapshot of namespace k8s.io
  local sock=$1 ref=$2 round left
  local -a c=("$CTR" -a "$sock" -n k8s.io) items=()
  "$PY" "$HERE/_cri.py" rm "$WORK/cri" "$sock" "$ref" || echo "CRI RemoveImage failed (continuing)"
  mapfile -t items < <("${c[@]}" images ls -q)
  echo "images left after RemoveImage: ${items[*]:-none}"
  [ ${#items[@]} -eq 0 ] || "${c[@]}" images rm --sync "${items[@]}" || true
  mapfile -t items < <("${c[@]}" content ls -q)
  echo "content rm: ${items[*]:-nothing}"
  [ ${#items[@]} -eq 0 ] || "${c[@]}" content rm "${items[@]}" || true
  for round in 1 2 3 4 5; do  # a parent snapshot goes only after its children
    mapfile -t items < <("${c[@]}" snapshots ls | awk 'NR > 1 {print $1}')
    [ ${#items[@]} -gt 0 ] || break
    echo "snapshots rm (round $round): ${items[*]}"
    "${c[@]}" snapshots rm "${items[@]}" || true
  done
  left=$({ "${c[@]}" images ls -q; "${c[@]}" content ls -q; "${c[@]}" snapshots ls | awk 'NR > 1 {print $1}'; } \
    | paste -sd ' ')
  [ -z "$left" ] || { echo "left after purge: $left"; return 1; }
}

# run_case NAME TREE_ETC_DIR CONFIG_REL PULL_REF PULLS -> files in $OUT/cases/NAME/
run_case() {
  local name=$1 etc=$2 rel=$3 ref=$4 pulls=$5
  local cdir=$OUT/cases/$name t0 cfg dump_rc state=timeout r d sock i f extra=""
  local -A start=() pstart=()
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
    # d. CRI PullImage, as kubelet sends it; between pulls everything pulled goes, so each pull hits the network
    for ((i = 1; i <= pulls; i++)); do
      if [ "$i" -gt 1 ]; then
        if purge_image "$sock" "$ref" > "$cdir/purge-$i.log" 2>&1; then
          extra+="purge.$i=ok"$'\n'
        else
          extra+="purge.$i=$(tail -n 1 "$cdir/purge-$i.log" | tr -d '\n' | cut -c1-300)"$'\n'
        fi
      fi
      for r in "${REG_NAMES[@]}"; do pstart[$r]=$(count_lines "$OUT/registries/$r.access.log"); done
      f=pull.json; [ "$i" = 1 ] || f=pull-$i.json
      "$PY" "$HERE/_cri.py" pull "$WORK/cri" "$sock" "$ref" > "$cdir/$f" 2> "$cdir/${f%.json}.err"
      settle_access_logs
      for r in "${REG_NAMES[@]}"; do
        extra+="pull.$i.$r=${pstart[$r]} $(count_lines "$OUT/registries/$r.access.log")"$'\n'
      done
      log "case $name: pull $i/$pulls $ref: $(cut -c1-300 "$cdir/$f")"
    done
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
    printf '%s' "$extra"
    printf 'seconds=%s\n' "$(secs "$t0")"
  } > "$cdir/meta"
}

inner() {
  BIN=$1; SCEN=$2
  CTRD=$BIN/containerd; CTR=$BIN/ctr
  local version=$NODE_E2E_VERSION t0 t kind name etc rel ref pulls image_id
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
  PLAN=$("$PY" "$HERE/_scenario.py" plan "$SCEN" "$WORK" "$OUT") || die "invalid scenario (see above)"
  log "containerd $version (major $CTRD_MAJOR) from $BIN; scenario $SCEN; work dir $WORK"

  # 1. mounts, registries (pull-through caches after the rest); the CRI stubs compile meanwhile
  t=$(now_ms)
  "$PY" "$HERE/_cri.py" compile "$WORK/cri" > "$OUT/cri-compile.log" 2>&1 &
  COMPILE_PID=$!
  apply_mounts
  start_registries 0
  start_registries 1
  # 2. one image, pushed everywhere
  if ! NODE_E2E_REGISTRY_URLS="${UP_URLS[*]}" "$PY" "$HERE/_push_image.py" "$SCEN" > "$WORK/image.json" 2> "$OUT/push.log"; then
    cat "$OUT/push.log" >&2
    for name in "${REG_NAMES[@]}"; do
      grep -m3 -iE 'panic|fatal|error' "$OUT/registries/$name.log" | sed "s/^/  $name: /" >&2
    done
    die "image push failed"
  fi
  image_id=$(sed -n 's/.*"imageId": *"\([^"]*\)".*/\1/p' "$WORK/image.json")
  [ -n "$image_id" ] || die "no image id from _push_image.py"
  # 3. nginx in front (optional)
  start_nginx
  wait "$COMPILE_PID" || { cat "$OUT/cri-compile.log" >&2; COMPILE_PID=""; die "CRI stub compilation failed"; }
  COMPILE_PID=""
  log "registries started, image $image_id pushed, CRI stubs ready in $(secs "$t")s"

  # 4. cases
  if [ ! -d "$NODE_CONFIG_DIR" ]; then
    mkdir -p "$NODE_CONFIG_DIR" || die "cannot create $NODE_CONFIG_DIR"
    CREATED_ETC=1
  fi
  local line
  mapfile -t CASE_LINES < <(grep '^C' <<<"$PLAN")
  for line in "${CASE_LINES[@]}"; do
    IFS=$'\t' read -r kind name etc rel ref pulls <<<"$line"
    run_case "$name" "$etc" "$rel" "$ref" "$pulls" < /dev/null
  done
  if [ -n "$NGINX_PID" ]; then stop_pid "$NGINX_PID"; NGINX_PID=""; fi

  # 5. report (the registries are stopped by the EXIT trap)
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
