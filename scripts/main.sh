#!/usr/bin/env bash
# june's main job on a fresh machine: set everything up (.ci/setup.sh), fetch the model, then run
#   june run-benchmarks --dataset humaneval --model <default coder> [your arguments]
# Arguments are passed to run-benchmarks; --model and --mirror are also used for the download, e.g.
#   bash scripts/main.sh --mirror ../shared --model llama-2-tiny-random --limit 5
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../.ci/setup.sh
source .ci/setup.sh

model="" mirror="${JUNE_MIRROR:-}"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --model | -m) model="${args[i + 1]:-}" ;;
    --model=*) model="${args[i]#--model=}" ;;
    --mirror) mirror="${args[i + 1]:-}" ;;
    --mirror=*) mirror="${args[i]#--mirror=}" ;;
  esac
done
if [ -z "$model" ]; then
  model=$(node --input-type=module -e "import {loadCatalog, defaultFor} from './dist/runtime/catalog.js'; console.log(defaultFor(loadCatalog(), 'coder').id)")
  args=(--model "$model" "${args[@]}")
fi
if [ ! -f "$model" ]; then
  log "june download-models $model"
  node bin/run.js download-models "$model" ${mirror:+--mirror "$mirror"}
fi

log "june run-benchmarks --dataset humaneval ${args[*]}"
exec node bin/run.js run-benchmarks --dataset humaneval "${args[@]}"
