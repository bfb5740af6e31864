# `cpack -G DEB` in a build folder makes a Debian package of the installed programs. Runtime dependencies
# are the Debian libraries Krait links against, found by dpkg-shlibdeps.
set(CPACK_PACKAGE_NAME "krait")
set(CPACK_PACKAGE_VENDOR "Krait")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Native Mamba segmentation networks for CT and MR (CLI and workstation)")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "Krait developers")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Debian's LibTorch is 31x slower at matrix products with the reference BLAS: pull in OpenBLAS.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libopenblas0-pthread")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
include(CPack)
