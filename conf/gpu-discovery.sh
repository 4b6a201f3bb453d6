#!/bin/sh
# Spark GPU discovery script: prints the GPUs this process can use, as CUDA device ordinals,
#   {"name": "gpu", "addresses": ["0", "1"]}
# Set as spark.executor.resource.gpu.discoveryScript (and spark.driver.resource.gpu.discoveryScript;
# spark.worker.resource.gpu.discoveryScript on standalone clusters).
#
# Why ordinals: each alexnet task pins ND4J to the address Spark hands it, and ND4J (CUDA) takes a
# device ordinal, which counts only the devices visible to the process, from 0. With
# CUDA_VISIBLE_DEVICES=2,3 the process sees physical GPUs 2 and 3 as devices 0 and 1; printing "2"
# and "3" would pin tasks to devices that do not exist. Likewise a container given GPUs 2 and 3
# (Kubernetes device plugin, YARN with Docker or cgroups isolation) sees only those two. So the
# script counts the visible GPUs and prints 0..n-1:
#   1. CUDA_VISIBLE_DEVICES set: one ordinal per entry (indices, GPU-<uuid> or MIG-<uuid> alike), up
#      to the first negative index, which hides the rest from CUDA.
#   2. otherwise: one ordinal per GPU that nvidia-smi lists (NVIDIA_SMI names another command).
# It fails, saying why, when it finds no GPU (nvidia-smi missing, failing or listing nothing,
# CUDA_VISIBLE_DEVICES empty): Spark then stops the executor with this message instead of
# scheduling GPU tasks that cannot run.
#
# On YARN without Docker, GPUs are isolated by the NodeManager's cgroups device controller and
# nvidia-smi lists only the container's GPUs; without isolation (no yarn.io/gpu resource plugin)
# every executor on a node would see, and use, all of its GPUs.
#
# Plain POSIX sh: it runs on every node image, whatever its bash.
set -eu

count=0
if [ -n "${CUDA_VISIBLE_DEVICES+set}" ]; then
  rest="$CUDA_VISIBLE_DEVICES,"
  while [ -n "$rest" ]; do
    entry="${rest%%,*}"
    rest="${rest#*,}"
    entry="$(printf '%s' "$entry" | tr -d ' \t')"
    case "$entry" in
      "") ;;
      -*) break ;;
      *) count=$((count + 1)) ;;
    esac
  done
  if [ "$count" -eq 0 ]; then
    echo "gpu-discovery.sh: CUDA_VISIBLE_DEVICES='$CUDA_VISIBLE_DEVICES' makes every GPU invisible to this process" >&2
    exit 1
  fi
else
  smi="${NVIDIA_SMI:-nvidia-smi}"
  if ! command -v "$smi" >/dev/null 2>&1; then
    echo "gpu-discovery.sh: '$smi' not found: install the NVIDIA driver utilities on this node, or set CUDA_VISIBLE_DEVICES" >&2
    exit 1
  fi
  if ! listing="$("$smi" --query-gpu=index --format=csv,noheader 2>&1)"; then
    echo "gpu-discovery.sh: '$smi --query-gpu=index' failed: $listing" >&2
    exit 1
  fi
  count="$(printf '%s\n' "$listing" | grep -c '^[[:space:]]*[0-9]' || true)"
  if [ "$count" -eq 0 ]; then
    echo "gpu-discovery.sh: '$smi' lists no GPU on $(hostname)" >&2
    exit 1
  fi
fi

addresses=""
i=0
while [ "$i" -lt "$count" ]; do
  addresses="$addresses${addresses:+, }\"$i\""
  i=$((i + 1))
done
printf '{"name": "gpu", "addresses": [%s]}\n' "$addresses"
