#!/bin/sh
# layering_test.sh SOURCE_DIR BASE_LIB IO_LIB WIDGETS_LIB CLI_EXE STUDIO_EXE (the last three may be "-")
# The layering of docs/building.md, checked on what the build made:
#  - krait_base and krait_io load without LibTorch: ldd (everything they pull in) names no libtorch/libc10;
#  - the studio's widgets, `krait` and krait-studio need LibTorch only through libkrait: their own dynamic
#    section names no LibTorch library and they call no LibTorch symbol;
#  - no header or source of core/base, io, core/engine/include, app/ or plugins/sdk (but its LibTorch layers:
#    plugin_torch.hpp, plugin_scan.hpp, plugin_mamba.hpp and plugin_weights.hpp)
#    includes LibTorch (plugin.h may take DLPack's header from LibTorch's copy: that is not LibTorch).
set -u
source=$1 base=$2 io=$3 widgets=$4 cli=$5 studio=$6
status=0
fail() { echo "layering: $*" >&2; status=1; }

for lib in "$base" "$io"; do
  [ -f "$lib" ] || { fail "$lib: not built"; continue; }
  if ldd "$lib" | grep -E 'lib(torch|c10)' >/dev/null; then fail "$lib loads LibTorch: $(ldd "$lib" | grep -E 'lib(torch|c10)' | tr -d '\t' | tr '\n' ' ')"; fi
done
for binary in "$widgets" "$cli" "$studio"; do
  [ "$binary" = "-" ] && continue
  [ -f "$binary" ] || { fail "$binary: not built"; continue; }
  needed=$(readelf -d "$binary" | awk '/NEEDED/ { print $5 }' | tr -d '[]')
  echo "$needed" | grep -E 'lib(torch|c10)' >/dev/null && fail "$binary needs LibTorch directly: $(echo $needed)"
  echo "$needed" | grep -q 'libkrait\.so' || fail "$binary does not link libkrait (the engine API) as expected: $(echo $needed)"
  symbols=$(nm -D -C --undefined-only "$binary" | grep -E ' (at|c10|torch|caffe2)::' | head -3)
  [ -n "$symbols" ] && fail "$binary calls LibTorch: $symbols"
done
includes=$(cd "$source" && grep -rE '#include +<(torch|ATen|c10)/' core/base io core/engine/include app plugins/sdk/include \
  | grep -v -e '^plugins/sdk/include/krait/plugin_torch.hpp:' -e '^plugins/sdk/include/krait/plugin_scan.hpp:' \
      -e '^plugins/sdk/include/krait/plugin_mamba.hpp:' -e '^plugins/sdk/include/krait/plugin_weights.hpp:' -e '<ATen/dlpack.h>' \
  | cut -d: -f1 | sort -u)
[ -n "$includes" ] && fail "LibTorch included where the layering says none: $includes"
[ $status -eq 0 ] && echo "layering: as docs/building.md says"
exit $status
