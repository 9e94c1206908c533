#!/usr/bin/env bash
# Installs berth's build and test dependencies from Debian bookworm, configures and
# builds. Run as root on a fresh Debian machine; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ cmake make pkg-config
  libnl-3-dev libnl-route-3-dev libmnl-dev libnftnl-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev catch2 libcli11-dev
  iproute2 nftables iputils-ping procps util-linux python3 busybox-static
  containernetworking-plugins iptables
  # real CNI clients for the conformance tests: libcni and go-cni (built offline), podman
  golang-go golang-github-appc-cni-dev golang-github-containerd-go-cni-dev podman runc
  # bench/ (throughput through a published port) and tests/fuzz (libFuzzer needs clang)
  iperf3 clang-19 libclang-rt-19-dev
  # the cluster store (issue 15): libcurl for etcd's JSON gateway (loaded at run time),
  # a real etcd and etcdctl for the netns tests, openssl for their TLS certificates
  libcurl4-openssl-dev etcd-server etcd-client openssl
  # Kubernetes' node path in tests/netns/cluster_cri_test.cpp: a private containerd (its
  # CRI plugin) and the small CRI client's gRPC stack (Debian's python3, protoc and the
  # gRPC Python plugin compile tests/netns/cri/cri_subset.proto at test time)
  containerd python3-grpcio python3-protobuf protobuf-compiler protobuf-compiler-grpc
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi

build_dir=${BERTH_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=${BERTH_BUILD_TYPE:-RelWithDebInfo}
cmake --build "$build_dir" -j"$(nproc)"
