#!/usr/bin/env bash
# Spark GPU discovery script: prints the GPUs of this node as Spark expects,
#   {"name": "gpu", "addresses": ["0", "1"]}
# Used with spark.executor.resource.gpu.discoveryScript (and spark.worker.resource.gpu.discoveryScript
# on standalone clusters). Respects CUDA_VISIBLE_DEVICES when a resource manager has set it.
set -euo pipefail
if [[ -n "${CUDA_VISIBLE_DEVICES:-}" ]]; then
  IFS=',' read -r -a ids <<< "$CUDA_VISIBLE_DEVICES"
else
  mapfile -t ids < <(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null | tr -d ' ')
fi
printf '{"name": "gpu", "addresses": ['
for i in "${!ids[@]}"; do
  [[ $i -gt 0 ]] && printf ', '
  printf '"%s"' "${ids[$i]}"
done
printf ']}\n'
