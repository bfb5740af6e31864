// The WSI plugin's registration: what it gives Krait through krait/plugin.h, and nothing else.
//   reader "slide"        whole-slide images OpenSlide opens, as slides (Krait passes their path on)
//   command "wsi"         krait wsi info|segment|patch|features|classify|heatmap|run|train (commands.h)
//   panel "slide-viewer"  krait-studio's slide viewer (viewer/wsi_panel.h), where the studio is built
// Its Mamba layers run on the host's selective scan (ABI 1.1) and its weights files are read by the host (ABI 1.2).
#include <krait/plugin.hpp>

#include <openslide/openslide.h>

#include "commands.h"
#include "host.h"
#ifdef KRAIT_WSI_VIEWER
#include "wsi_panel.h"
#endif

namespace {

// A slide is too large to hand over: Krait gets its path, and the panel or command reads it.
struct SlideReader {
  static bool canRead(const std::string& path) { return openslide_detect_vendor(path.c_str()) != nullptr; }
  static krait::plugin::Data read(const std::string& path) {
    if (!canRead(path)) throw krait::plugin::inputError(path + ": not a whole-slide image OpenSlide can read");
    krait::plugin::Data d;
    d.kind = KRAIT_DATA_SLIDE;
    d.source = path;
    return d;
  }
};

int wsi(const std::vector<std::string>& args) {
  return krait::wsi::wsiCommand(args, krait::wsi::hostStateDictReader(), krait::wsi::hostScan());
}

}  // namespace

KRAIT_PLUGIN("wsi", "0.1.0", "Whole-slide images: CLAM's pipeline, MambaMIL/ABMIL slide classifiers, heatmaps, krait wsi") {
  krait::wsi::keepHost(host.table());
  host.reader<SlideReader>("slide", KRAIT_DATA_SLIDE, "Whole-slide images (OpenSlide): SVS, NDPI, MRXS, SCN, BIF, tiled TIFF",
                           ".svs;.tif;.tiff;.ndpi;.vms;.vmu;.mrxs;.scn;.bif;.svslide");
  host.command("wsi", "Whole-slide images: info, segment, patch, features, classify, heatmap, run, train", wsi);
#ifdef KRAIT_WSI_VIEWER
  host.panel<krait::wsi::WsiPanel>("slide-viewer", "Slide", KRAIT_DATA_SLIDE);
#endif
}
