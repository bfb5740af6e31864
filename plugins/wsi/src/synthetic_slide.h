// Slides composed from real histology, for the demonstration model and the tests: islands cut from a real image
// (skimage's ihc.png, colonic glands in DAB and haematoxylin) on a background tiled from a real glass tile of a
// TCGA Aperio slide (pydicom's SC_jpeg_no_color_transform_2.dcm), written as 0.5 µm/px pyramidal TIFFs.
// Composed, not scanned: what they can teach is whether a slide holds tissue, and where.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "slide.h"

namespace krait::wsi {

// An image file libvips reads (PNG, JPEG, TIFF), as RGB. Throws SlideError naming it.
RgbImage readRgbImage(const std::string& path);
// The first encapsulated JPEG frame of a DICOM file (from its SOI to its last EOI marker), decoded by libvips.
RgbImage readDicomJpegFrame(const std::string& path);

// A width x height canvas tiled with `tile`: canvas(x, y) = tile(x mod w, y mod h).
RgbImage tiledCanvas(const RgbImage& tile, int64_t width, int64_t height);
// A rectangle of `image`.
RgbImage crop(const RgbImage& image, int64_t x, int64_t y, int64_t width, int64_t height);
// "none", "flip_h", "flip_v", "rot90", "rot180", "rot270" (clockwise, as vips_rot).
RgbImage transformed(const RgbImage& image, const std::string& how);
// Copies `piece` into `canvas` with its top-left at (x, y); parts outside the canvas are dropped.
void paste(RgbImage& canvas, const RgbImage& piece, int64_t x, int64_t y);
// Every pixel within radius r of (cx, cy) gets the tiled background back (a hole or a bite in tissue).
void eraseCircle(RgbImage& canvas, const RgbImage& tile, int64_t cx, int64_t cy, int64_t r);

struct SyntheticSlide {
  std::filesystem::path file;
  std::string label;  // "tissue" (at least one island) or "background"
  int islands = 0;
};

// `count` slides of width x height pixels at 0.5 µm/px into `folder` (slide_000.tif, ...) and labels.csv
// (slide_id,label,split: the 9th and 10th of every ten, one of each class, are "val"). About half hold 1 to 3 islands of ihc.png pieces
// (random crops of 96 to 320 px, flipped or rotated), the rest only glass. Deterministic for a seed.
std::vector<SyntheticSlide> synthesizeSlides(const std::string& ihcPng, const std::string& glassDicom,
                                             const std::filesystem::path& folder, int count, int64_t width,
                                             int64_t height, uint64_t seed);

}  // namespace krait::wsi
