# The `krait` command in the sanitizer build (scripts/sanitize.sh): its front end (app/common, app/cli), krait_base
# and krait_io instrumented like the parsers, over the normal build's libkrait (KRAIT_ENGINE_BUILD), which is not:
# LibTorch's headers do not compile under clang 14 in C++20, and an instrumented build of the networks would cost CI
# more time than it has. LeakSanitizer still watches every allocation of the process, libkrait's included; libkrait
# finds the instrumented krait_base the program loaded first (one soname).
set(KRAIT_ENGINE_BUILD "" CACHE PATH "A normal build folder, whose libkrait the sanitizer build's krait links")
if(NOT KRAIT_ENGINE_BUILD)
  message(STATUS "Krait sanitizer build: no KRAIT_ENGINE_BUILD, so no krait command and no CLI tests")
  return()
endif()
set(engine_library ${KRAIT_ENGINE_BUILD}/core/engine/libkrait.so.${PROJECT_VERSION})
if(NOT EXISTS ${engine_library})
  message(FATAL_ERROR "KRAIT_ENGINE_BUILD: no ${engine_library} (build the normal build first: scripts/build.sh)")
endif()
add_library(krait::engine SHARED IMPORTED)
set_target_properties(krait::engine PROPERTIES IMPORTED_LOCATION ${engine_library}
  INTERFACE_INCLUDE_DIRECTORIES "${PROJECT_SOURCE_DIR}/core/engine/include;${KRAIT_ENGINE_BUILD}/core/engine/include;${PROJECT_SOURCE_DIR}/models/include"
  INTERFACE_LINK_LIBRARIES krait::base)
add_subdirectory(${PROJECT_SOURCE_DIR}/app/common ${CMAKE_BINARY_DIR}/app/common)
add_subdirectory(${PROJECT_SOURCE_DIR}/app/cli ${CMAKE_BINARY_DIR}/app/cli)
