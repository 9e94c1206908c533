# The `berth` runtime end to end: the built binary runs real containers (busybox image,
# overlay rootfs, cgroups, namespaces, the bridge plugins) inside the test's throwaway
# host; every test checks that what it removed left nothing behind.
list(APPEND BERTH_NETNS_SOURCES
  runtime_run_test.cpp
  runtime_lifecycle_test.cpp
  runtime_netmode_test.cpp
  runtime_limits_test.cpp
  runtime_diagnose_test.cpp
  runtime_nsenter_test.cpp
  runtime_stats_test.cpp
  runtime_volume_test.cpp
  runtime_exec_tty_test.cpp
  runtime_run_tty_test.cpp
  runtime_net_own_test.cpp
  runtime_net_isolation_test.cpp
  runtime_userns_test.cpp
)
