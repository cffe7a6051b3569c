#!/usr/bin/env bash
# Regenerates the updater test fixtures: a throwaway signing key (test only — never the release key), a
# small artifact standing in for an update bundle, and its minisign signature made by the Tauri CLI, the
# same tool the release workflow signs real bundles with.
set -euo pipefail
cd "$(dirname "$0")"
rm -f test.key test.key.pub update.tar.gz update.tar.gz.sig
npx -y @tauri-apps/cli@2 signer generate --ci -p "" -w test.key >/dev/null
printf 'Patchbay 9.9.9 test update bundle\n' | gzip -n > update.tar.gz
npx -y @tauri-apps/cli@2 signer sign -f test.key -p "" update.tar.gz >/dev/null
rm test.key   # the private half is not needed after signing
ls -l
