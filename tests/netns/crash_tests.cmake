list(APPEND BERTH_NETNS_SOURCES crash_test.cpp crash_cluster_test.cpp)
