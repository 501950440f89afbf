# nix-cache-wizard's post-build hook: queues the paths of a finished build for upload.
# nix-daemon runs it as root after every build made on this machine and waits for it; a failing
# hook stops all further builds, a slow one stalls them. So it only writes the paths into the
# spool folder (atomically: tmp/ then a rename into new/), never touches the network, and always
# exits 0 at once. The nix-cache-upload service does the uploading.
set -f
spool="${NIX_CACHE_SPOOL:-/var/lib/nix-cache-upload}"
paths="${OUT_PATHS:-}"
# Nix 2.8.0 runs the hook with OUT_PATHS empty: queue the derivation, the uploader finds its outputs.
[ -n "$paths" ] || paths="${DRV_PATH:-}"
[ -n "$paths" ] || exit 0
item="$(date +%s).$$.$RANDOM"
if printf '%s\n' $paths > "$spool/tmp/$item" 2>/dev/null && mv -f "$spool/tmp/$item" "$spool/new/$item" 2>/dev/null; then
  echo "nix-cache: queued for upload: $paths" >&2
else
  rm -f "$spool/tmp/$item" 2>/dev/null
  echo "nix-cache: could not queue $paths for upload ($spool/new is not writable); the build itself is fine" >&2
fi
exit 0
