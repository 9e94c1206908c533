# nftables layer (berth_nft) against a real kernel, inside the test's private netns.
list(APPEND BERTH_NETNS_SOURCES nft_test.cpp)
list(APPEND BERTH_NETNS_LIBS berth_nft)
