# krait_test_files: what tests share that needs no LibTorch (test data and temporary folders, an independent NIfTI
# reader, running programs, DICOM SEG checks). The normal build's krait_test_support adds the LibTorch part; the
# sanitizer build (tests/fuzz/FuzzBuild.cmake) links its io tests with this alone.
# Where scripts/fetch-test-data.sh put the real test files (outside the source tree).
if(DEFINED ENV{KRAIT_TESTDATA})
  set(KRAIT_TESTDATA_DEFAULT "$ENV{KRAIT_TESTDATA}")
else()
  set(KRAIT_TESTDATA_DEFAULT "$ENV{HOME}/.cache/krait/testdata")
endif()
set(KRAIT_TESTDATA "${KRAIT_TESTDATA_DEFAULT}" CACHE PATH "Folder holding the fetched test data")

find_package(ZLIB REQUIRED)
add_library(krait_test_files STATIC ${CMAKE_CURRENT_LIST_DIR}/testdata.cpp ${CMAKE_CURRENT_LIST_DIR}/nifti_reference.cpp
  ${CMAKE_CURRENT_LIST_DIR}/run_program.cpp ${CMAKE_CURRENT_LIST_DIR}/dicom_seg_checks.cpp)
target_include_directories(krait_test_files PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(krait_test_files PUBLIC krait::base GTest::gtest GTest::gtest_main ZLIB::ZLIB
  nlohmann_json::nlohmann_json)
