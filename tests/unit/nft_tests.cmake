# nftables layer (berth_nft): message building, tags, planning; no kernel needed.
list(APPEND BERTH_UNIT_SOURCES nft_batch_test.cpp nft_element_test.cpp nft_masquerade_test.cpp nft_portmap_test.cpp nft_macspoof_test.cpp)
list(APPEND BERTH_UNIT_LIBS berth_nft)
