# The security pass (issue 8), unit level: hostile names refused with their CNI codes,
# symlinks planted in the lease store and the container store never followed, the modes
# of what the stores create (under umask 000), and no shell or ip/nft/iptables exec in
# product code (which needs the source tree). None needs root.
list(APPEND BERTH_UNIT_SOURCES security_names_test.cpp security_stores_test.cpp)
list(APPEND BERTH_UNIT_LIBS berth_ipam_logic berth_ipam_store berth_nft)
set_property(SOURCE security_names_test.cpp APPEND PROPERTY COMPILE_DEFINITIONS
  BERTH_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
if(TARGET berth_runtime)
  list(APPEND BERTH_UNIT_LIBS berth_runtime)
  set_property(SOURCE security_stores_test.cpp APPEND PROPERTY COMPILE_DEFINITIONS
    BERTH_WITH_RUNTIME)
endif()
