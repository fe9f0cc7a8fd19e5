# syntax=docker/dockerfile:1
# Container images of Natter's servers and CLI, one target per program, all on Debian 12.
#
#   docker build --target natter-chat -t natter/chat .
#   (targets: natter-auth, natter-presence, natter-chat, natter-gateway, natterctl)
#
# Every target builds the same `build` stage, so building several reuses one compile. No secrets go into
# these images: the servers read NATTER_MYSQL_URL and NATTER_REDIS_URL from their environment at run
# time (see k8s/). tests/deploy/check-dockerfile.mjs checks this file, including that each image installs
# every shared library its binary loads, and nothing it does not. scripts/images builds them all with
# podman from Debian packages alone (docs/DEPLOY.md).

# --- build: the same packages as a developer machine (scripts/install-deps), a Release build ---
FROM debian:12 AS build
WORKDIR /src
COPY scripts/install-deps scripts/install-deps
RUN scripts/install-deps && rm -rf /var/lib/apt/lists/*
COPY . .
# ccache (installed by install-deps) keeps its cache in a BuildKit cache mount between builds.
RUN --mount=type=cache,target=/root/.cache/ccache \
    cmake --preset release \
 && cmake --build build/release --target natter-auth natter-presence natter-chat natter-gateway natterctl \
 && strip build/release/services/auth/natter-auth build/release/services/presence/natter-presence \
          build/release/services/chat/natter-chat build/release/gateway/natter-gateway \
          build/release/tools/natterctl/natterctl

# --- runtime: what every program loads (from `ldd` + `dpkg -S` on the binaries); each program's stage
# below adds only its own. tests/deploy/check-dockerfile.mjs checks that per program. ---
FROM debian:12-slim AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates \
      libabsl20220623 \
      libevent-2.1-7 \
      libevent-pthreads-2.1-7 \
      libfmt9 \
      libgrpc++1.51 \
      libgrpc29 \
      libhiredis0.14 \
      libprometheus-cpp-core1.0 \
      libprometheus-cpp-pull1.0 \
      libprotobuf32 \
      libspdlog1.10 \
      libssl3 \
      libutf8proc2 \
 && rm -rf /var/lib/apt/lists/*
# A fixed numeric user, so Kubernetes can check runAsNonRoot and match runAsUser: 10001.
RUN groupadd --gid 10001 natter \
 && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/natter \
      --shell /usr/sbin/nologin natter

# --- one image per program ---
FROM runtime AS natter-auth
# Qt (QtGui with its X11/Mesa dependencies) only here: natter-auth scales avatars with QImage, no display.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libmariadb3 libmysqlcppconn7v5 libqt5core5a libqt5gui5 libsodium23 \
 && rm -rf /var/lib/apt/lists/*
USER 10001:10001
COPY --from=build /src/build/release/services/auth/natter-auth /usr/local/bin/natter-auth
EXPOSE 50051 9100
ENTRYPOINT ["/usr/local/bin/natter-auth"]

FROM runtime AS natter-presence
USER 10001:10001
COPY --from=build /src/build/release/services/presence/natter-presence /usr/local/bin/natter-presence
EXPOSE 50052 9100
ENTRYPOINT ["/usr/local/bin/natter-presence"]

FROM runtime AS natter-chat
# Qt here too: natter-chat re-encodes uploaded pictures and makes their thumbnails with QImage (its
# JPEG plugin is in libqt5gui5); libsodium for the files' SHA-256 and ids.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libicu72 libmariadb3 libmysqlcppconn7v5 libqt5core5a libqt5gui5 libsodium23 \
 && rm -rf /var/lib/apt/lists/*
USER 10001:10001
COPY --from=build /src/build/release/services/chat/natter-chat /usr/local/bin/natter-chat
EXPOSE 50053 9100
ENTRYPOINT ["/usr/local/bin/natter-chat"]

FROM runtime AS natter-gateway
USER 10001:10001
COPY --from=build /src/build/release/gateway/natter-gateway /usr/local/bin/natter-gateway
EXPOSE 2019 9100
ENTRYPOINT ["/usr/local/bin/natter-gateway"]

FROM runtime AS natterctl
USER 10001:10001
# natterctl remembers logins under its home directory: mount a volume there to keep them, e.g.
#   docker run --rm -it -v natterctl:/home/natter -e NATTER_GATEWAY=chat.example.com:2019 natter/ctl login alice
COPY --from=build /src/build/release/tools/natterctl/natterctl /usr/local/bin/natterctl
ENTRYPOINT ["/usr/local/bin/natterctl"]
