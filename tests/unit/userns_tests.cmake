# The user namespace option's pure parts: id maps, --userns/--uidmap parsing, the auto
# range allocation, the record. No root.
if(TARGET berth_runtime)
  list(APPEND BERTH_UNIT_SOURCES runtime_userns_test.cpp)
  list(APPEND BERTH_UNIT_LIBS berth_runtime)
endif()
