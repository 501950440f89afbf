#!/usr/bin/env bash
# Builds the pinned MinIO server and mc client the tests run against, with `go install`, into a
# cache folder outside the repository (reused when the binaries are already there).
# Both are AGPL and source-only: the binaries are never committed, only built here.
set -euo pipefail

# The Go module proxy serves these releases only by their commits' pseudo-versions (a
# `@RELEASE.…` query is refused). MinIO's pinned RELEASE.2025-10-15T17-29-55Z is refused in every
# form, so the nearest release it serves is used: RELEASE.2025-09-07T16-13-09Z (commit 07c3a429bfed).
MINIO_RELEASE="RELEASE.2025-09-07T16-13-09Z"
MINIO_VERSION="v0.0.0-20250907161309-07c3a429bfed"
MC_RELEASE="RELEASE.2025-08-13T08-35-41Z"
MC_VERSION="v0.0.0-20250813083541-7394ce0dd2a8"
DIR="${NIX_CACHE_WIZARD_TEST_SERVERS:-${XDG_CACHE_HOME:-$HOME/.cache}/nix-cache-wizard/test-servers}"

GO="$(command -v go || true)"
if [ -z "$GO" ] && [ -x /usr/local/go/bin/go ]; then GO=/usr/local/go/bin/go; fi
if [ -z "$GO" ]; then
  echo "install-test-servers: no Go toolchain found (go on PATH or /usr/local/go/bin/go)" >&2
  exit 1
fi

build() { # name module version release
  local name="$1" module="$2" version="$3" target="$DIR/$1-$4"
  if [ -x "$target/$name" ]; then
    echo "install-test-servers: $name $version already built in $target"
    return
  fi
  echo "install-test-servers: building $name $version with $("$GO" version) (a cold build takes minutes)"
  local start=$SECONDS
  mkdir -p "$target.tmp"
  # The checksum database has no entry for mc's release commit (a pseudo-version nobody had asked
  # it for), so that one module is taken from the proxy unchecked; its dependencies are checked.
  CGO_ENABLED=0 GOBIN="$target.tmp" GOFLAGS=-buildvcs=false GONOSUMDB="$module" "$GO" install "$module@$version" < /dev/null
  rm -rf "$target"
  mv "$target.tmp" "$target"
  echo "install-test-servers: built $name in $((SECONDS - start)) s"
}

mkdir -p "$DIR"
# One build at a time: test runs in other checkouts may call this script at the same moment.
exec 9> "$DIR/.lock"
flock 9
build minio github.com/minio/minio "$MINIO_VERSION" "$MINIO_RELEASE" &
minio_pid=$!
build mc github.com/minio/mc "$MC_VERSION" "$MC_RELEASE"
wait "$minio_pid"
echo "install-test-servers: binaries in $DIR"
