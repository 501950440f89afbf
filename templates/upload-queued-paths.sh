# nix-cache-wizard's uploader: uploads the store paths the post-build hook queued, oldest first.
# An item leaves the queue only once its paths are in the cache (or were garbage-collected).
# While the cache is down it waits and tries again (5 s, doubling up to 5 min) for
# NIX_CACHE_RETRY_SECONDS, then exits 0 with the queue kept; the timer and the path unit start it
# again. A failed upload is never an exit status: systemd would stop restarting a failing unit.
set -f -u
spool="${NIX_CACHE_SPOOL:-/var/lib/nix-cache-upload}"
store="${NIX_CACHE_STORE:?NIX_CACHE_STORE must name the binary cache}"
retry_for="${NIX_CACHE_RETRY_SECONDS:-3600}"
credentials="${CREDENTIALS_DIRECTORY:-}"
# systemd's LoadCredential= hands the service root-only files without the service reading them.
if [ -n "$credentials" ] && [ -r "$credentials/aws" ]; then
  export AWS_SHARED_CREDENTIALS_FILE="$credentials/aws"
fi
key="${NIX_CACHE_SECRET_KEY:-}"
if [ -z "$key" ] && [ -n "$credentials" ] && [ -r "$credentials/secret-key" ]; then key="$credentials/secret-key"; fi
# Sign while uploading: paths built here are signed already, but a path built elsewhere is not.
if [ -n "$key" ]; then
  case "$store" in *'?'*) store="$store&secret-key=$key" ;; *) store="$store?secret-key=$key" ;; esac
fi

upload() {
  if [ -n "${NIX_CACHE_UPLOAD_COMMAND:-}" ]; then
    # For machines whose Nix cannot write the store URL itself (and the tests): the command gets
    # the store URL, then the paths.
    $NIX_CACHE_UPLOAD_COMMAND "$store" "$@"
  else
    # --refresh and a positive narinfo TTL of 0: otherwise Nix trusts its 30-day memory that a
    # path is in the cache, and never uploads again a path that expired there.
    timeout 7200 nix --extra-experimental-features nix-command copy --refresh \
      --option narinfo-cache-positive-ttl 0 --option connect-timeout 10 --to "$store" "$@"
  fi
}

first_item() {
  set +f
  for item in "$spool"/new/*; do
    if [ -f "$item" ]; then
      set -f
      printf '%s\n' "$item"
      return 0
    fi
  done
  set -f
  return 1
}

started=$(date +%s)
delay=5
while item=$(first_item); do
  paths=()
  while read -r line; do
    [ -n "$line" ] || continue
    candidates=("$line")
    # A derivation (queued by a Nix whose hook gets no OUT_PATHS): upload its outputs.
    case "$line" in *.drv) mapfile -t candidates < <(nix-store --query --outputs "$line" 2>/dev/null) ;; esac
    for path in "${candidates[@]}"; do
      if nix-store --check-validity "$path" 2>/dev/null; then
        paths+=("$path")
      else
        echo "nix-cache: $path is no longer in the store (garbage-collected?); skipped" >&2
      fi
    done
  done < "$item"
  if [ "${#paths[@]}" -eq 0 ] || upload "${paths[@]}"; then
    [ "${#paths[@]}" -eq 0 ] || echo "nix-cache: uploaded ${paths[*]}" >&2
    if ! rm -f "$item"; then
      echo "nix-cache: cannot remove $item from the queue; stopping" >&2
      exit 0
    fi
    delay=5
    continue
  fi
  if [ $(( $(date +%s) - started + delay )) -gt "$retry_for" ]; then
    echo "nix-cache: the cache did not take the upload; $item stays queued for the next run" >&2
    exit 0
  fi
  echo "nix-cache: upload failed; trying again in $delay s" >&2
  sleep "$delay"
  delay=$(( delay * 2 ))
  [ "$delay" -le 300 ] || delay=300
done
exit 0
