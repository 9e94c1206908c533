# berth_netlink_extra: netlink verbs added for the none/host/container/ptp plugins
# (issue 4), kept out of berth_core's source list so that work could land without
# editing core/CMakeLists.txt. Each plugin that needs it includes this file; the guard
# makes the library exist once. core/CMakeLists.txt may include it too and link it.
if(NOT TARGET berth_netlink_extra)
  add_library(berth_netlink_extra STATIC
    ${CMAKE_CURRENT_LIST_DIR}/link_extra.cpp
    ${CMAKE_CURRENT_LIST_DIR}/addr_extra.cpp)
  target_link_libraries(berth_netlink_extra PUBLIC berth_core PRIVATE berth_warnings)
endif()
