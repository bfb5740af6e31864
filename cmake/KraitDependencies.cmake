# Dependencies come from Debian packages (scripts/install-deps.sh) or, on GPU machines, from the LibTorch
# inside a pip-installed PyTorch (-DCMAKE_PREFIX_PATH=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')).
# Only LibTorch and the header-only nlohmann-json are required: the engine and models build without ITK,
# DCMTK, Qt or VTK.
include(GNUInstallDirs)
find_package(Torch REQUIRED)
# LibTorch is an OpenMP build: code that calls at::parallel_for is compiled with OpenMP (models/CMakeLists.txt).
find_package(OpenMP REQUIRED)
# LibTorch's config adds its flags (ABI macro) globally through TORCH_CXX_FLAGS.
set(CMAKE_CXX_FLAGS "${CMAKE_CXX_FLAGS} ${TORCH_CXX_FLAGS}")

set(KRAIT_WITH_CUDA OFF)
if(TORCH_CUDA_LIBRARIES OR CAFFE2_USE_CUDA)
  set(KRAIT_WITH_CUDA ON)
  # Hopper (H100/H200) by default; -DCMAKE_CUDA_ARCHITECTURES=native or a list for other GPUs.
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 90)
  endif()
  set(CMAKE_CUDA_STANDARD 17)
  enable_language(CUDA)
endif()

find_package(ITK 5 QUIET COMPONENTS ITKCommon ITKIOImageBase ITKIONIFTI ITKIONRRD ITKIOMeta)
find_package(DCMTK QUIET CONFIG)
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(OPENJPEG QUIET IMPORTED_TARGET libopenjp2)
  pkg_check_modules(LIBDEFLATE QUIET IMPORTED_TARGET libdeflate)
endif()
# Header-only, needed by the models' checkpoint readers: on a GPU machine carry Debian's nlohmann-json3-dev.
find_package(nlohmann_json 3 REQUIRED)
find_package(ZLIB QUIET)
set(KRAIT_WITH_IO OFF)
if(ITK_FOUND AND DCMTK_FOUND AND OPENJPEG_FOUND AND LIBDEFLATE_FOUND AND ZLIB_FOUND)
  set(KRAIT_WITH_IO ON)
else()
  message(STATUS "Krait: ITK, DCMTK, OpenJPEG, libdeflate or zlib not found: building the engine and models only")
endif()

# krait-studio, the desktop app: Qt6 widgets over the same engine and I/O as the CLI, VTK for the 3D view
# and meshes (inside a QOpenGLWidget: Debian's VTK Qt module is Qt5-only).
find_package(Qt6 QUIET COMPONENTS Widgets OpenGLWidgets Test)
find_package(VTK 9.1 QUIET COMPONENTS CommonCore CommonDataModel CommonExecutionModel FiltersCore FiltersGeneral
  IOGeometry RenderingCore RenderingOpenGL2 RenderingVolume RenderingVolumeOpenGL2 InteractionStyle)
set(KRAIT_WITH_STUDIO OFF)
if(KRAIT_WITH_IO AND Qt6_FOUND AND VTK_FOUND)
  set(KRAIT_WITH_STUDIO ON)
else()
  message(STATUS "Krait: Qt6 (Widgets, OpenGLWidgets, Test) or VTK 9.1 not found: no krait-studio")
endif()
