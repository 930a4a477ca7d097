#!/usr/bin/env bash
# Makes a local k3d cluster for the Gateway API workshop.
#
#   bash create-cluster.sh            # cluster "gateway-api-workshop"
#   CLUSTER=mine bash create-cluster.sh
#
# Ports 80 and 443 of this machine reach the cluster's load balancer, so the
# workshop's GUI is at http://localhost/gui/. Traefik, which k3s would install
# as its ingress, is left out: the workshop brings its own Gateway. Images
# already in the local Docker are copied into the cluster, which saves
# downloading them again (set IMPORT_IMAGES=no to skip that).
set -euo pipefail

CLUSTER="${CLUSTER:-gateway-api-workshop}"

# Start from nothing: an old cluster of the same name is deleted first.
k3d cluster delete "$CLUSTER" >/dev/null 2>&1 || true

k3d cluster create "$CLUSTER" \
  -p "80:80@loadbalancer" \
  -p "443:443@loadbalancer" \
  --k3s-arg '--disable=traefik@server:*;agents:*'

if [ "${IMPORT_IMAGES:-yes}" != no ] && command -v docker >/dev/null 2>&1; then
  images=()
  while IFS= read -r image; do
    images+=("$image")
  done < <(docker image ls --format '{{.Repository}}:{{.Tag}}' 2>/dev/null \
    | grep -E '(envoyproxy|buoyantio|linkerd|istio)/' | grep -v ':<none>$' || true)
  if [ "${#images[@]}" -gt 0 ]; then
    echo "Importing ${#images[@]} local images into $CLUSTER"
    k3d image import -c "$CLUSTER" "${images[@]}"
  fi
fi

kubectl cluster-info
