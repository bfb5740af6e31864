#!/bin/bash
# debian12-base.sh: prints the path of a Debian 12 minbase root as a tarball, made with debootstrap on first use
# and kept in ~/.cache/krait. The clean-root package test extracts it; the container recipe imports it as an
# image, so that neither needs a container registry. Needs root and a Debian mirror (KRAIT_DEBIAN_MIRROR, default
# http://deb.debian.org/debian).
set -euo pipefail
mirror=${KRAIT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
base=$HOME/.cache/krait/debian12-minbase-amd64.tar.gz
if [ ! -f "$base" ]; then
  command -v debootstrap > /dev/null || { echo "needs debootstrap (apt-get install debootstrap)" >&2; exit 1; }
  work=$(mktemp -d /var/tmp/krait-debootstrap.XXXXXX)
  trap 'rm -rf "$work"' EXIT
  debootstrap --variant=minbase bookworm "$work/root" "$mirror" > "$work/debootstrap.log" ||
    { tail -20 "$work/debootstrap.log" >&2; echo "debootstrap failed" >&2; exit 1; }
  # The suites a Debian 12 machine uses: the packages' versioned dependencies come from an up-to-date machine.
  cat > "$work/root/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
  mkdir -p "$(dirname "$base")"
  tar -C "$work/root" -czf "$base.part" . && mv "$base.part" "$base"
fi
echo "$base"
