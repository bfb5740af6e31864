#pragma once
// Compiles a function for AVX-512, AVX2 + FMA and baseline x86-64, the loader picking the widest the CPU has:
// GCC vectorises plain `omp simd` loops to whatever the function is compiled for, and the package must run on
// any x86-64 machine.
#if defined(__x86_64__) && defined(__GNUC__)
#define KRAIT_TARGET_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define KRAIT_TARGET_CLONES
#endif
