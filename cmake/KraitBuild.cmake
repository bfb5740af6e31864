# Build speed and hygiene shared by every target. Two-core machines are the norm here: ccache and
# precompiled headers (see krait_use_torch_pch) keep rebuilds short.
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_C_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
  set(CMAKE_CUDA_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()

# Sanitize: AddressSanitizer + UndefinedBehaviorSanitizer with debug information.
set(CMAKE_CXX_FLAGS_SANITIZE "-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined" CACHE STRING "" FORCE)
set(CMAKE_C_FLAGS_SANITIZE "${CMAKE_CXX_FLAGS_SANITIZE}" CACHE STRING "" FORCE)
set(CMAKE_EXE_LINKER_FLAGS_SANITIZE "-fsanitize=address,undefined" CACHE STRING "" FORCE)
set(CMAKE_SHARED_LINKER_FLAGS_SANITIZE "-fsanitize=address,undefined" CACHE STRING "" FORCE)

# Warnings apply to Krait's own targets only; third-party headers come in as SYSTEM includes.
function(krait_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wno-unused-parameter>)
endfunction()

# Every translation unit that includes LibTorch pays ~10 s for its headers; a precompiled header pays it
# once per target.
function(krait_use_torch_pch target)
  target_precompile_headers(${target} PRIVATE <torch/types.h> <ATen/Parallel.h>)
endfunction()
