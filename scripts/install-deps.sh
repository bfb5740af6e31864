#!/bin/sh
# install-deps.sh: installs what Krait needs to build and test on Debian 12, from Debian packages only.
# Idempotent: packages already present are left as they are. Run as root (or with sudo available).
set -eu
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

PACKAGES="
  build-essential cmake ninja-build ccache pkg-config git
  libtorch-dev libopenblas0-pthread
  libinsighttoolkit5-dev libdcmtk-dev libopenjp2-7-dev libdeflate-dev zlib1g-dev nlohmann-json3-dev
  qt6-base-dev libqt6opengl6-dev libvtk9-dev libgl1-mesa-dri
  libgtest-dev xvfb xauth libdlpack-dev
  libbiosig-dev libedf-dev libssl-dev
  libopenslide-dev libvips-dev libopencv-imgproc-dev libhdf5-dev
  python3-torch
  dicom3tools python3-pydicom python3-numpy orthanc openssl
  slurm-wlm munge python3-nibabel python3-yaml python3-kubernetes
  clang-14 libclang-rt-14-dev libomp-14-dev
"
# dicom3tools (dciodvfy) and pydicom check the DICOM SEG files Krait writes; orthanc is the PACS the PACS tests
# start on loopback (its Debian service is not needed: the tests run their own instance), openssl makes their
# TLS certificates. slurm-wlm and munge are the scheduler the Slurm test starts on loopback (tests/cluster;
# their Debian services are not needed either); nibabel reads the masks there, independently of Krait;
# python3-yaml and python3-kubernetes (the API's models) check the Kubernetes manifests offline.
# clang-14 with its runtimes (libFuzzer, ASan, UBSan) and OpenMP builds the fuzz targets (scripts/fuzz.sh).
# python3-torch: the tests load checkpoints Krait writes with PyTorch itself (tests/models/load_krait_checkpoint.py),
# as nnU-Net would; it shares Debian's libtorch with libtorch-dev.
# scripts/fetch-test-data.sh packs the test files that ship in npm packages; machines that already have
# a Node.js toolchain keep theirs.
command -v npm >/dev/null 2>&1 || PACKAGES="$PACKAGES npm"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi
# LibTorch's matrix products go through libblas.so.3: make sure OpenBLAS, not the reference BLAS, serves it.
blas=$(update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | awk '/^Value:/ { print $2 }')
case "$blas" in
  *openblas*) ;;
  *) $SUDO update-alternatives --set libblas.so.3-x86_64-linux-gnu \
       /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ;;
esac
echo "install-deps: all Krait build dependencies are installed"
