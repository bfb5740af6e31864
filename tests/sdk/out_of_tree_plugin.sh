#!/bin/sh
# out_of_tree_plugin.sh BUILD_DIR SOURCE_DIR WORK_DIR TEST_PROGRAM
# What a researcher does with the SDK: installs this build of Krait into a scratch prefix, builds the example
# plugin (plugins/examples/plain_unet) on its own against it with find_package(Krait), then runs TEST_PROGRAM
# (example_plugin_test), which loads the plugin and segments with the installed `krait`.
set -eu
build=$1 source=$2 work=$3 program=$4
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log"
cmake -S "$source/plugins/examples/plain_unet" -B "$work/plugin" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >"$work/configure.log"
cmake --build "$work/plugin"
KRAIT_INSTALLED="$work/prefix" KRAIT_EXAMPLE_PLUGIN="$work/plugin" "$program"
