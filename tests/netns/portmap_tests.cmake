# Port publishing (runtimeConfig.portMappings) and isolation between berth bridges:
# berth-bridge against a real kernel, with an "outside" namespace routed to the test host.
list(APPEND BERTH_NETNS_SOURCES portmap_test.cpp portmap_flows_test.cpp isolation_test.cpp)
