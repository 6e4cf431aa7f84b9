# Lectern node image: gateway + SFU workers + analyzer processes (one process tree).
# Builds the mediasoup worker from the npm package's sources against Debian libraries, exactly
# as on a bare machine (scripts/mediasoup-worker.sh).
FROM node:20-bookworm
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ make pkg-config meson ninja-build python3 libssl-dev libuv1-dev libsrtp2-dev libusrsctp-dev \
      libabsl-dev libflatbuffers-dev flatbuffers-compiler ffmpeg sox pocketsphinx pocketsphinx-en-us \
    && rm -rf /var/lib/apt/lists/*
RUN npm install -g npm@11
WORKDIR /app
COPY . .
RUN npm ci && npm run build -w web
ENV HOST=0.0.0.0 LECTERN_RTC_LISTEN_IP=0.0.0.0
EXPOSE 8080 40000-40100/udp
CMD ["npx", "tsx", "gateway/src/main.ts"]
