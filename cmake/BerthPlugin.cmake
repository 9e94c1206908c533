# Shared warning flags and the helper that makes one CNI plugin binary.
add_library(berth_warnings INTERFACE)
target_compile_options(berth_warnings INTERFACE -Wall -Wextra -Wshadow -Wnon-virtual-dtor
                       -Wno-missing-field-initializers)

# berth_add_plugin(<binary name> SOURCES ...): bin/<name>, linked with berth_core,
# installed into BERTH_CNI_BIN_DIR.
function(berth_add_plugin name)
  cmake_parse_arguments(P "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${P_SOURCES})
  target_link_libraries(${name} PRIVATE berth_core berth_warnings ${P_LIBS})
  install(TARGETS ${name} RUNTIME DESTINATION ${BERTH_CNI_BIN_DIR})
endfunction()
