# netlink helpers of berth_core against a real kernel, inside the test's private netns.
list(APPEND BERTH_NETNS_SOURCES link_delete_test.cpp)
