# The sanitizer build's tests (scripts/sanitize.sh; CI runs it after the normal suite). Everything here is built
# with clang, AddressSanitizer, UndefinedBehaviorSanitizer and LeakSanitizer (FuzzBuild.cmake), and a report of
# any of them fails the test; leaks count except the third-party ones tests/fuzz/lsan.supp names.
# - krait_sanitize_io_tests: the io tests of real catalogue files and bad input (NIfTI, MetaImage, DICOM), and of
#   the .nii.gz writer's parallel compression and the reader's multi-member inflation (a few seconds).
# - krait_sanitize_models_tests: the checkpoint readers and the unpickler against hostile pickles.
# - Replay.<target>: every fuzz target over its fixed findings (regressions/) and its seeds, each input once
#   (scripts/sanitize.sh writes the seeds with make_seeds.py first).
# The sanitizers' settings and leak suppressions, built into every program here (sanitizer_defaults.cpp.in).
file(READ ${CMAKE_CURRENT_LIST_DIR}/lsan.supp KRAIT_LSAN_SUPPRESSIONS)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/lsan.supp)
configure_file(${CMAKE_CURRENT_LIST_DIR}/sanitizer_defaults.cpp.in ${CMAKE_CURRENT_BINARY_DIR}/sanitizer_defaults.cpp @ONLY)
add_library(krait_sanitizer_defaults OBJECT ${CMAKE_CURRENT_BINARY_DIR}/sanitizer_defaults.cpp)

find_package(GTest REQUIRED)
include(GoogleTest)
include(${PROJECT_SOURCE_DIR}/tests/support/TestFiles.cmake)
set(krait_sanitizer_env "KRAIT_TESTDATA=${KRAIT_TESTDATA}")

set(io_tests ${PROJECT_SOURCE_DIR}/tests/io)
add_executable(krait_sanitize_io_tests ${io_tests}/io_bad_input_test.cpp ${io_tests}/nifti_hostile_header_test.cpp
  ${io_tests}/metaimage_hostile_header_test.cpp ${io_tests}/nrrd_hostile_header_test.cpp ${io_tests}/nifti_catalogue_test.cpp ${io_tests}/nifti_reader_test.cpp
  ${io_tests}/nifti_gzip_test.cpp ${io_tests}/dicom_bad_input_test.cpp ${io_tests}/dicom_catalogue_test.cpp ${io_tests}/dicom_reference.cpp)
target_include_directories(krait_sanitize_io_tests PRIVATE ${PROJECT_SOURCE_DIR}/io/src ${io_tests})
target_link_libraries(krait_sanitize_io_tests PRIVATE krait_test_files krait::io DCMTK::dcmdata ZLIB::ZLIB)

add_executable(krait_sanitize_models_tests ${PROJECT_SOURCE_DIR}/tests/unit/pickle_safety_test.cpp
  ${PROJECT_SOURCE_DIR}/tests/unit/checkpoint_test.cpp)
target_link_libraries(krait_sanitize_models_tests PRIVATE krait_test_files krait_fuzz_models)
set_target_properties(krait_sanitize_models_tests PROPERTIES CXX_STANDARD 17)  # LibTorch's headers under clang
target_compile_definitions(krait_sanitize_models_tests PRIVATE KRAIT_FIXTURES="${PROJECT_SOURCE_DIR}/tests/fixtures")

foreach(tests krait_sanitize_io_tests krait_sanitize_models_tests)
  target_link_libraries(${tests} PRIVATE krait_sanitizer_defaults)
  gtest_discover_tests(${tests} PROPERTIES ENVIRONMENT "${krait_sanitizer_env}" LABELS sanitize DISCOVERY_MODE PRE_TEST)
endforeach()

# The replays, one per fuzz target (targets.cmake).
function(krait_replay_test name)
  set(inputs ${CMAKE_BINARY_DIR}/seeds/${name})
  if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/regressions/${name})
    list(APPEND inputs ${CMAKE_CURRENT_LIST_DIR}/regressions/${name})
  endif()
  add_test(NAME Replay.${name} COMMAND ${name} -runs=0 -close_fd_mask=3 -rss_limit_mb=4096 ${inputs})
  set_tests_properties(Replay.${name} PROPERTIES ENVIRONMENT "${krait_sanitizer_env}" LABELS sanitize)
endfunction()

# The CLI tests that need no LibTorch of their own, running the instrumented krait (SanitizerCli.cmake): info and
# exit codes, the batch fault tests (a full disk, a read-only folder, a changed model) and the batch's case discovery.
# Left to the normal suite, for CI's time budget: the thousand-case kill-and-rerun test (four and a half minutes under
# the sanitizers, for the same batch code as the others) and the DICOM SEG conversions (two minutes; the SEG reader is
# under the sanitizers through fuzz_dicom_seg's replay).
if(TARGET krait-cli)
  set(cli_tests ${PROJECT_SOURCE_DIR}/tests/cli)
  add_executable(krait_sanitize_cli_tests ${cli_tests}/cli_info_test.cpp ${cli_tests}/cli_exit_codes_test.cpp
    ${cli_tests}/batch_faults_test.cpp ${cli_tests}/batch_cases_test.cpp ${cli_tests}/run_cli.cpp)
  target_include_directories(krait_sanitize_cli_tests PRIVATE ${cli_tests})
  target_link_libraries(krait_sanitize_cli_tests PRIVATE krait_test_files krait_cli krait_sanitizer_defaults)
  target_compile_definitions(krait_sanitize_cli_tests PRIVATE KRAIT_CLI_PATH="$<TARGET_FILE:krait-cli>"
    KRAIT_FIXTURES="${PROJECT_SOURCE_DIR}/tests/fixtures")
  target_link_libraries(krait-cli PRIVATE krait_sanitizer_defaults)
  gtest_discover_tests(krait_sanitize_cli_tests PROPERTIES ENVIRONMENT "${krait_sanitizer_env}" LABELS sanitize
    DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 60 TEST_FILTER "-BatchFaults.AThousandCases*")
endif()
