#!/bin/bash
# build-cpu-image.sh BUILD_DIR: builds the CPU image krait:cpu from Krait's Debian package (cpack in BUILD_DIR)
# on a Debian 12 base made by debootstrap and imported (no registry needed), with buildah, then runs krait in it:
# --version, models list, and a segmentation of the Colin 27 T1 (the test data, mounted read-only) by the
# unprivileged user 1000 into a mounted output folder. Needs root, buildah and podman (Debian's), a Debian mirror.
# Containers here run with buildah's chroot isolation, which works where the OCI runtime cannot set resource
# limits (inside another container); on a normal host, `podman run krait:cpu ...` runs the same image.
set -euo pipefail
build=$(realpath "${1:?usage: build-cpu-image.sh BUILD_DIR}")
here=$(dirname "$(realpath "$0")")
testdata=${KRAIT_TESTDATA:-$HOME/.cache/krait/testdata}
for tool in buildah podman cpack; do command -v $tool > /dev/null || { echo "needs $tool" >&2; exit 1; }; done
say() { echo "[$(date +%T)] $*"; }

debs=$build/deb
(cd "$build" && ${KRAIT_BUILD_LOCK:+flock "$KRAIT_BUILD_LOCK"} cpack -G DEB -B "$debs" > "$debs.log" 2>&1) ||
  { cat "$debs.log"; exit 1; }
context=$(mktemp -d)
ctr=""
trap '[ -z "$ctr" ] || buildah rm "$ctr" > /dev/null; rm -rf "$context"' EXIT
cp "$debs"/krait_*.deb "$context/"
say "packages: $(cd "$context" && ls)"

base=$("$here/../debian/debian12-base.sh")
podman import --quiet "$base" localhost/krait-debian12-base:latest > /dev/null
say "base image from $base"
buildah bud --quiet --isolation chroot --build-arg BASE=localhost/krait-debian12-base:latest \
  -f "$here/Containerfile" -t localhost/krait:cpu "$context"
say "built localhost/krait:cpu, $(podman image inspect localhost/krait:cpu --format '{{.Size}}') bytes"

ctr=$(buildah from localhost/krait:cpu)
out=$(mktemp -d) && chmod 777 "$out"
run() { buildah run --isolation chroot --user 1000 -v "$testdata:/data:ro" -v "$out:/out" "$ctr" -- "$@"; }
run krait --version
run krait models list
run krait segment -m demo-t1-brain -i /data/nifti-mricron/ch2.nii.gz -o /out/ch2_brain.nii.gz --quiet
info=$(run krait info /out/ch2_brain.nii.gz)
grep -q "size *181 x 217 x 181 " <<< "$info" && grep -q "value range *0 \.\. 1$" <<< "$info" ||
  { echo "the mask is not the brain mask of the Colin 27 grid:"; echo "$info"; exit 1; } >&2
[ "$(stat -c %u "$out/ch2_brain.nii.gz")" = 1000 ] || { echo "the mask is not the container user's" >&2; exit 1; }
rm -rf "$out"
say "krait:cpu runs: version, models, a segmentation as user 1000"
