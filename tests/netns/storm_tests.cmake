# Storms (issue 8): many parallel ADD/DEL workers, with and without SIGKILLs, then GC.
list(APPEND BERTH_NETNS_SOURCES storm_test.cpp)
