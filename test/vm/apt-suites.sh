#!/usr/bin/env bash
# Adds the Debian suites whose kernels the VM tests boot (test/vm/kernels.go)
# to apt's sources, on the mirror apt already uses for this system's
# release, and updates the package lists. Needs root; .ci/run runs it.
set -euo pipefail
suites="bullseye bookworm-backports"
list=/etc/apt/sources.list.d/luatrace-vmtest.sources
# The main archive: a release without a suffix (not -updates, not -security).
uri=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' | awk '$2 !~ /-/ {print $1; exit}')
if [ -z "$uri" ]; then
	echo "apt-suites.sh: apt's sources name no Debian release to take the mirror from" >&2
	exit 1
fi
printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
	"$uri" "$suites" >"$list"
apt-get update -qq
