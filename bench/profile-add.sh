#!/bin/sh
# One berth-bridge ADD under strace, inside a throwaway network + mount namespace (like
# berth-bench). The first ADD creates the bridge and is not traced; the second is.
# Usage: sudo bench/profile-add.sh [BIN_DIR [OUT_DIR]]   (defaults: build/bin, /tmp/berth-profile)
# Writes OUT_DIR/add.strace (strace -f -tt -T of the syscalls that mark the phases: exec,
# IPAM spawn and reap, netlink, files) and OUT_DIR/add.summary (strace -c -f of another
# ADD), and prints the summary. Set IPAM=host-local to compare. strace inflates what it
# traces (a traced vfork alone costs milliseconds), so read phases, not absolute times;
# on a busy machine run it under `chrt -f 10`.
set -eu
BIN=$(realpath "${1:-build/bin}")
OUT=${2:-/tmp/berth-profile}
REF=${REF_DIR:-/usr/lib/cni}
IPAM=${IPAM:-}
if [ -z "$IPAM" ]; then
  if [ -x "$BIN/berth-ipam" ]; then IPAM=berth-ipam; else IPAM=host-local; fi
fi
[ "$(id -u)" = 0 ] || { echo "profile-add.sh: needs root" >&2; exit 2; }
mkdir -p "$OUT" /var/lib/cni /run/berth /var/lib/berth
export BIN OUT REF IPAM
exec unshare --net --mount --propagation private sh -eu -c '
  for d in /var/lib/cni /run/berth /var/lib/berth; do mount -t tmpfs tmpfs $d; done
  mount -t sysfs sysfs /sys 2>/dev/null || true
  ip link set lo up
  for i in 1 2 3; do
    touch /run/berth/ns$i
    unshare --net=/run/berth/ns$i ip link set lo up
  done
  conf="{\"cniVersion\":\"1.0.0\",\"name\":\"prof\",\"type\":\"berth-bridge\",\"bridge\":\"profbr0\",\"isGateway\":true,\"ipam\":{\"type\":\"$IPAM\",\"subnet\":\"10.203.0.0/16\"}}"
  add() {
    n=$1
    shift
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CNI_COMMAND=ADD CNI_CONTAINERID=prof$n \
      CNI_NETNS=/run/berth/ns$n CNI_IFNAME=eth0 CNI_PATH="$BIN:$REF" ${BERTH_LOG_LEVEL:+BERTH_LOG_LEVEL=$BERTH_LOG_LEVEL} \
      "$@"
  }
  echo "$conf" | add 1 "$BIN/berth-bridge" >/dev/null
  echo "$conf" | add 2 strace -f -tt -T --seccomp-bpf -e trace=execve,clone,clone3,vfork,wait4,socket,sendmsg,recvmsg,openat,setns,write,exit_group -o "$OUT/add.strace" "$BIN/berth-bridge" >/dev/null
  echo "$conf" | add 3 strace -c -f -o "$OUT/add.summary" "$BIN/berth-bridge" >/dev/null
  cat "$OUT/add.summary"
  echo "full trace: $OUT/add.strace (IPAM: $IPAM)"
'
