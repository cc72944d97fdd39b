#!/bin/bash
# check-secrets.sh FILE [KEY...]: run by a unit before its agent starts.
# Refuses while FILE, one of the secrets the operator places
# (docs/operations.md), is empty, readable by every user (sites run on the
# node) or lacks one of the JSON keys the agent needs: an agent started
# without its gossip key would found or join a cluster in plain text.
set -euo pipefail

file=$1
shift
mode=$(stat -c %a "$file")
case $mode in
  *[1-7]) echo "check-secrets: $file is mode $mode, readable by every user; chmod o-rwx it" >&2; exit 1 ;;
esac
if [ ! -s "$file" ]; then
  echo "check-secrets: $file is empty" >&2
  exit 1
fi
for key in "$@"; do
  if ! grep -q "\"$key\"[[:space:]]*:" "$file"; then
    echo "check-secrets: $file has no \"$key\" (see hostctl cluster init and docs/operations.md)" >&2
    exit 1
  fi
done
