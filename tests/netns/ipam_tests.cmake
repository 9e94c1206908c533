# berth-ipam netns tests: run the built binary against the test's private /var/lib/cni.
list(APPEND BERTH_NETNS_SOURCES ipam_test.cpp)
