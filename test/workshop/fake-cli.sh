#!/usr/bin/env bash
# A stand-in for kubectl, helm, linkerd, istioctl, bat, batcat, curl and k3d in the workshop
# rehearsal tests: the tests copy it under each of those names into a directory first on PATH.
# It appends its call, as one JSON line, to the file named by WORKSHOP_FAKE_LOG, and answers the
# few questions the workshop asks a cluster. WORKSHOP_FAKE_CLUSTER_DOWN=1: no cluster answers.
set -uo pipefail

name=$(basename "$0")
INGRESS_IP=172.18.0.2

json_string() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  printf '"%s"' "$s"
}

log_call() {
  local line='{"argv":[' sep='' arg
  for arg in "$name" "$@"; do
    line+="$sep$(json_string "$arg")"
    sep=','
  done
  line+='],"cwd":'"$(json_string "$PWD")"
  if [[ -n "${stdin_read+x}" ]]; then line+=',"stdin":'"$(json_string "$stdin_read")"; fi
  printf '%s}\n' "$line" >>"${WORKSHOP_FAKE_LOG:?the fakes need WORKSHOP_FAKE_LOG}"
}

# What `linkerd install` prints: a tiny YAML stream.
linkerd_yaml() {
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: linkerd\n' "$1"
}

case "$name" in
  kubectl)
    # Read all of stdin before logging, so that in `linkerd install | kubectl apply -f -` the
    # writer has ended, and logged, first.
    if [[ "$*" == "apply -f -" ]]; then
      stdin_read=$(
        cat
        printf x
      )
      stdin_read=${stdin_read%x}
    fi
    log_call "$@"
    case "$*" in
      "get namespace kube-system") [[ "${WORKSHOP_FAKE_CLUSTER_DOWN:-}" != 1 ]] ;;
      "get service "*"-o jsonpath="* | "get gateway ingress "*"-o jsonpath="*)
        printf '%s' "$INGRESS_IP"
        ;;
      "apply -f -") ;;
      "apply -f "*)
        [[ -f "$3" ]] || {
          echo "error: the path \"$3\" does not exist" >&2
          exit 1
        }
        ;;
    esac
    ;;
  linkerd)
    log_call "$@"
    if [[ "${1:-}" == install ]]; then
      if [[ "${2:-}" == --crds ]]; then
        linkerd_yaml fake-linkerd-crds
      else
        linkerd_yaml fake-linkerd-control-plane
      fi
    fi
    ;;
  bat | batcat)
    log_call "$@"
    for arg in "$@"; do
      [[ "$arg" == -* ]] || cat -- "$arg" || exit 1
    done
    ;;
  *)
    # helm, istioctl, curl (whose empty output the download pipes into sh), k3d.
    log_call "$@"
    ;;
esac
