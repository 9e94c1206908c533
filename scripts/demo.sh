#!/usr/bin/env bash
# The README's main job. On a fresh Debian bookworm machine, as root:
#
#   bash scripts/demo.sh
#
# installs what berth needs and builds it (scripts/setup.sh), then, inside a throwaway
# network + mount namespace (so the machine's own network is never touched), runs
# busybox httpd in a container on the default bridge with -p 8080:80, fetches the page
# through the published port, prints `berth ps`, `berth port web` and the network part
# of `berth inspect web`, and removes everything again.
# BERTH_SKIP_SETUP=1 skips the set-up step (already built).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z ${BERTH_DEMO_INSIDE:-} ]]; then
  if [[ $(id -u) != 0 ]]; then
    echo "demo.sh: run as root (berth creates namespaces, cgroups and mounts)" >&2
    exit 1
  fi
  [[ -n ${BERTH_SKIP_SETUP:-} ]] || bash scripts/setup.sh
  # Everything below happens in a private network and mount namespace that disappears
  # with this script.
  exec unshare --net --mount env BERTH_DEMO_INSIDE=1 bash "$0" "$@"
fi

build_dir=${BERTH_BUILD_DIR:-build}
bin="$PWD/$build_dir/bin/berth"
[[ -x $bin ]] || { echo "demo.sh: $bin is missing; run scripts/setup.sh" >&2; exit 1; }

mount --make-rprivate /
ip link set lo up
root=$(mktemp -d /tmp/berth-demo.XXXXXX)
# Whatever a plugin keeps in the system's default places stays in this namespace too.
for dir in /run/berth /var/lib/cni; do
  mkdir -p "$dir" && mount -t tmpfs tmpfs "$dir"
done

berth() { "$bin" --root "$root" "$@"; }
show() {
  echo
  echo "\$ berth $*"
  berth "$@"
}
cleanup() {
  berth rm -f web >/dev/null 2>&1 || true
  rm -rf "$root"
}
trap cleanup EXIT

page_cmd='mkdir -p /www && echo "hello from berth" > /www/index.html && exec httpd -f -p 80 -h /www'
echo
echo "\$ berth run -d --name web -p 8080:80 busybox sh -c '$page_cmd'"
berth run -d --name web -p 8080:80 busybox sh -c "$page_cmd"

fetch() {
  timeout 5 python3 -c 'import sys, urllib.request as u
print(u.urlopen(sys.argv[1], timeout=3).read().decode(), end="")' "$1" 2>/dev/null
}
echo
echo "# GET http://127.0.0.1:8080/ from the host, through the published port"
page=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
  page=$(fetch http://127.0.0.1:8080/) && break
  sleep 0.2
done
if [[ -z $page ]]; then
  # Port publishing needs berth-bridge's portMappings; without it, show the page
  # through the container's own address on the bridge.
  ip=$(berth inspect -f '{{.NetworkSettings.IPAddress}}' web)
  echo "(no answer on the published port; asking the container at $ip:80 instead)"
  page=$(fetch "http://$ip:80/") || true
fi
echo "$page"

show ps
show port web
echo
echo "\$ berth inspect -f '{{json .NetworkSettings}}' web"
berth inspect -f '{{json .NetworkSettings}}' web | python3 -m json.tool

id=$(berth inspect -f '{{.Id}}' web)
show stop -t 1 web
show rm web
show ps -a

# Nothing may be left: no container, mount, network namespace file, veth or cgroup.
left=$(
  find "$root/containers" "$root/netns" -mindepth 1 2>/dev/null
  grep -F " $root" /proc/self/mountinfo || true
  ip -o link show type veth || true
  ls -d /sys/fs/cgroup/*/berth/"$id" /sys/fs/cgroup/berth/"$id" 2>/dev/null || true
)
echo
if [[ -n $left ]]; then
  echo "left behind:"
  echo "$left"
  exit 1
fi
if [[ $page != "hello from berth" ]]; then
  echo "demo failed: the page did not come back" >&2
  exit 1
fi
echo "done: the page came back, and nothing was left behind"
