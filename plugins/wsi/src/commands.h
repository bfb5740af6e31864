// `krait wsi ...`, the plugin's command (docs/wsi.md): info, segment, patch, features, classify, heatmap, run and
// train. Every slide is processed on its own: one that fails is reported and the others go on; the exit code is
// then 3. Stage outputs are those of CLAM (patches/<slide>.h5, h5_files/<slide>.h5, pt_files/<slide>.pt) and
// Krait's per-slide folder <out>/<slide>/ (tissue.geojson, patches.json, scores.json, ...), which the studio's
// slide viewer loads. --resume skips a stage whose output is already there.
#pragma once

#include <string>
#include <vector>

#include "encoder.h"
#include "mil_model.h"

namespace krait::wsi {

// args[0] is "wsi". Returns the exit code of docs/cli.md's table. readStateDict and scan are the host's (plugin
// ABI 1.2 and 1.1) in the plugin, Krait's own in tests.
int wsiCommand(const std::vector<std::string>& args, const StateDictReader& readStateDict, const plugin::ScanFunction& scan);

}  // namespace krait::wsi
