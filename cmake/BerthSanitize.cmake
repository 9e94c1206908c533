# Sanitizer and fuzzing builds. Included by the top-level CMakeLists.txt before
# BERTH_FAST_START is declared: the sanitizer runtimes need the shared libstdc++, so a
# sanitized build defaults to the ordinary (dynamic) link.
option(BERTH_SANITIZE "Build everything with -fsanitize=address,undefined" OFF)
option(BERTH_FUZZ "Build the libFuzzer targets in tests/fuzz (clang only)" OFF)
if(BERTH_SANITIZE OR BERTH_FUZZ)
  set(berth_fast_start_default OFF)
else()
  set(berth_fast_start_default ON)
endif()

# Called once BERTH_FAST_START is known; sets the flags for every target that follows.
macro(berth_sanitizer_flags)
  if((BERTH_SANITIZE OR BERTH_FUZZ) AND BERTH_FAST_START)
    message(FATAL_ERROR "BERTH_SANITIZE/BERTH_FUZZ need -DBERTH_FAST_START=OFF "
                        "(static libstdc++ and the sanitizer runtimes do not mix)")
  endif()
  set(berth_sanitizers address,undefined)
  if(BERTH_FUZZ)
    if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
      message(FATAL_ERROR "BERTH_FUZZ needs clang (e.g. -DCMAKE_CXX_COMPILER=clang++-19)")
    endif()
    # Libraries get coverage instrumentation; only the fuzz targets link libFuzzer's main.
    add_compile_options(-fsanitize=fuzzer-no-link)
  endif()
  if(BERTH_SANITIZE OR BERTH_FUZZ)
    add_compile_options(-fsanitize=${berth_sanitizers} -fno-omit-frame-pointer
                        -fno-sanitize-recover=all)
    add_link_options(-fsanitize=${berth_sanitizers})
  endif()
endmacro()
