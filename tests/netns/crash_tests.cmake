list(APPEND BERTH_NETNS_SOURCES crash_test.cpp)
