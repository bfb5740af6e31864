#!/usr/bin/env bash
# ITK, DCMTK and OpenJPEG for the krait CLI on a GPU machine that reaches no package registry (docs/gpu.md).
# DCMTK's dcmnet (the PACS client) needs libwrap, which needs libnsl and through it libtirpc and Kerberos' GSSAPI:
# a machine without them gets Debian's.
#   here (Debian 12):  scripts/gpu-io-deps.sh download   # the .deb files into .deps/iodebs; carry .deps
#   there:             scripts/gpu-io-deps.sh unpack     # into .deps/io/usr, which scripts/gpu-build.sh uses
set -euo pipefail
cd "$(dirname "$0")/.."
packages="libinsighttoolkit5-dev libinsighttoolkit5.2 libdcmtk-dev libdcmtk17 libopenjp2-7-dev libopenjp2-7
  libwrap0 libnsl2 libtirpc3 libtirpc-common libgssapi-krb5-2 libkrb5-3 libk5crypto3 libkrb5support0 libkeyutils1
  libcom-err2 libdouble-conversion3 libjpeg62-turbo zlib1g-dev pkgconf pkgconf-bin libpkgconf3
  libtiff6 libjbig0 libdeflate0 libdeflate-dev liblerc4 libwebp7"
case "${1:-}" in
  download)
    mkdir -p .deps/iodebs && cd .deps/iodebs && apt-get download $packages ;;
  unpack)
    rm -rf .deps/io && for f in .deps/iodebs/*.deb; do dpkg -x "$f" .deps/io; done
    root=$PWD/.deps/io
    lib=$root/usr/lib/x86_64-linux-gnu
    # Some of Debian 12's packages still put their libraries in /lib (a merged /usr makes it one folder there).
    if [ -d "$root/lib/x86_64-linux-gnu" ]; then cp -a "$root/lib/x86_64-linux-gnu/." "$lib/"; fi
    # Debian's pkg-config and CMake files name /usr: point them at the unpacked copy.
    sed -i "s|^prefix=/usr\$|prefix=$root/usr|" "$lib"/pkgconfig/*.pc
    sed -i "s|/usr/lib/x86_64-linux-gnu/cmake/dcmtk|$lib/cmake/dcmtk|" "$root"/usr/lib/cmake/ITK-5.2/Modules/ITKDCMTK.cmake
    # ITK loads its GDCM, HDF5 and MINC modules' packages, which the CLI does not use and are not carried.
    sed -i -E 's/find_package\((GDCM|HDF5|LIBMINC)(.*) REQUIRED(.*)\)/find_package(\1\2\3 QUIET)/' \
      "$root"/usr/lib/cmake/ITK-5.2/Modules/ITK{GDCM,HDF5,MINC}.cmake
    # DCMTK asks for libnsl, which glibc no longer ships and DCMTK does not use on Linux.
    sed -i 's/"DCMTK::config;nsl;/"DCMTK::config;/' "$lib"/cmake/dcmtk/DCMTKTargets.cmake
    # System libraries named as /usr/lib/x86_64-linux-gnu/libX.so (a -dev symlink) become links to the
    # unpacked libX.so.N or the machine's own.
    mkdir -p "$root/links"
    for so in $(grep -oh '/usr/lib/x86_64-linux-gnu/lib[A-Za-z0-9_+-]*\.so\b' "$lib"/cmake/dcmtk/*.cmake | sort -u); do
      name=$(basename "$so")
      target=""
      stem=${name%.so}
      for c in "$lib/$name".* /usr/lib/x86_64-linux-gnu/"$name".* /lib/x86_64-linux-gnu/"$name".* \
               /usr/lib/x86_64-linux-gnu/"$stem"[0-9]*.so.*; do  # libpng.so is libpng16.so.16
        if [ -e "$c" ]; then target=$c; break; fi
      done
      if [ -z "$target" ]; then echo "gpu-io-deps: no $name on this machine" >&2; continue; fi
      ln -sf "$target" "$root/links/$name"
      sed -i "s|$so\\b|$root/links/$name|g" "$lib"/cmake/dcmtk/*.cmake
    done ;;
  *) echo "usage: $0 download|unpack" >&2; exit 2 ;;
esac
