# syntax=docker/dockerfile:1
# djsec's container image: `bot serve` as a non-root user, SQLite on /data.
#   docker build -t djsec .
#   docker run -p 3000:3000 -v djsec-data:/data djsec    # then open http://localhost:3000
# Fly.io: fly deploy --config deploy/fly.toml (from the repository root).

# Pure Go (the Python parser included): a static binary, no C toolchain.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/bot ./cmd/bot \
 && /out/bot version

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 djsec \
 && useradd --system --uid 10001 --gid djsec --home-dir /data --no-create-home --shell /usr/sbin/nologin djsec \
 && mkdir -p /data && chown djsec:djsec /data && chmod 0700 /data
COPY --from=build /out/bot /usr/local/bin/bot
COPY --chmod=0755 deploy/entrypoint.sh /usr/local/bin/djsec-entrypoint
# The store's default database is ./data/djsec.db: from / that is the volume.
WORKDIR /
ENV PORT=3000
EXPOSE 3000
VOLUME /data
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["bot", "healthcheck"]
STOPSIGNAL SIGTERM
# The entrypoint hands /data to djsec when a platform mounts it owned by
# root (Fly volumes are), then runs the command as djsec (uid 10001); with
# `docker run --user 10001` it runs as that user from the start.
ENTRYPOINT ["djsec-entrypoint"]
CMD ["bot", "serve"]
