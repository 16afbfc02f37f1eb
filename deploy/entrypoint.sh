#!/bin/sh
# Container entrypoint: run the command as the djsec user. Started as root
# (the image's default), it first gives the data volume to djsec — Fly.io
# and plain Docker volumes may be mounted owned by root — and then drops
# root for good with setpriv (util-linux, part of every Debian image), so
# `bot` itself never runs as root. Started as any other user, it changes
# nothing.
set -eu
if [ "$(id -u)" = 0 ]; then
	if [ -d /data ] && [ "$(stat -c %u /data)" != "$(id -u djsec)" ]; then
		chown djsec:djsec /data
		chmod 0700 /data
	fi
	exec setpriv --reuid=djsec --regid=djsec --init-groups -- "$@"
fi
exec "$@"
