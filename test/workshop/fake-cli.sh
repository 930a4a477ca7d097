#!/usr/bin/env bash
# A stand-in for kubectl, helm, linkerd, istioctl, bat, batcat, curl and k3d in the workshop
# rehearsal tests: the tests copy it under each of those names into a directory first on PATH.
# It appends its call, as one JSON line, to the file named by WORKSHOP_FAKE_LOG. kubectl, helm,
# linkerd and istioctl then ask the fake cluster (fake-cluster.ts) listening at
# WORKSHOP_FAKE_CLUSTER (host:port), and print its answer. bat draws a frame and line numbers
# when BAT_STYLE asks for them and its output is a terminal, as bat does.
set -uo pipefail

name=${0##*/}

# Sets json to $1 as a JSON string (no subshell: the fakes run often). Bytewise: in a UTF-8
# locale, each replacement in a long text (Linkerd's CRDs piped to `kubectl apply -f -`) takes
# seconds, and the characters escaped are ASCII, which no byte of a multibyte character matches.
json_string() {
  local LC_ALL=C
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  json="\"$s\""
}

# Sets call to this call as one JSON object.
call_json() {
  local sep='' arg json
  call='{"argv":['
  for arg in "$name" "$@"; do
    json_string "$arg"
    call+="$sep$json"
    sep=','
  done
  json_string "$PWD"
  call+="],\"cwd\":$json"
  if [[ -n "${stdin_read+x}" ]]; then
    json_string "$stdin_read"
    call+=",\"stdin\":$json"
  fi
  call+='}'
}

log_call() {
  call_json "$@"
  printf '%s\n' "$call" >>"${WORKSHOP_FAKE_LOG:?the fakes need WORKSHOP_FAKE_LOG}"
}

# Sends this call (as log_call left it in $call) to the fake cluster, plays back its answer, and
# exits with its status.
ask_cluster() {
  local address=${WORKSHOP_FAKE_CLUSTER:?the fakes need WORKSHOP_FAKE_CLUSTER}
  local line status=1
  exec 3<>"/dev/tcp/${address%:*}/${address##*:}" || exit 1
  printf '%s\n' "$call" >&3
  while IFS= read -r line <&3 || [[ -n "$line" ]]; do
    case "$line" in
      o:*) printf '%s\n' "${line:2}" ;;
      O:*) printf '%s' "${line:2}" ;;
      e:*) printf '%s\n' "${line:2}" >&2 ;;
      E:*) printf '%s' "${line:2}" >&2 ;;
      x:*) status=${line:2} ;;
      r:)
        cat <&3
        break
        ;;
    esac
  done
  exec 3<&-
  exit "$status"
}

# bat's look with --style=grid,numbers: a rule, a numbered line per source line, a rule.
framed() {
  local file=$1 width=$2 left='───────' right='' i n=0 text number
  for ((i = 0; i < width - 8; i++)); do right+='─'; done
  printf '%s┬%s\n' "$left" "$right"
  while IFS= read -r text || [[ -n "$text" ]]; do
    n=$((n + 1))
    printf -v number '%4d' "$n"
    # Lines too long for the frame wrap, as bat's do.
    while ((${#text} > width - 9)); do
      printf '%s   │ %s\n' "$number" "${text:0:width-9}"
      text=${text:width-9}
      number='    '
    done
    printf '%s   │ %s\n' "$number" "$text"
  done <"$file"
  printf '%s┴%s\n' "$left" "$right"
}

case "$name" in
  kubectl | helm | linkerd | istioctl)
    # Read all of stdin before logging, so that in `linkerd install | kubectl apply -f -` the
    # writer has ended, and logged, first.
    if [[ "$name" == kubectl && "$*" == "apply -f -" ]]; then
      stdin_read=$(
        cat
        printf x
      )
      stdin_read=${stdin_read%x}
    fi
    log_call "$@"
    ask_cluster
    ;;
  bat | batcat)
    log_call "$@"
    width=0
    if [[ -t 1 && "${BAT_STYLE:-}" == *grid* ]]; then
      width=$(stty size 2>/dev/null </dev/tty)
      width=${width#* }
    fi
    for arg in "$@"; do
      [[ "$arg" == -* ]] && continue
      if ((width > 20)); then
        [[ -f "$arg" ]] || {
          echo "[bat error]: '$arg': No such file or directory (os error 2)" >&2
          exit 1
        }
        framed "$arg" "$width"
      else
        cat -- "$arg" || exit 1
      fi
    done
    ;;
  *)
    # curl (whose empty output the download pipes into sh), k3d.
    log_call "$@"
    ;;
esac
