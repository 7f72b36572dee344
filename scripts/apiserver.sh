#!/usr/bin/env bash
# A real, throwaway Kubernetes control plane (etcd + kube-apiserver + kube-controller-manager; no
# nodes, no scheduler) for server-side dry-run tests, which check what JSON-schema validation cannot
# (CRD CEL rules, defaulting, admission), and for live `tofu apply`/`destroy` of what we synthesize.
# The controller manager runs the namespace and garbage-collector controllers (so deleting a
# namespace completes and owned objects are collected), the Deployment/StatefulSet/ReplicaSet
# controllers (their Pods stay Pending: there is no node), and the rest of its default set. scripts/tools.sh builds both binaries from Go modules into the tools
# cache (recipes: ../shared/TOOLCHAIN.md §6); this script only starts and stops them.
#
#   scripts/apiserver.sh build       = scripts/tools.sh, which builds kube-apiserver and etcd (pins
#                                    in tools/versions.env) with the other tools
#   scripts/apiserver.sh start DIR   start etcd + kube-apiserver on free loopback ports, data and
#                                    certs under DIR, then kube-controller-manager (unless
#                                    DW_KUBE_CONTROLLERS=0); waits for /readyz; writes DIR/kubeconfig,
#                                    DIR/server, DIR/token, DIR/pids (logs: DIR/*.log)
#   scripts/apiserver.sh stop DIR    stop what `start DIR` started
#   scripts/apiserver.sh --env       print `export DW_KUBE_APISERVER=... DW_ETCD=...`
#
# Cache: $DW_TOOLS_CACHE (default ~/.cache/dw-constructs/tools), like scripts/tools.sh.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Binary paths (and pins) come from the toolchain script, which builds them.
eval "$(bash "$ROOT/scripts/tools.sh" --env)"
APISERVER_BIN=$DW_KUBE_APISERVER
ETCD_BIN=$DW_ETCD
KCM_BIN=$DW_KUBE_CONTROLLER_MANAGER

die() { echo "apiserver: $*" >&2; exit 1; }
now() { date +%s; }

