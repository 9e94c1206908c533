# berth-ipam unit tests: config, range math, allocator over MemoryStore, DiskStore in a
# temporary directory. None needs root.
list(APPEND BERTH_UNIT_SOURCES
  ipam_allocator_test.cpp
  ipam_config_test.cpp
  ipam_disk_store_test.cpp
  ipam_range_test.cpp
)
list(APPEND BERTH_UNIT_LIBS berth_ipam_logic berth_ipam_store)
