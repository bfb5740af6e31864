# `cpack -G DEB` in a build folder makes Krait's Debian packages, one per install component (docs/packaging.md):
#   krait             the krait command, Krait's libraries, the bundled models, the segment terminology table
#   krait-plugin-ecg  the ECG plugin and its demonstration model      (own packages: they pull in Qt, BioSig,
#   krait-plugin-wsi  the whole-slide-image plugin and its model       OpenSlide, libvips, OpenCV and HDF5)
#   krait-studio      the desktop app, its .desktop entry and icon
#   krait-dev         the SDK: public headers, the libraries' links, KraitConfig.cmake, KraitPlugin.cmake
# Install rules without a COMPONENT belong to krait (CMAKE_INSTALL_DEFAULT_COMPONENT_NAME). Each package's
# dependencies on Debian libraries come from dpkg-shlibdeps; what is loaded at run time, which no linker sees, is
# named here. packaging/debian/test-install-clean-root.sh installs the packages into a clean Debian 12 root and
# runs them there: it is how these lists were found.
set(CPACK_PACKAGE_NAME "krait")
set(CPACK_PACKAGE_VENDOR "Krait")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "Krait developers")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION "science")

set(CPACK_COMPONENTS_ALL krait dev)
set(CPACK_DEBIAN_KRAIT_PACKAGE_NAME "krait")
# Debian's LibTorch is 31x slower at matrix products with the reference BLAS: pull in OpenBLAS.
set(CPACK_DEBIAN_KRAIT_PACKAGE_DEPENDS "libopenblas0-pthread")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME "krait-dev")
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION "libdevel")
# krait/plugin.h includes DLPack's header; a plugin is built with CMake and a C++ compiler, and one with a network
# against LibTorch's headers.
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libdlpack-dev")
set(CPACK_DEBIAN_DEV_PACKAGE_RECOMMENDS "cmake, g++")
set(CPACK_DEBIAN_DEV_PACKAGE_SUGGESTS "libtorch-dev")
if(KRAIT_WITH_ECG)
  list(APPEND CPACK_COMPONENTS_ALL ecg)
  set(CPACK_DEBIAN_ECG_PACKAGE_NAME "krait-plugin-ecg")
  list(APPEND plugins krait-plugin-ecg)
endif()
if(KRAIT_WITH_WSI)
  list(APPEND CPACK_COMPONENTS_ALL wsi)
  set(CPACK_DEBIAN_WSI_PACKAGE_NAME "krait-plugin-wsi")
  list(APPEND plugins krait-plugin-wsi)
endif()
# apt installs recommended packages by default: `apt install krait` brings the plugins, --no-install-recommends
# leaves a headless machine without Qt and the slide libraries.
list(JOIN plugins ", " CPACK_DEBIAN_KRAIT_PACKAGE_RECOMMENDS)
if(KRAIT_WITH_STUDIO)
  list(APPEND CPACK_COMPONENTS_ALL studio)
  set(CPACK_DEBIAN_STUDIO_PACKAGE_NAME "krait-studio")
  set(CPACK_DEBIAN_STUDIO_PACKAGE_SECTION "graphics")
endif()
# dpkg-shlibdeps resolves the studio's libkrait*.so in the krait package's staging folder (the studio's own holds
# only its own libraries); relative to the studio's staging folder, where it runs.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS "../krait/usr/${CMAKE_INSTALL_LIBDIR}")
include(CPack)

# Descriptions: a summary line, then lines under 80 characters (Debian's control file); no semicolons (CMake lists).
cpack_add_component(krait DESCRIPTION
  "Native Mamba segmentation networks for CT and MR (command line)
The krait command segments CT and MR images with the state-space (Mamba)
networks of U-Mamba, LightM-UNet and Swin-UMamba, loading nnU-Net checkpoints
trained with the official Python code, through LibTorch: no Python at run
time. It reads and writes NIfTI, NRRD, MetaImage and DICOM (DICOM SEG too),
talks to a PACS and trains models. Two demonstration models are included
(demo-t1-brain, demo-head-ct). Not for clinical use.")
cpack_add_component(dev DEPENDS krait DESCRIPTION
  "Krait SDK: headers and CMake package for plugins and applications
Headers of the engine API, image I/O and the plugin SDK (a versioned C ABI
with a C++ layer), and the CMake package: find_package(Krait) and
krait_add_plugin() build plugins and applications against the installed Krait.")
cpack_add_component(ecg DEPENDS krait DESCRIPTION
  "12-lead ECG plugin for Krait
Reads DICOM, WFDB, EDF, SCP-ECG and HL7 aECG waveforms, classifies them with
the ECG-Mamba network (krait ecg) and shows them in krait-studio. A
demonstration model trained on synthetic ECGs is included. Not for clinical
use.")
cpack_add_component(wsi DEPENDS krait DESCRIPTION
  "Whole-slide-image plugin for Krait
Reads slides with OpenSlide, segments tissue, tiles patches, encodes them and
classifies slides with MambaMIL or ABMIL (krait wsi), with heatmaps, and shows
slides tile by tile in krait-studio. A demonstration model is included. Not
for clinical use.")
cpack_add_component(studio DEPENDS krait DESCRIPTION
  "Krait Studio: workstation for segmenting CT and MR images
Qt and VTK desktop app over the Krait engine: linked slice views and a 3D
view, segmentation with the installed models, a segment table, brush and
eraser with undo, label maps, DICOM SEG, STL and screenshots.")

if(KRAIT_BUILD_TESTS)
  # The packages installed into a clean Debian 12 root and run there: needs root and a Debian mirror and takes
  # minutes, so it has its own label, run by hand (ctest -L package) rather than with the suite.
  add_test(NAME package_clean_root COMMAND ${PROJECT_SOURCE_DIR}/packaging/debian/test-install-clean-root.sh
    ${PROJECT_BINARY_DIR})
  set_tests_properties(package_clean_root PROPERTIES LABELS package TIMEOUT 3600 RUN_SERIAL ON
    ENVIRONMENT "KRAIT_TESTDATA=${KRAIT_TESTDATA}")
  # The CPU container image made from the krait package and run (also needs buildah and podman).
  add_test(NAME container_cpu_image COMMAND ${PROJECT_SOURCE_DIR}/packaging/container/build-cpu-image.sh ${PROJECT_BINARY_DIR})
  set_tests_properties(container_cpu_image PROPERTIES LABELS package TIMEOUT 3600 RUN_SERIAL ON
    ENVIRONMENT "KRAIT_TESTDATA=${KRAIT_TESTDATA}")
endif()
