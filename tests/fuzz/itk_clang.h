#pragma once
// Forced into every krait_io source of the fuzz build (-include). Debian's ITK 5.2 generated its compiler
// detection header for GCC only and stops with "Unsupported compiler" under clang. Clang implements what
// GCC 12 does for ITK's purposes, so the header is read once as if by GCC 12; its include guard keeps ITK's own
// includes of it from reading it again.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wbuiltin-macro-redefined"
#pragma push_macro("__GNUC__")
#pragma push_macro("__GNUC_MINOR__")
#undef __clang__
#undef __GNUC__
#undef __GNUC_MINOR__
#define __GNUC__ 12
#define __GNUC_MINOR__ 2
#include <itk_compiler_detection.h>
#pragma pop_macro("__GNUC__")
#pragma pop_macro("__GNUC_MINOR__")
#define __clang__ 1
#pragma clang diagnostic pop
