# The fuzz and sanitizer build, included by the top-level CMakeLists.txt when KRAIT_FUZZ is on; scripts/fuzz.sh and
# scripts/sanitize.sh configure it with clang 14 in its own build folder. Everything compiled here is instrumented for libFuzzer's coverage and
# checked by AddressSanitizer and UndefinedBehaviorSanitizer; any undefined behaviour stops the run as a crash.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "KRAIT_FUZZ needs clang for libFuzzer: scripts/fuzz.sh configures it with clang++-14")
endif()
add_compile_options(-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
  -fno-sanitize-recover=undefined)
add_link_options(-fsanitize=address,undefined)
add_subdirectory(core/base)
add_subdirectory(io)
target_compile_options(krait_io PRIVATE -include ${CMAKE_CURRENT_LIST_DIR}/itk_clang.h)
include(${CMAKE_CURRENT_LIST_DIR}/SanitizerCli.cmake)
enable_testing()
add_subdirectory(tests/fuzz)
message(STATUS "Krait fuzz build: targets in ${CMAKE_BINARY_DIR}/tests/fuzz")
