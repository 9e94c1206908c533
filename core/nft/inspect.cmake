# berth_nft_inspect: read-only views of berth's nftables state (for `berth net diagnose`),
# kept out of berth_nft's source list so it could land while that list was being edited.
# Included by whoever needs it; the guard makes the library exist once.
if(NOT TARGET berth_nft_inspect)
  add_library(berth_nft_inspect STATIC ${CMAKE_CURRENT_LIST_DIR}/inspect.cpp)
  target_link_libraries(berth_nft_inspect PUBLIC berth_nft PRIVATE berth_warnings)
endif()
