#!/usr/bin/env bash
# Prints the address of the workshop's ingress when Istio runs it: the first
# address in the status of Gateway "ingress".
set -euo pipefail

kubectl get gateway ingress -n default \
  -o jsonpath='{.status.addresses[0].value}'
