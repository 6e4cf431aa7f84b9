# Lectern node image: gateway + SFU workers + analyzer processes (one process tree), as run by
# docker-compose.yml (two nodes). Node 24 (package.json "engines"); the mediasoup worker is built
# from the npm package's sources against Debian 12 libraries by npm ci's postinstall
# (scripts/mediasoup-worker.sh), exactly as on a bare machine — hence the toolchain below.
FROM node:24-bookworm

# Build tools and libraries of the mediasoup worker (scripts/mediasoup-worker.sh's list); ffmpeg
# for recording; PocketSphinx + its English model (offline captions when no sherpa-onnx model is
# installed); bzip2 for model archives (npm run models). Same list as scripts/setup.sh minus the
# test-only packages (chromium, test speech, poppler).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ make pkg-config meson ninja-build python3 patch \
      libssl-dev libuv1-dev libsrtp2-dev libabsl-dev libflatbuffers-dev flatbuffers-compiler \
      ffmpeg sox pocketsphinx pocketsphinx-en-us bzip2 \
    && rm -rf /var/lib/apt/lists/*

# npm >= 11 is needed for package.json "allowScripts" (keeps mediasoup's and onnxruntime-node's
# downloading install scripts from running); pinned like scripts/node.sh.
ARG NPM_VERSION=11.19.1
RUN npm install -g "npm@${NPM_VERSION}" && npm --version

WORKDIR /app
# Dependencies first (cached until a package.json or the lock changes). The postinstall needs
# scripts/ and patches/ (mediasoup worker build); workspaces need their package.json files.
COPY package.json package-lock.json ./
COPY scripts/ scripts/
COPY patches/ patches/
COPY contract/package.json contract/
COPY sfu/package.json sfu/
COPY analyzers/package.json analyzers/
COPY gateway/package.json gateway/
COPY web/package.json web/
COPY models/package.json models/
RUN npm ci --no-audit --no-fund

COPY . .
RUN npm run build:web

ENV HOST=0.0.0.0 PORT=8080 LECTERN_RTC_LISTEN_IP=0.0.0.0
EXPOSE 8080 40000-40199/udp 40000-40199/tcp
# tsx straight from node_modules (no npx look-up at start); main.ts handles SIGTERM.
CMD ["node_modules/.bin/tsx", "gateway/src/main.ts"]
