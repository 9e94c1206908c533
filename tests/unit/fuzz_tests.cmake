# Inputs the fuzzers (tests/fuzz) found, kept as unit tests so the fixes stay fixed.
list(APPEND BERTH_UNIT_SOURCES fuzz_regressions_test.cpp)
