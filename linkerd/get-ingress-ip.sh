#!/usr/bin/env bash
# Prints the address of the workshop's ingress when Envoy Gateway runs it:
# the load-balancer IP of the Service Envoy Gateway made for Gateway "ingress".
set -euo pipefail

kubectl get service -n envoy-gateway-system \
  -l gateway.envoyproxy.io/owning-gateway-name=ingress \
  -o jsonpath='{.items[0].status.loadBalancer.ingress[0].ip}'
