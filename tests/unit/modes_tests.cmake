# berth-container and berth-ptp config parsing (issue 4); their config.cpp files hold
# no kernel code, so the unit tests compile them in directly.
list(APPEND BERTH_UNIT_SOURCES
  modes_config_test.cpp
  ${PROJECT_SOURCE_DIR}/plugins/container/config.cpp
  ${PROJECT_SOURCE_DIR}/plugins/ptp/config.cpp)
