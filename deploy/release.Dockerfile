# The release image (ghcr.io/djsec/djsec), built by GoReleaser from the
# binary it has already built for each platform (.goreleaser.yaml,
# dockers_v2): the same runtime as ./Dockerfile's second stage — keep the
# two in step — without the compiler stage.
FROM debian:bookworm-slim
ARG TARGETPLATFORM
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 djsec \
 && useradd --system --uid 10001 --gid djsec --home-dir /data --no-create-home --shell /usr/sbin/nologin djsec \
 && mkdir -p /data && chown djsec:djsec /data && chmod 0700 /data
COPY $TARGETPLATFORM/bot /usr/local/bin/bot
COPY --chmod=0755 deploy/entrypoint.sh /usr/local/bin/djsec-entrypoint
WORKDIR /
ENV PORT=3000
EXPOSE 3000
VOLUME /data
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["bot", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["djsec-entrypoint"]
CMD ["bot", "serve"]
