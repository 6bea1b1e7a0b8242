#!/usr/bin/env bash
# scripts/kernel-sandbox.sh 'COMMANDS' — a kernel experiment that cannot leak (root).
# COMMANDS run in fresh network, mount and pid namespaces with a private tmpfs on /run, so
# `ip netns add` creates its /run/netns files and nsfs mounts there, not on the machine, and
# everything the experiment started ends with it (the pid namespace's init is bash).
# A bare `ip netns add x` run in the machine's mount namespace (even under `unshare --net`)
# leaves /run/netns/x mounted and its namespace alive after the experiment: that is how a
# namespace "x" was found left behind on 2026-12-02.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 'COMMANDS'" >&2; exit 2; }
exec unshare --net --mount --pid --fork --mount-proc --propagation private \
  bash -c 'mount -t tmpfs tmpfs /run && mkdir -p /run/netns && ip link set lo up && eval "$1"' sandbox "$1"