# ----------------------------------------------------------------------------------------- start
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_for SECONDS PID LOG CMD...: poll CMD until it succeeds; fail if PID dies or time runs out.
wait_for() {
  local secs=$1 pid=$2 log=$3 i; shift 3
  for ((i = 0; i < secs * 5; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "apiserver: process $pid exited; last lines of $log:" >&2; tail -n 30 "$log" >&2; return 1
    fi
    sleep 0.2
  done
  echo "apiserver: not ready after ${secs}s; last lines of $log:" >&2; tail -n 30 "$log" >&2; return 1
}

cmd_start() {
  local dir=${1:?usage: apiserver.sh start DIR} t0 etcd_port peer_port api_port token etcd_pid api_pid
  [[ -x $ETCD_BIN && -x $APISERVER_BIN ]] || die "not built: run 'scripts/tools.sh' (make tools) first"
  [[ ! -e $dir/pids ]] || die "$dir/pids exists: already started? ('apiserver.sh stop $dir' first)"
  command -v openssl >/dev/null || die "openssl is needed (service-account key pair)"
  command -v curl >/dev/null || die "curl is needed"
  mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
  t0=$(date +%s.%N)
  etcd_port=$(free_port); peer_port=$(free_port); api_port=$(free_port)
  token=$(openssl rand -hex 24)
  mkdir -p "$dir/certs" "$dir/etcd" && chmod 700 "$dir/etcd"
  printf '%s,admin,admin,"system:masters"\n' "$token" >"$dir/tokens.csv"
  echo "$token" >"$dir/token"; chmod 600 "$dir/tokens.csv" "$dir/token"
  openssl genrsa -out "$dir/certs/sa.key" 2048 2>/dev/null
  openssl rsa -in "$dir/certs/sa.key" -pubout -out "$dir/certs/sa.pub" 2>/dev/null

  # setsid: own process group, so the servers outlive this script and an interactive ^C.
  setsid "$ETCD_BIN" --name dw-test --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "dw-test=http://127.0.0.1:$peer_port" --unsafe-no-fsync --log-level warn \
    </dev/null >"$dir/etcd.log" 2>&1 &
  etcd_pid=$!
  echo "etcd=$etcd_pid" >"$dir/pids"
  wait_for 30 "$etcd_pid" "$dir/etcd.log" curl -fsS "http://127.0.0.1:$etcd_port/health" || { cmd_stop "$dir"; exit 1; }

  setsid "$APISERVER_BIN" --etcd-servers "http://127.0.0.1:$etcd_port" \
    --cert-dir "$dir/certs" --secure-port "$api_port" --bind-address 127.0.0.1 --advertise-address 127.0.0.1 \
    --service-cluster-ip-range 10.0.0.0/24 --authorization-mode RBAC --allow-privileged=true \
    --disable-admission-plugins ServiceAccount --token-auth-file "$dir/tokens.csv" \
    --service-account-issuer "https://127.0.0.1:$api_port/" \
    --service-account-key-file "$dir/certs/sa.pub" --service-account-signing-key-file "$dir/certs/sa.key" \
    </dev/null >"$dir/kube-apiserver.log" 2>&1 &
  api_pid=$!
  echo "kube-apiserver=$api_pid" >>"$dir/pids"
  wait_for 120 "$api_pid" "$dir/kube-apiserver.log" \
    curl -fsS -k -H "Authorization: Bearer $token" "https://127.0.0.1:$api_port/readyz" || { cmd_stop "$dir"; exit 1; }

  # The serving cert is self-signed into --cert-dir; trust exactly that file.
  local ca; ca=$(base64 -w0 <"$dir/certs/apiserver.crt")
  cat >"$dir/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: dw-test
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority-data: $ca
users:
- name: admin
  user:
    token: $token
contexts:
- name: dw-test
  context: {cluster: dw-test, user: admin, namespace: default}
current-context: dw-test
EOF
  chmod 600 "$dir/kubeconfig"
  echo "https://127.0.0.1:$api_port" >"$dir/server"

  if [[ ${DW_KUBE_CONTROLLERS:-1} != 0 ]]; then
    [[ -x $KCM_BIN ]] || { cmd_stop "$dir"; die "kube-controller-manager not built: run 'scripts/tools.sh'"; }
    # No serving port (--secure-port=0): nothing scrapes it. Service-account tokens are signed with
    # the key the API server verifies; the admin token from the kubeconfig authenticates it.
    setsid "$KCM_BIN" --kubeconfig "$dir/kubeconfig" --leader-elect=false --secure-port=0 \
      --service-account-private-key-file "$dir/certs/sa.key" --root-ca-file "$dir/certs/apiserver.crt" \
      --use-service-account-credentials=false --cluster-name dw-test \
      --concurrent-gc-syncs 5 --concurrent-namespace-syncs 5 \
      </dev/null >"$dir/kube-controller-manager.log" 2>&1 &
    local kcm_pid=$!
    echo "kube-controller-manager=$kcm_pid" >>"$dir/pids"
    # Ready when its controllers run: the namespace controller finalizes a namespace we delete.
    kcm_probe "$api_port" "$token" || { cmd_stop "$dir"; die "could not create the probe namespace"; }
    wait_for 120 "$kcm_pid" "$dir/kube-controller-manager.log" kcm_gone "$api_port" "$token" \
      || { cmd_stop "$dir"; exit 1; }
  fi
  local secs; secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  echo "apiserver: ready at https://127.0.0.1:$api_port in ${secs}s (kubeconfig: $dir/kubeconfig)"
}

# kcm_probe PORT TOKEN: create and delete a probe namespace; kcm_gone PORT TOKEN: it is gone. The
# controller manager is ready when its namespace controller finalized the probe (it reports
# healthy leases only with leader election, so probe behaviour).
kcm_probe() {
  local base="https://127.0.0.1:$1/api/v1/namespaces" auth="Authorization: Bearer $2"
  curl -fsS -k -H "$auth" -H 'Content-Type: application/json' -X POST "$base" \
    -d '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"dw-kcm-probe"}}' >/dev/null
  curl -fsS -k -H "$auth" -X DELETE "$base/dw-kcm-probe" >/dev/null
}
kcm_gone() {
  local code
  code=$(curl -sS -k -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $2" \
    "https://127.0.0.1:$1/api/v1/namespaces/dw-kcm-probe")
  [[ $code == 404 ]]
}

# ------------------------------------------------------------------------------------------ stop
# stop_pid PID DIR: TERM, then KILL after 15 s. Only a process whose command line names DIR (so
# one we started, not a recycled pid).
stop_pid() {
  local pid=$1 dir=$2 i
  [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$dir" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 75; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  echo "apiserver: $pid did not stop on TERM; killing" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

cmd_stop() {
  local dir=${1:?usage: apiserver.sh stop DIR} line
  [[ -f $dir/pids ]] || { echo "apiserver: nothing to stop in $dir"; return 0; }
  dir=$(cd "$dir" && pwd)
  # controller manager, kube-apiserver, then etcd (reverse start order).
  for line in $(tac "$dir/pids"); do stop_pid "${line#*=}" "$dir"; done
  rm -f "$dir/pids"
  echo "apiserver: stopped ($dir)"
}

case ${1:-} in
  build) bash "$ROOT/scripts/tools.sh" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  --env) printf 'export DW_KUBE_APISERVER="%s"\nexport DW_ETCD="%s"\nexport DW_KUBE_CONTROLLER_MANAGER="%s"\n' \
           "$APISERVER_BIN" "$ETCD_BIN" "$KCM_BIN" ;;
  *) echo "usage: $0 build | start DIR | stop DIR | --env" >&2; exit 2 ;;
esac
