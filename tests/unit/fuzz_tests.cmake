# Inputs the fuzzers (tests/fuzz) found, kept as unit tests so the fixes stay fixed.
list(APPEND BERTH_UNIT_SOURCES fuzz_regressions_test.cpp)
if(TARGET berth_runtime)
  list(APPEND BERTH_UNIT_SOURCES fuzz_runtime_regressions_test.cpp)
  list(APPEND BERTH_UNIT_LIBS berth_runtime)
endif()
