# The runtime's network side against the real plugins (berth-bridge, berth-ipam) in a
# throwaway host: default network, attach/detach, cache files, failures, network verbs.
if(TARGET berth_runtime_net)
  list(APPEND BERTH_NETNS_SOURCES runtime_net_attach_test.cpp runtime_net_networks_test.cpp
    runtime_net_commands_test.cpp runtime_net_concurrency_test.cpp)
  list(APPEND BERTH_NETNS_LIBS berth_runtime_net)
endif()
