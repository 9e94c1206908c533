# berth-none, berth-host, berth-container, berth-ptp; conformance of every berth plugin;
# chaining with Debian's reference plugins; driving through libcni (issue 4).
list(APPEND BERTH_NETNS_SOURCES
  none_test.cpp host_test.cpp container_test.cpp ptp_test.cpp
  conformance_test.cpp conformance_versions_test.cpp chain_test.cpp libcni_test.cpp
  containerd_test.cpp podman_test.cpp)
