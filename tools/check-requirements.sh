#!/usr/bin/env bash
## Requirements check for the Gateway API workshop. README.md imports it on
## its first line, so it runs, unseen, before anything else: when something is
## missing, the presenter hears about all of it at once, and nothing touches
## the cluster.
##
## It can also run on its own: bash tools/check-requirements.sh

workshop_check_requirements() {
  local missing=() mesh="${DEMO_MESH:-}"
  case "$mesh" in
    linkerd | istio) ;;
    "")
      echo "DEMO_MESH is not set: run the workshop as DEMO_MESH=linkerd or DEMO_MESH=istio." >&2
      return 1
      ;;
    *)
      echo "DEMO_MESH=$mesh is not a mesh this workshop knows: use linkerd or istio." >&2
      return 1
      ;;
  esac

  local tool
  for tool in kubectl helm curl; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  # Debian and Ubuntu install bat as batcat.
  if ! command -v bat >/dev/null 2>&1; then
    if command -v batcat >/dev/null 2>&1; then
      # (A one-line body ending in "}" would end the function early for demo readers.)
      bat() {
        batcat "$@"
      }
    else
      missing+=("bat (or batcat)")
    fi
  fi
  # The mesh's CLI is downloaded by its install step, unless the workshop runs offline.
  if [ -n "${DEMO_HOOK_OFFLINE:-}" ]; then
    if [ "$mesh" = linkerd ]; then tool=linkerd; else tool=istioctl; fi
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool (DEMO_HOOK_OFFLINE is set, so it is not downloaded)")
  fi
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "The workshop needs these commands, which are not on PATH:" >&2
    printf '  - %s\n' "${missing[@]}" >&2
    return 1
  fi

  # One question to the cluster: is it there, and which Kubernetes is it?
  local version
  if ! version=$(kubectl get --raw /version 2>/dev/null); then
    echo "No Kubernetes cluster answers (kubectl get --raw /version failed)." >&2
    echo "Create one with: bash create-cluster.sh" >&2
    return 1
  fi
  local major minor
  major=$(printf '%s' "$version" | sed -n 's/.*"major" *: *"\([0-9]*\).*/\1/p')
  minor=$(printf '%s' "$version" | sed -n 's/.*"minor" *: *"\([0-9]*\).*/\1/p')
  if [ -z "$major" ] || [ -z "$minor" ]; then
    echo "The cluster did not say which Kubernetes it runs (kubectl get --raw /version)." >&2
    return 1
  fi
  # Native sidecars (which the meshed Envoy Gateway namespace uses) came in Kubernetes 1.29.
  if [ "$major" -lt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -lt 29 ]; }; then
    echo "The cluster runs Kubernetes $major.$minor; the workshop needs 1.29 or newer (native sidecars)." >&2
    echo "Nothing was installed. Create a newer cluster with: bash create-cluster.sh" >&2
    return 1
  fi

  # Show files as the workshop goes: with a frame and line numbers to follow along, no pager.
  export BAT_PAGING=never BAT_STYLE=grid,numbers
  # The mesh CLIs the install steps download go here, out of the checkout.
  export WORKSHOP_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/gateway-api-workshop"
}

workshop_check_requirements || exit 1
