// The whole-slide image viewer (plugins/wsi/src/viewer): tiles read off the GUI thread and drawn with the slide's
// own pixels at every zoom, waiting requests dropped when the view moves on, the level following the zoom, the
// scale bar, the layers (heatmap colours, threshold, opacity, tissue outlines, patch grid), the navigator, and the
// panel: slide facts, label and macro hidden until asked, broken files said in the panel, results folders loaded.
// The slides are built here from the catalogue's IHC image (KRAIT_TESTDATA): a JPEG pyramidal TIFF written by
// libvips (0.5 µm/px in its resolution tags), an Aperio-style SVS with label and macro images written with libtiff,
// and broken copies; the results folder holds tissue.geojson (exports.h's writer), patches.json and scores.json.
// Under Xvfb, or Qt's offscreen platform where no display is set. With KRAIT_SCREENSHOTS set, the panel and the
// view with its layers are saved there, and the frame-time probe's figures are printed.
#include <gtest/gtest.h>
#include <tiffio.h>
#include <vips/vips.h>

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QKeyEvent>
#include <QLabel>
#include <QSlider>
#include <QTest>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>

#include "colormap.h"
#include "exports.h"
#include "navigator.h"
#include "patch_image.h"
#include "results_reader.h"
#include "scale_bar.h"
#include "slide.h"
#include "slide_view.h"
#include "testdata.h"
#include "tile_cache.h"
#include "tile_loader.h"
#include "wsi_panel.h"

namespace krait::wsi {
namespace {

namespace fs = std::filesystem;

constexpr int kWidth = 3072, kHeight = 2048;  // the pyramidal TIFF's level 0
constexpr int kPatch = 128;                   // the results' patch side, level-0 pixels

// A libvips image released with its scope.
struct VipsRef {
  VipsImage* image = nullptr;
  ~VipsRef() {
    if (image) g_object_unref(image);
  }
  VipsImage** out() { return &image; }
};

[[noreturn]] void vipsFailed(const std::string& what) {
  const std::string why = vips_error_buffer();
  vips_error_clear();
  throw std::runtime_error("libvips: " + what + ": " + why);
}

// The IHC image four times (once twice as large, once mirrored) on a light background, 3072 x 2048.
void buildCanvas(const fs::path& ihcPath, VipsRef& canvas) {
  VipsRef ihc, big, mirrored, black, background, a, b, c;
  ihc.image = vips_image_new_from_file(ihcPath.c_str(), nullptr);
  if (!ihc.image) vipsFailed("cannot read " + ihcPath.string());
  double scale[3] = {1, 1, 1}, offset[3] = {244, 241, 238};
  if (vips_black(black.out(), kWidth, kHeight, "bands", 3, nullptr) ||
      vips_linear(black.image, background.out(), scale, offset, 3, "uchar", TRUE, nullptr) ||
      vips_resize(ihc.image, big.out(), 2.0, nullptr) || vips_flip(ihc.image, mirrored.out(), VIPS_DIRECTION_HORIZONTAL, nullptr) ||
      vips_insert(background.image, ihc.image, a.out(), 300, 200, nullptr) ||
      vips_insert(a.image, big.image, b.out(), 1000, 520, nullptr) ||
      vips_insert(b.image, mirrored.image, c.out(), 2250, 1300, nullptr) ||
      vips_insert(c.image, ihc.image, canvas.out(), 380, 1290, nullptr))
    vipsFailed("cannot compose the canvas");
}

// The rectangles where buildCanvas put tissue, level-0 pixels.
const std::vector<QRect>& tissueRects() {
  static const std::vector<QRect> rects = {{300, 200, 512, 512}, {1000, 520, 1024, 1024}, {2250, 1300, 512, 512}, {380, 1290, 512, 512}};
  return rects;
}

std::vector<uint8_t> rgbOf(VipsImage* image) {
  std::size_t size = 0;
  void* memory = vips_image_write_to_memory(image, &size);
  if (!memory) vipsFailed("cannot render the canvas");
  std::vector<uint8_t> out(static_cast<const uint8_t*>(memory), static_cast<const uint8_t*>(memory) + size);
  g_free(memory);
  return out;
}

// Box-filtered by `f` in each direction.
std::vector<uint8_t> shrink(const std::vector<uint8_t>& rgb, int w, int h, int f) {
  std::vector<uint8_t> out(static_cast<std::size_t>((w / f) * (h / f) * 3));
  for (int y = 0; y < h / f; ++y)
    for (int x = 0; x < w / f; ++x)
      for (int c = 0; c < 3; ++c) {
        int sum = 0;
        for (int dy = 0; dy < f; ++dy)
          for (int dx = 0; dx < f; ++dx) sum += rgb[static_cast<std::size_t>(((y * f + dy) * w + x * f + dx) * 3 + c)];
        out[static_cast<std::size_t>((y * (w / f) + x) * 3 + c)] = static_cast<uint8_t>(sum / (f * f));
      }
  return out;
}

void setRgbFields(TIFF* t, int w, int h, const std::string& description) {
  TIFFSetField(t, TIFFTAG_IMAGEWIDTH, w);
  TIFFSetField(t, TIFFTAG_IMAGELENGTH, h);
  TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 3);
  TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
  TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
  TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
  TIFFSetField(t, TIFFTAG_IMAGEDESCRIPTION, description.c_str());
}

void writeTiled(TIFF* t, const std::vector<uint8_t>& rgb, int w, int h, const std::string& description) {
  setRgbFields(t, w, h, description);
  TIFFSetField(t, TIFFTAG_TILEWIDTH, 256);
  TIFFSetField(t, TIFFTAG_TILELENGTH, 256);
  std::vector<uint8_t> tile(256 * 256 * 3);
  for (int ty = 0; ty < h; ty += 256)
    for (int tx = 0; tx < w; tx += 256) {
      std::fill(tile.begin(), tile.end(), uint8_t{255});
      for (int y = 0; y < 256 && ty + y < h; ++y)
        for (int x = 0; x < 256 && tx + x < w; ++x)
          std::copy_n(&rgb[static_cast<std::size_t>(((ty + y) * w + tx + x) * 3)], 3, &tile[static_cast<std::size_t>((y * 256 + x) * 3)]);
      if (TIFFWriteTile(t, tile.data(), static_cast<uint32_t>(tx), static_cast<uint32_t>(ty), 0, 0) < 0)
        throw std::runtime_error("libtiff cannot write a tile");
    }
  TIFFWriteDirectory(t);
}

void writeStripped(TIFF* t, std::vector<uint8_t> rgb, int w, int h, const std::string& description) {
  setRgbFields(t, w, h, description);
  TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, h);
  if (TIFFWriteEncodedStrip(t, 0, rgb.data(), static_cast<tmsize_t>(rgb.size())) < 0)
    throw std::runtime_error("libtiff cannot write a strip");
  TIFFWriteDirectory(t);
}

std::vector<uint8_t> solid(int w, int h, QRgb colour) {
  std::vector<uint8_t> out;
  for (int i = 0; i < w * h; ++i) out.insert(out.end(), {static_cast<uint8_t>(qRed(colour)), static_cast<uint8_t>(qGreen(colour)), static_cast<uint8_t>(qBlue(colour))});
  return out;
}

const QRgb kLabelColour = qRgb(250, 220, 40);
const QRgb kMacroColour = qRgb(40, 160, 220);

// As Aperio lays an SVS out: the tiled base (its description starting "Aperio", with AppMag and MPP), a stripped
// thumbnail, a tiled level, then the stripped label and macro images, named on their description's second line.
void writeAperio(const fs::path& path, const std::vector<uint8_t>& rgb, int w, int h) {
  TIFF* t = TIFFOpen(path.c_str(), "w");
  if (!t) throw std::runtime_error("libtiff cannot create " + path.string());
  const std::string header = "Aperio Image Library v12.0.15 \r\n";
  writeTiled(t, rgb, w, h, header + std::to_string(w) + "x" + std::to_string(h) + " (256x256) RAW|AppMag = 20|MPP = 0.25");
  writeStripped(t, shrink(rgb, w, h, 4), w / 4, h / 4, header + "thumbnail");
  writeTiled(t, shrink(rgb, w, h, 4), w / 4, h / 4, header + "level 1");
  // OpenSlide splits at either of \r and \n and takes the second piece: these lines end in \n alone, as Aperio's do.
  writeStripped(t, solid(160, 100, kLabelColour), 160, 100, "Aperio Image Library v12.0.15\nlabel 160x100");
  writeStripped(t, solid(400, 120, kMacroColour), 400, 120, "Aperio Image Library v12.0.15\nmacro 400x120");
  TIFFClose(t);
}

// Level 0's tiles overwritten with bytes no JPEG decoder takes: the file opens, its other levels read, level 0 fails.
void corruptLevelZero(const fs::path& path) {
  TIFF* t = TIFFOpen(path.c_str(), "r");
  if (!t) throw std::runtime_error("libtiff cannot open " + path.string());
  uint64_t* offsets = nullptr;
  uint64_t* counts = nullptr;
  TIFFGetField(t, TIFFTAG_TILEOFFSETS, &offsets);
  TIFFGetField(t, TIFFTAG_TILEBYTECOUNTS, &counts);
  std::vector<std::pair<uint64_t, uint64_t>> tiles;
  for (ttile_t i = 0; i < TIFFNumberOfTiles(t); ++i) tiles.emplace_back(offsets[i], counts[i]);
  TIFFClose(t);
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  for (const auto& [offset, count] : tiles) {
    file.seekp(static_cast<std::streamoff>(offset));
    const std::string junk(count, '\x55');
    file.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
}

// The results a pipeline would write for the pyramidal slide: the tissue rectangles (the large one with a hole),
// 128 px patches over them, and an attention score per patch that grows with the brown DAB stain read from the
// slide (red minus blue), with a prediction.
void writeResults(const fs::path& dir, const Slide& slide) {
  fs::create_directories(dir);
  std::vector<TissueRegion> tissue;
  for (const QRect& r : tissueRects()) {
    const double x0 = r.left(), y0 = r.top(), x1 = r.left() + r.width(), y1 = r.top() + r.height();
    tissue.push_back({{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}, {}});
  }
  tissue[1].holes.push_back({{1100, 1050}, {1230, 1050}, {1230, 1520}, {1100, 1520}});  // pale stroma, lower left
  writeTissueGeoJson(tissue, (dir / "tissue.geojson").string());  // as `krait wsi` writes it
  std::string coords, attention;
  for (const QRect& r : tissueRects())
    for (int y = r.top(); y + kPatch <= r.top() + r.height(); y += kPatch)
      for (int x = r.left(); x + kPatch <= r.left() + r.width(); x += kPatch) {
        const RgbImage patch = slide.readRegion(x, y, 0, kPatch, kPatch);
        double brown = 0;
        for (std::size_t i = 0; i < patch.pixels.size(); i += 3) brown += patch.pixels[i] - patch.pixels[i + 2];
        coords += (coords.empty() ? "[" : ",[") + std::to_string(x) + "," + std::to_string(y) + "]";
        attention += (attention.empty() ? "" : ",") + std::to_string(brown / (kPatch * kPatch) / 10.0);
      }
  std::ofstream(dir / "patches.json") << R"({"patch_size": )" << kPatch << R"(, "coords": [)" << coords << "]}";
  std::ofstream(dir / "scores.json") << R"({"patch_size": )" << kPatch << R"(, "coords": [)" << coords << R"(], "attention": [)"
                                     << attention << R"(], "probabilities": {"normal": 0.13, "tumor": 0.87}, "predicted": "tumor"})";
}

// Slides built once for all tests.
struct Fixtures {
  test::TempDir dir;
  fs::path pyramid, aperio, unknownMpp, png, truncated, corrupt, results;
};

const Fixtures& fixtures() {
  static const std::unique_ptr<Fixtures> built = [] {
    auto f = std::make_unique<Fixtures>();
    const fs::path ihc = test::testData("wsi-histology/ihc.png");
    f->pyramid = f->dir / "pyramid.tif";
    VipsRef canvas;
    buildCanvas(ihc, canvas);
    // xres/yres in pixels per millimetre: 2000 is 0.5 µm per pixel.
    if (vips_tiffsave(canvas.image, f->pyramid.c_str(), "tile", TRUE, "pyramid", TRUE, "tile_width", 256, "tile_height", 256,
                      "compression", VIPS_FOREIGN_TIFF_COMPRESSION_JPEG, "Q", 90, "xres", 2000.0, "yres", 2000.0, nullptr))
      vipsFailed("cannot write the pyramidal TIFF");
    // 1 pixel per millimetre: the 72-dpi kind of default no microscope has, which Slide takes for no pixel size.
    f->unknownMpp = f->dir / "unknown-mpp.tif";
    VipsRef ihcImage;
    ihcImage.image = vips_image_new_from_file(ihc.c_str(), nullptr);
    if (!ihcImage.image || vips_tiffsave(ihcImage.image, f->unknownMpp.c_str(), "tile", TRUE, "pyramid", TRUE, "tile_width", 256,
                                         "tile_height", 256, "xres", 1.0, "yres", 1.0, nullptr))
      vipsFailed("cannot write the TIFF without a pixel size");
    VipsRef part;
    // Whole tiles at both levels: OpenSlide 3.4.1 shifts the rows of an uncompressed tile cut by the image's edge.
    if (vips_extract_area(canvas.image, part.out(), 0, 0, 1024, 1024, nullptr)) vipsFailed("cannot crop the canvas");
    f->aperio = f->dir / "aperio.svs";
    writeAperio(f->aperio, rgbOf(part.image), 1024, 1024);
    f->png = f->dir / "ihc.png";
    fs::copy_file(ihc, f->png);
    f->truncated = f->dir / "truncated.tif";
    const std::string bytes = test::fileBytes(f->pyramid);
    std::ofstream(f->truncated, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() * 6 / 10));
    f->corrupt = f->dir / "corrupt.tif";
    fs::copy_file(f->pyramid, f->corrupt);
    corruptLevelZero(f->corrupt);
    f->results = f->dir / "results";
    writeResults(f->results, Slide(f->pyramid.string()));
    return f;
  }();
  return *built;
}

class WsiViewer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (app_) return;
    if (!std::getenv("DISPLAY")) qputenv("QT_QPA_PLATFORM", "offscreen");
    static int argc = 1;
    static char name[] = "krait_wsi_viewer_tests";
    static char* argv[] = {name, nullptr};
    app_ = new QApplication(argc, argv);
    if (VIPS_INIT(name)) vipsFailed("cannot start");
  }
  void SetUp() override {
    const char* root = std::getenv("KRAIT_TESTDATA");
    ASSERT_TRUE(root && *root) << "KRAIT_TESTDATA is not set: point it at the test data folder (scripts/fetch-test-data.sh "
                                  "fetches it; ctest sets it)";
    try {
      fixtures();
    } catch (const std::exception& e) {
      FAIL() << "cannot build the test slides: " << e.what();
    }
  }
  static std::shared_ptr<const Slide> pyramid() { return std::make_shared<const Slide>(fixtures().pyramid.string()); }

  inline static QApplication* app_ = nullptr;

  // Qt's own static objects crash at exit when a QApplication outlives main(): the environment deletes it.
  struct Teardown : ::testing::Environment {
    void TearDown() override {
      delete app_;
      app_ = nullptr;
    }
  };
  inline static ::testing::Environment* const teardown_ = ::testing::AddGlobalTestEnvironment(new Teardown);
};

// Renders until every tile the view needs at `size` has arrived (each render asks for the missing ones).
bool renderComplete(SlideView& view, QSize size, QImage* out = nullptr) {
  const bool done = QTest::qWaitFor([&] {
    view.render(size);
    return view.tilesComplete(size);
  }, 20000);
  if (out) *out = view.render(size);
  return done;
}

// Mean absolute difference per channel between the view's pixels and the slide's, over `area` of both.
double meanAbsDiff(const QImage& shown, const RgbImage& truth, const QRect& area) {
  double sum = 0;
  for (int y = area.top(); y <= area.bottom(); ++y)
    for (int x = area.left(); x <= area.right(); ++x) {
      const QRgb s = shown.pixel(x, y);
      const uint8_t* t = &truth.pixels[static_cast<std::size_t>((y * truth.width + x) * 3)];
      sum += std::abs(qRed(s) - t[0]) + std::abs(qGreen(s) - t[1]) + std::abs(qBlue(s) - t[2]);
    }
  return sum / (3.0 * area.width() * area.height());
}

double meanAbsDiff(const QImage& a, const QImage& b, const QRect& area) {
  double sum = 0;
  for (int y = area.top(); y <= area.bottom(); ++y)
    for (int x = area.left(); x <= area.right(); ++x) {
      const QRgb p = a.pixel(x, y), q = b.pixel(x, y);
      sum += std::abs(qRed(p) - qRed(q)) + std::abs(qGreen(p) - qGreen(q)) + std::abs(qBlue(p) - qBlue(q));
    }
  return sum / (3.0 * area.width() * area.height());
}

QImage toImage(const RgbImage& rgb) {
  QImage out(static_cast<int>(rgb.width), static_cast<int>(rgb.height), QImage::Format_RGB888);
  for (int y = 0; y < out.height(); ++y) std::copy_n(&rgb.pixels[static_cast<std::size_t>(y * rgb.width * 3)], rgb.width * 3, out.scanLine(y));
  return out.convertToFormat(QImage::Format_RGB32);
}

// The colour map's colour (colormap.h) as a QRgb.
QRgb colourOf(Colormap map, double value) {
  const Rgb c = colormapColor(map, value);
  return qRgb(c[0], c[1], c[2]);
}

void saveScreenshot(const QImage& image, const std::string& name) {
  if (const char* dir = std::getenv("KRAIT_SCREENSHOTS")) {
    fs::create_directories(dir);
    EXPECT_TRUE(image.save(QString::fromStdString((fs::path(dir) / name).string()))) << name;
  }
}

// The view's top-left corner at level-0 (x, y), `scale` screen pixels per level-0 pixel, at `size`.
void showFrom(SlideView& view, QSize size, double x, double y, double scale) {
  view.setView(QPointF(x + size.width() / 2.0 / scale, y + size.height() / 2.0 / scale), scale);
}

}  // namespace

TEST(WsiTileCache, DropsTheLeastRecentlyUsedTilesOverItsBudget) {
  const QImage tile(256, 256, QImage::Format_RGB32);  // 256 KiB
  TileCache cache(3 * tile.sizeInBytes());
  for (int c = 0; c < 3; ++c) cache.insert({0, c, 0}, tile);
  EXPECT_EQ(cache.size(), 3u);
  ASSERT_NE(cache.find({0, 0, 0}), nullptr);  // now the most recent: tile 1 is the oldest
  cache.insert({0, 3, 0}, tile);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_FALSE(cache.contains({0, 1, 0}));
  EXPECT_TRUE(cache.contains({0, 0, 0}));
  EXPECT_TRUE(cache.contains({0, 3, 0}));
  EXPECT_EQ(cache.bytes(), 3 * tile.sizeInBytes());
  cache.insert({0, 3, 0}, tile);  // replacing counts once
  EXPECT_EQ(cache.bytes(), 3 * tile.sizeInBytes());
  const QImage big(1024, 1024, QImage::Format_RGB32);
  cache.insert({1, 0, 0}, big);  // alone over the budget: it stays, alone
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_TRUE(cache.contains({1, 0, 0}));
}

TEST(WsiHeatmap, AveragesOverlappingPatchesAndLeavesLowOnesEmpty) {
  // Two 256 px patches overlapping by half: cells of 128 px, the shared one the mean of 1 and 0.
  const PatchLayer layer{{{1000, 500}, {1128, 500}}, 256, {1.0f, 0.0f}};
  const PatchImage image = heatmapImage(layer, Colormap::Jet, 0.0);
  ASSERT_EQ(image.image.size(), QSize(3, 2));
  EXPECT_DOUBLE_EQ(image.cell, 128.0);
  EXPECT_EQ(image.origin, QPointF(1000, 500));
  EXPECT_EQ(image.image.pixel(0, 0), colourOf(Colormap::Jet, 1.0));
  EXPECT_EQ(image.image.pixel(1, 1), colourOf(Colormap::Jet, 0.5));
  EXPECT_EQ(image.image.pixel(2, 0), colourOf(Colormap::Jet, 0.0));
  const PatchImage thresholded = heatmapImage(layer, Colormap::Jet, 0.6);
  EXPECT_EQ(qAlpha(thresholded.image.pixel(0, 0)), 255);
  EXPECT_EQ(qAlpha(thresholded.image.pixel(1, 0)), 0);
  EXPECT_EQ(qAlpha(thresholded.image.pixel(2, 0)), 0);
  EXPECT_THROW(heatmapImage(PatchLayer{{{0, 0}}, 256, {}}, Colormap::Jet, 0), std::invalid_argument);
}

TEST(WsiScaleBar, RoundLengthsInMicronsMillimetresOrPixels) {
  const ScaleBar microns = scaleBarFor(0.5, 1.0);  // 160 px hold 80 µm: 50 µm is the round length
  EXPECT_EQ(microns.text, QStringLiteral("50 µm"));
  EXPECT_DOUBLE_EQ(microns.lengthPx, 100.0);
  EXPECT_TRUE(microns.note.isEmpty());
  const ScaleBar millimetres = scaleBarFor(0.25, 0.01);  // 160 px hold 4 mm
  EXPECT_EQ(millimetres.text, QStringLiteral("2 mm"));
  EXPECT_DOUBLE_EQ(millimetres.lengthPx, 80.0);
  const ScaleBar pixels = scaleBarFor(0.0, 1.0);
  EXPECT_EQ(pixels.text, QStringLiteral("100 px"));
  EXPECT_EQ(pixels.note, QStringLiteral("pixel size unknown"));
}

TEST_F(WsiViewer, LoaderDropsWaitingRequestsNoLongerWanted) {
  const auto slide = pyramid();
  std::mutex mutex;
  std::condition_variable changed;
  int busy = 0;
  bool release = false;
  std::vector<TileKey> delivered;
  std::vector<std::string> errors;
  {
    TileLoader loader(slide, 2, [&](const TileKey& key, QImage image, const std::string& error) {
      std::unique_lock lock(mutex);
      delivered.push_back(key);
      if (image.isNull()) errors.push_back(error);
      ++busy;
      changed.notify_all();
      changed.wait(lock, [&] { return release; });
    });
    std::vector<TileKey> first, second;
    for (int c = 0; c < 10; ++c) first.push_back({0, c, 0});
    for (int c = 0; c < 4; ++c) second.push_back({0, c, 5});
    loader.request(first);
    {
      std::unique_lock lock(mutex);
      ASSERT_TRUE(changed.wait_for(lock, std::chrono::seconds(20), [&] { return busy == 2; }));  // both workers hold a tile
    }
    loader.request(second);  // the view moved: the 8 tiles still waiting are no longer wanted
    EXPECT_EQ(loader.dropped(), 8u);
    EXPECT_EQ(loader.pending(), 6u);
    {
      const std::lock_guard lock(mutex);
      release = true;
    }
    changed.notify_all();
    ASSERT_TRUE(QTest::qWaitFor([&] { return loader.pending() == 0; }, 20000));
    EXPECT_EQ(loader.delivered(), 6u);
  }
  const std::set<std::pair<int64_t, int64_t>> got = [&] {
    std::set<std::pair<int64_t, int64_t>> s;
    for (const TileKey& k : delivered) s.insert({k.col, k.row});
    return s;
  }();
  EXPECT_EQ(got, (std::set<std::pair<int64_t, int64_t>>{{0, 0}, {1, 0}, {0, 5}, {1, 5}, {2, 5}, {3, 5}}));
  EXPECT_TRUE(errors.empty()) << errors.front();
}

TEST_F(WsiViewer, TilesArriveOffTheGuiThreadAndShowTheSlidesOwnPixels) {
  const auto slide = pyramid();
  ASSERT_EQ(slide->levels().size(), 5u);
  SlideView view;
  view.resize(800, 600);
  view.setSlide(slide);
  ASSERT_FALSE(view.overview().isNull());
  EXPECT_EQ(view.overviewLevel(), 4);
  EXPECT_EQ(view.overview().size(), QSize(192, 128));
  const QSize size(512, 384);
  const QRect compared(0, 0, 512, 300);  // above the scale bar

  // Level 1 at 1:1 (0.5 screen px per level-0 px).
  showFrom(view, size, 1000, 600, 0.5);
  EXPECT_EQ(view.currentLevel(), 1);
  const QImage before = view.render(size);  // nothing read yet: the overview stands in, no holes
  EXPECT_FALSE(view.tilesComplete(size));
  const RgbImage level1 = slide->readRegion(1000, 600, 1, 512, 384);
  EXPECT_LT(meanAbsDiff(before, level1, compared), 25.0);
  QImage shown;
  ASSERT_TRUE(renderComplete(view, size, &shown));
  EXPECT_LT(meanAbsDiff(shown, level1, compared), 0.5);
  EXPECT_LT(meanAbsDiff(shown, level1, compared), meanAbsDiff(before, level1, compared) / 4);  // sharper than the stand-in

  // Level 0 at 1:1, across tile boundaries (1000 and 600 are not multiples of 256).
  showFrom(view, size, 1100, 650, 1.0);
  EXPECT_EQ(view.currentLevel(), 0);
  ASSERT_TRUE(renderComplete(view, size, &shown));
  EXPECT_LT(meanAbsDiff(shown, slide->readRegion(1100, 650, 0, 512, 384), compared), 0.5);

  // Between levels: 0.37 screen px per level-0 px draws level 1 shrunk by 0.74.
  const double scale = 0.37;
  showFrom(view, size, 400, 300, scale);
  EXPECT_EQ(view.currentLevel(), 1);
  ASSERT_TRUE(renderComplete(view, size, &shown));
  const QSize covered(static_cast<int>(std::lround(size.width() / scale / 2)), static_cast<int>(std::lround(size.height() / scale / 2)));
  const QImage expected = toImage(slide->readRegion(400, 300, 1, covered.width(), covered.height()))
                              .scaled(size, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
  EXPECT_LT(meanAbsDiff(shown, expected, compared), 6.0);
  EXPECT_GT(view.cache().size(), 0u);
}

TEST_F(WsiViewer, ZoomChangesTheLevelAndKeepsThePointUnderThePointer) {
  const auto slide = pyramid();
  SlideView view;
  view.resize(800, 600);
  view.setSlide(slide);
  view.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&view));
  auto levelForScale = [&] { return slide->bestLevelForDownsample(1.0 / view.scale()); };
  // Fitted: 3072 px in 800: a downsample of 3.84, level 1 (2).
  EXPECT_NEAR(view.scale(), 800.0 / kWidth, 1e-9);
  EXPECT_EQ(view.currentLevel(), 1);
  std::set<int> levels = {view.currentLevel()};

  const QPointF pointer(200, 150);
  const QPointF under = view.viewTransform().toLevel0(pointer);
  QWheelEvent wheel(pointer, view.mapToGlobal(pointer), QPoint(), QPoint(0, 4 * 120), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
  QApplication::sendEvent(&view, &wheel);
  EXPECT_NEAR(view.scale(), 800.0 / kWidth * std::pow(1.25, 4), 1e-9);
  const QPointF after = view.viewTransform().toLevel0(pointer);
  EXPECT_NEAR(after.x(), under.x(), 1e-6);
  EXPECT_NEAR(after.y(), under.y(), 1e-6);
  EXPECT_EQ(view.currentLevel(), 0);
  EXPECT_EQ(view.currentLevel(), levelForScale());
  levels.insert(view.currentLevel());

  for (int i = 0; i < 12; ++i) QTest::keyClick(&view, Qt::Key_Minus);
  EXPECT_NEAR(view.scale(), 800.0 / kWidth / 2, 1e-9);  // no further out than half the fitted size
  EXPECT_EQ(view.currentLevel(), 2);
  EXPECT_EQ(view.currentLevel(), levelForScale());
  levels.insert(view.currentLevel());
  EXPECT_EQ(levels, (std::set<int>{0, 1, 2}));

  // A drag moves the slide with the pointer.
  QTest::keyClick(&view, Qt::Key_Plus);
  QTest::keyClick(&view, Qt::Key_Plus);
  QTest::keyClick(&view, Qt::Key_Plus);
  QTest::keyClick(&view, Qt::Key_Plus);
  const QPointF centre = view.centre();
  QTest::mousePress(&view, Qt::LeftButton, {}, QPoint(400, 300));
  QTest::mouseMove(&view, QPoint(350, 280));
  QTest::mouseRelease(&view, Qt::LeftButton, {}, QPoint(300, 250));
  EXPECT_NEAR(view.centre().x(), centre.x() + 100 / view.scale(), 1e-6);
  EXPECT_NEAR(view.centre().y(), centre.y() + 50 / view.scale(), 1e-6);
  QTest::keyClick(&view, Qt::Key_F);
  EXPECT_NEAR(view.scale(), 800.0 / kWidth, 1e-9);
  EXPECT_EQ(view.centre(), QPointF(kWidth / 2.0, kHeight / 2.0));
}

TEST_F(WsiViewer, ScaleBarSaysFiftyMicronsAtHalfAMicronPerPixelAndPixelsWithoutAPixelSize) {
  SlideView view;
  view.resize(800, 600);
  view.setSlide(pyramid());
  EXPECT_DOUBLE_EQ(view.slide()->mppX(), 0.5);
  view.setView(QPointF(1500, 1000), 1.0);
  EXPECT_EQ(view.scaleBar().text, QStringLiteral("50 µm"));
  EXPECT_DOUBLE_EQ(view.scaleBar().lengthPx, 100.0);
  view.fit();  // 0.26 px per level-0 px: 160 px hold 307 µm
  EXPECT_EQ(view.scaleBar().text, QStringLiteral("200 µm"));
  // Drawn: a black bar of that length at the bottom left (scale_bar.cpp: 10 px margin, 6 px padding, 6 px high).
  view.setView(QPointF(1500, 1000), 1.0);
  const QImage image = view.render(QSize(800, 600));
  EXPECT_EQ(image.pixel(16 + 50, 600 - 19), qRgb(0, 0, 0));
  EXPECT_EQ(image.pixel(16 + 99, 600 - 19), qRgb(0, 0, 0));
  EXPECT_NE(image.pixel(16 + 102, 600 - 19), qRgb(0, 0, 0));

  // Without a pixel size: a length in level-0 pixels, and said.
  WsiPanel panel;
  ASSERT_TRUE(panel.openSlide(fixtures().unknownMpp.string())) << panel.errorText().toStdString();
  EXPECT_TRUE(panel.infoText().contains("pixel size unknown")) << panel.infoText().toStdString();
  EXPECT_EQ(panel.view()->slide()->mppSource(), MppSource::Unknown);
  panel.view()->setView(QPointF(256, 256), 1.0);
  EXPECT_EQ(panel.view()->scaleBar().text, QStringLiteral("100 px"));
  EXPECT_EQ(panel.view()->scaleBar().note, QStringLiteral("pixel size unknown"));
}

TEST_F(WsiViewer, HeatmapColoursTheRightSquaresAboveTheThreshold) {
  SlideView view;
  view.resize(800, 600);
  view.setSlide(pyramid());
  const QSize size(1024, 768);
  showFrom(view, size, 512, 256, 0.5);  // level-0 (x, y) shows at ((x - 512) / 2, (y - 256) / 2)
  QImage plain;
  ASSERT_TRUE(renderComplete(view, size, &plain));
  auto screen = [](int x, int y) { return QPoint((x - 512) / 2, (y - 256) / 2); };

  view.setHeatmap(PatchLayer{{{1024, 512}, {1536, 512}, {1024, 1024}}, 256, {0.95f, 0.1f, 0.6f}});
  view.setLayerOpacity(Layer::Heatmap, 1.0);
  view.setHeatmapThreshold(0.5);
  const QImage jet = view.render(size);
  const QRgb high = jet.pixel(screen(1024 + 128, 512 + 128));
  EXPECT_GT(qRed(high), 150);  // jet(0.95): red
  EXPECT_LT(qGreen(high), 40);
  EXPECT_LT(qBlue(high), 40);
  EXPECT_EQ(high, colourOf(Colormap::Jet, 0.95));
  EXPECT_EQ(jet.pixel(screen(1024 + 1, 512 + 1)), high);    // the square's own edge
  EXPECT_EQ(jet.pixel(screen(1024 - 4, 512 + 100)), plain.pixel(screen(1024 - 4, 512 + 100)));  // just outside it
  EXPECT_EQ(jet.pixel(screen(1024 + 128, 1024 + 128)), colourOf(Colormap::Jet, 0.6));
  // 0.1 is below the threshold: the slide shows there, untouched.
  const QRect low(screen(1536, 512), screen(1536 + 255, 512 + 255));
  EXPECT_EQ(meanAbsDiff(jet, plain, low), 0.0);

  view.setHeatmapThreshold(0.0);
  EXPECT_EQ(view.render(size).pixel(low.center()), colourOf(Colormap::Jet, 0.1));  // now blue

  view.setColormap(Colormap::Coolwarm);
  const QRgb warm = view.render(size).pixel(screen(1024 + 128, 512 + 128));
  EXPECT_GT(qRed(warm), 150);
  EXPECT_LT(qGreen(warm), 80);
  EXPECT_LT(qBlue(warm), 80);

  view.setLayerOpacity(Layer::Heatmap, 0.5);
  const QRgb half = view.render(size).pixel(screen(1024 + 128, 512 + 128));
  const QRgb under = plain.pixel(screen(1024 + 128, 512 + 128));
  EXPECT_NEAR(qRed(half), (qRed(warm) + qRed(under)) / 2.0, 2);
  EXPECT_NEAR(qBlue(half), (qBlue(warm) + qBlue(under)) / 2.0, 2);

  view.setLayerOpacity(Layer::Heatmap, 0.0);
  EXPECT_EQ(meanAbsDiff(view.render(size), plain, QRect(QPoint(0, 0), size)), 0.0);
  view.setLayerOpacity(Layer::Heatmap, 1.0);
  view.setLayerVisible(Layer::Heatmap, false);
  EXPECT_EQ(meanAbsDiff(view.render(size), plain, QRect(QPoint(0, 0), size)), 0.0);
}

TEST_F(WsiViewer, TissueOutlinesAndThePatchGridLandOnTheirLevelZeroPixels) {
  SlideView view;
  view.resize(800, 600);
  view.setSlide(pyramid());
  const QSize size(1024, 768);
  showFrom(view, size, 512, 256, 0.5);
  QImage plain;
  ASSERT_TRUE(renderComplete(view, size, &plain));
  auto screen = [](int x, int y) { return QPoint((x - 512) / 2, (y - 256) / 2); };

  TissueRegion region;
  region.outer = {{600, 400}, {1400, 400}, {1400, 900}, {600, 900}};
  region.holes = {{{800, 500}, {1000, 500}, {1000, 700}, {800, 700}}};
  view.setTissue({region});
  const QImage tissue = view.render(size);
  auto green = [](QRgb p) { return qGreen(p) > 200 && qRed(p) < 90 && qBlue(p) < 90; };
  auto blue = [](QRgb p) { return qBlue(p) > 200 && qRed(p) < 90 && qGreen(p) < 90; };
  const QPoint top = screen(1000, 400);
  EXPECT_TRUE(green(tissue.pixel(top)) || green(tissue.pixel(top - QPoint(0, 1)))) << std::hex << tissue.pixel(top);
  EXPECT_FALSE(green(tissue.pixel(top + QPoint(0, 6))));
  // Along 80 screen pixels, the outline is green throughout; the hole's edge, dashed, blue in parts only.
  int solid = 0, dashes = 0, along = 0;
  const int outlineY = green(tissue.pixel(top)) ? top.y() : top.y() - 1;
  const int holeY = screen(0, 500).y();
  for (int x = screen(820, 0).x(); x < screen(980, 0).x(); ++x, ++along) {
    solid += green(tissue.pixel(x, outlineY));
    dashes += blue(tissue.pixel(x, holeY)) || blue(tissue.pixel(x, holeY - 1));
  }
  EXPECT_EQ(solid, along);
  EXPECT_GT(dashes, along / 3);
  EXPECT_LT(dashes, along * 9 / 10);
  view.setLayerOpacity(Layer::Tissue, 0.0);
  EXPECT_EQ(meanAbsDiff(view.render(size), plain, QRect(QPoint(0, 0), size)), 0.0);

  view.setPatches(PatchLayer{{{1024, 512}, {1280, 512}}, 256, {}});
  view.setLayerOpacity(Layer::Patches, 1.0);
  const QImage grid = view.render(size);
  const QRgb edge = grid.pixel(screen(1280, 600));  // the line between the two squares
  EXPECT_EQ(edge, qRgb(20, 60, 200));
  EXPECT_EQ(grid.pixel(screen(1280, 600) + QPoint(20, 0)), plain.pixel(screen(1280, 600) + QPoint(20, 0)));
  // Translucent, the shared edge is blended once, as the border is: not darker where two squares meet.
  view.setLayerOpacity(Layer::Patches, 0.6);
  const QImage translucent = view.render(size);
  const QRgb under = plain.pixel(screen(1280, 600)), shared = translucent.pixel(screen(1280, 600));
  EXPECT_NEAR(qRed(shared), 0.6 * 20 + 0.4 * qRed(under), 2);
  EXPECT_NEAR(qBlue(shared), 0.6 * 200 + 0.4 * qBlue(under), 2);
  // Squares of 4 screen pixels are tinted rather than outlined.
  view.setPatches(PatchLayer{{{1024, 512}, {1032, 512}}, 8, {}});
  const QImage tint = view.render(size);
  const QPoint inside = screen(1026, 514);
  EXPECT_GT(qBlue(tint.pixel(inside)) - qRed(tint.pixel(inside)), qBlue(plain.pixel(inside)) - qRed(plain.pixel(inside)));
}

TEST_F(WsiViewer, NavigatorShowsTheViewAndCentresItOnAClick) {
  WsiPanel panel;
  panel.resize(1280, 900);
  ASSERT_TRUE(panel.openSlide(fixtures().pyramid.string()));
  panel.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&panel));
  Navigator* nav = panel.navigator();
  const QRectF area = nav->overviewArea();
  ASSERT_FALSE(area.isEmpty());
  EXPECT_NEAR(area.width() / area.height(), 1.5, 0.02);
  panel.view()->setView(QPointF(800, 500), 1.0);
  const QRectF shown = nav->viewportRect();
  const QRectF seen = panel.view()->viewTransform().visibleLevel0();
  EXPECT_NEAR(shown.center().x(), area.left() + 800 * area.width() / kWidth, 0.5);
  EXPECT_NEAR(shown.width() / area.width(), seen.width() / kWidth, 1e-6);
  const QPoint click = (area.topLeft() + QPointF(area.width() * 0.75, area.height() * 0.25)).toPoint();
  QTest::mouseClick(nav, Qt::LeftButton, {}, click);
  EXPECT_NEAR(panel.view()->centre().x(), nav->level0At(click).x(), 1e-6);
  EXPECT_NEAR(panel.view()->centre().x(), kWidth * 0.75, kWidth / area.width());
  EXPECT_NEAR(panel.view()->centre().y(), kHeight * 0.25, kHeight / area.height());
  const QImage drawn = nav->grab().toImage();
  const QPoint middle = nav->viewportRect().center().toPoint();
  const QRgb frame = drawn.pixel(QPoint(static_cast<int>(nav->viewportRect().left()), middle.y()));
  EXPECT_GT(qRed(frame), 180);  // the red viewport frame
  EXPECT_LT(qGreen(frame), 90);
}

TEST_F(WsiViewer, PanelDescribesTheSlideAndHidesLabelAndMacroUntilAsked) {
  WsiPanel panel;
  panel.resize(1280, 900);
  ASSERT_TRUE(panel.openSlide(fixtures().pyramid.string())) << panel.errorText().toStdString();
  const std::string info = panel.infoText().toStdString();
  for (const char* expected : {"pyramid.tif", "generic-tiff", "3072 x 2048 px", "5 levels (downsample 1, 2, 4, 8, 16)",
                               "0.500 µm/px (tiff-resolution)"})
    EXPECT_NE(info.find(expected), std::string::npos) << expected << " in " << info;
  EXPECT_TRUE(panel.associatedImageNames().isEmpty());
  EXPECT_FALSE(panel.findChild<QCheckBox*>("wsiShowAssociated")->isEnabled());

  ASSERT_TRUE(panel.openSlide(fixtures().aperio.string())) << panel.errorText().toStdString();
  const std::string aperio = panel.infoText().toStdString();
  for (const char* expected : {"aperio.svs", "aperio", "1024 x 1024 px", "2 levels", "0.250 µm/px (openslide.mpp)", "20x objective"})
    EXPECT_NE(aperio.find(expected), std::string::npos) << expected << " in " << aperio;
  EXPECT_EQ(panel.associatedImageNames(), (QStringList{"label", "macro", "thumbnail"}));
  EXPECT_TRUE(panel.findChild<QLabel*>("wsiAssociatedNames")->text().contains("label, macro"));
  // Hidden by default: not shown, not even read.
  auto* toggle = panel.findChild<QCheckBox*>("wsiShowAssociated");
  EXPECT_TRUE(toggle->isEnabled());
  EXPECT_FALSE(toggle->isChecked());
  EXPECT_EQ(toggle->text(), QStringLiteral("Show label/macro (may contain patient data)"));
  EXPECT_FALSE(panel.associatedImagesShown());
  EXPECT_EQ(panel.findChild<QLabel*>("wsiAssociated_label"), nullptr);

  toggle->setChecked(true);
  EXPECT_TRUE(panel.associatedImagesShown());
  auto* label = panel.findChild<QLabel*>("wsiAssociated_label");
  ASSERT_NE(label, nullptr);
  const QImage labelImage = label->pixmap().toImage();
  ASSERT_FALSE(labelImage.isNull());
  EXPECT_EQ(labelImage.size(), QSize(160, 100));
  EXPECT_EQ(labelImage.pixel(80, 50) & 0xffffff, kLabelColour & 0xffffff);
  auto* macro = panel.findChild<QLabel*>("wsiAssociated_macro");
  ASSERT_NE(macro, nullptr);
  EXPECT_EQ(macro->pixmap().width(), 240);  // shrunk to the side column
  panel.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&panel));
  ASSERT_TRUE(QTest::qWaitFor([&] { return panel.view()->tilesComplete(); }, 20000));
  QTest::qWait(50);
  saveScreenshot(panel.grab().toImage(), "wsi_panel_associated_shown.png");
  toggle->setChecked(false);
  EXPECT_FALSE(panel.associatedImagesShown());
  EXPECT_EQ(panel.findChild<QLabel*>("wsiAssociated_label"), nullptr);

  // Agreeing for one slide is not agreeing for the next.
  toggle->setChecked(true);
  ASSERT_TRUE(panel.openSlide(fixtures().aperio.string()));
  EXPECT_FALSE(toggle->isChecked());
  EXPECT_FALSE(panel.associatedImagesShown());
}

TEST_F(WsiViewer, BrokenFilesAreSaidInThePanelWithoutACrash) {
  WsiPanel panel;
  panel.resize(1000, 700);
  panel.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&panel));
  struct Case {
    fs::path path;
    const char* says;
  };
  for (const Case& c : {Case{fixtures().png, "not a whole-slide image"}, Case{fixtures().truncated, "truncated.tif"},
                        Case{fixtures().dir / "missing.svs", "no such file"}}) {
    EXPECT_FALSE(panel.openSlide(c.path.string())) << c.path;
    EXPECT_TRUE(panel.errorText().contains(QString::fromLatin1(c.says))) << panel.errorText().toStdString();
    EXPECT_TRUE(panel.findChild<QLabel*>("wsiError")->isVisibleTo(&panel));
  }
  // A file that opens but whose level 0 cannot be decoded: said when the view reaches it, the coarser level shown.
  ASSERT_TRUE(panel.openSlide(fixtures().corrupt.string())) << panel.errorText().toStdString();
  EXPECT_TRUE(panel.errorText().isEmpty());
  panel.view()->setView(QPointF(1500, 1000), 1.0);
  ASSERT_EQ(panel.view()->currentLevel(), 0);
  ASSERT_TRUE(QTest::qWaitFor([&] { return !panel.errorText().isEmpty(); }, 20000));
  EXPECT_TRUE(panel.errorText().contains("cannot be read")) << panel.errorText().toStdString();
  ASSERT_TRUE(QTest::qWaitFor([&] { return panel.view()->tilesComplete(); }, 20000));  // failed tiles are not asked again
  const QImage image = panel.view()->render(QSize(400, 300));
  EXPECT_NE(image.pixel(200, 150), qRgb(58, 58, 62));  // the slide, from level 1, not the empty background
  EXPECT_TRUE(panel.openSlide(fixtures().pyramid.string()));
  EXPECT_TRUE(panel.errorText().isEmpty());
}

TEST_F(WsiViewer, LoadsAResultsFolderAndShowsThePrediction) {
  WsiPanel panel;
  EXPECT_FALSE(panel.loadResults(fixtures().results.string()));
  EXPECT_TRUE(panel.errorText().contains("Open a slide"));
  ASSERT_TRUE(panel.openSlide(fixtures().pyramid.string()));
  ASSERT_TRUE(panel.loadResults(fixtures().results.string())) << panel.errorText().toStdString();
  const Overlays& o = panel.view()->overlays();
  ASSERT_EQ(o.tissue().size(), 4u);
  EXPECT_EQ(o.tissue()[0].outer.size(), 4u);  // GeoJSON's repeated closing position dropped
  EXPECT_EQ(o.tissue()[1].holes.size(), 1u);
  EXPECT_EQ(o.tissue()[1].outer[2], (Point{2024, 1544}));
  const std::size_t patches = 3 * 16 + 64;  // 512 px squares hold 16 patches of 128, the 1024 px one 64
  EXPECT_EQ(o.patches().coords.size(), patches);
  EXPECT_EQ(o.patches().size, kPatch);
  ASSERT_EQ(o.heatmap().scores.size(), patches);
  EXPECT_FLOAT_EQ(*std::max_element(o.heatmap().scores.begin(), o.heatmap().scores.end()), 1.0f);  // percentile ranks
  EXPECT_GT(*std::min_element(o.heatmap().scores.begin(), o.heatmap().scores.end()), 0.0f);
  EXPECT_TRUE(panel.predictionText().contains("Prediction: tumor")) << panel.predictionText().toStdString();
  EXPECT_TRUE(panel.predictionText().contains("(p = 0.870)"));
  EXPECT_TRUE(panel.predictionText().contains("normal 0.130"));
  EXPECT_TRUE(panel.findChild<QCheckBox*>("wsiHeatmapVisible")->text().contains(QString::number(patches)));

  // Broken folders: said, and the layers shown stay as they were.
  const test::TempDir broken;
  auto write = [&](const std::string& name, const std::string& text) { std::ofstream(broken / name) << text; };
  EXPECT_FALSE(panel.loadResults(broken.path().string()));
  EXPECT_TRUE(panel.errorText().contains("holds none of")) << panel.errorText().toStdString();
  write("scores.json", R"({"patch_size": 128, "coords": [[0, 0], [128, 0]], "attention": [0.5]})");
  EXPECT_FALSE(panel.loadResults(broken.path().string()));
  EXPECT_TRUE(panel.errorText().contains("scores.json: 1 attention scores for 2 coords")) << panel.errorText().toStdString();
  write("scores.json", R"({"patch_size": 128, "coords": [[0, 0]], "attention": [0.5)");
  EXPECT_FALSE(panel.loadResults(broken.path().string()));
  EXPECT_TRUE(panel.errorText().contains("is not valid JSON")) << panel.errorText().toStdString();
  write("scores.json", R"({"patch_size": 0, "coords": [[0, 0]], "attention": [0.5]})");  // its patch file was missing
  EXPECT_FALSE(panel.loadResults(broken.path().string()));
  EXPECT_TRUE(panel.errorText().contains("has no patch size and there is no patches.json")) << panel.errorText().toStdString();
  write("scores.json", R"({"patch_size": 128, "coords": [[9000, 0]], "attention": [0.5]})");
  EXPECT_FALSE(panel.loadResults(broken.path().string()));
  EXPECT_TRUE(panel.errorText().contains("off this 3072 x 2048 slide")) << panel.errorText().toStdString();
  fs::remove(broken / "scores.json");
  write("tissue.geojson", R"({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}}]})");
  EXPECT_FALSE(panel.loadResults(broken.path().string()));
  EXPECT_TRUE(panel.errorText().contains("no Polygon")) << panel.errorText().toStdString();
  EXPECT_EQ(o.tissue().size(), 4u);
  EXPECT_EQ(o.heatmap().scores.size(), patches);

  // scores.json without its patch size takes patches.json's.
  fs::remove(broken / "tissue.geojson");
  write("patches.json", R"({"patch_size": 256, "coords": [[0, 0], [256, 0]]})");
  write("scores.json", R"({"patch_size": 0, "coords": [[0, 0], [256, 0]], "attention": [0.2, 0.7], "predicted": "normal"})");
  ASSERT_TRUE(panel.loadResults(broken.path().string())) << panel.errorText().toStdString();
  EXPECT_EQ(o.heatmap().size, 256);
  EXPECT_EQ(o.heatmap().scores, (std::vector<float>{0.5f, 1.0f}));
  EXPECT_TRUE(panel.predictionText().contains("Prediction: normal"));
  fs::remove(broken / "patches.json");
  fs::remove(broken / "scores.json");

  // A folder of tissue alone clears the other layers and the prediction.
  write("tissue.geojson", R"({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[10, 10], [90, 10], [90, 90]]]}}]})");
  ASSERT_TRUE(panel.loadResults(broken.path().string())) << panel.errorText().toStdString();
  EXPECT_EQ(o.tissue().size(), 1u);
  EXPECT_TRUE(o.heatmap().coords.empty());
  EXPECT_TRUE(panel.predictionText().isEmpty());
}

TEST_F(WsiViewer, PanelWithTissueAndHeatmapScreenshots) {
  WsiPanel panel;
  panel.resize(1280, 900);
  ASSERT_TRUE(panel.openSlide(fixtures().pyramid.string()));
  ASSERT_TRUE(panel.loadResults(fixtures().results.string())) << panel.errorText().toStdString();
  panel.findChild<QCheckBox*>("wsiPatchesVisible")->setChecked(false);
  panel.findChild<QSlider*>("wsiHeatmapThreshold")->setValue(30);
  EXPECT_DOUBLE_EQ(panel.view()->overlays().heatmapThreshold(), 0.3);
  panel.findChild<QComboBox*>("wsiColormap")->setCurrentIndex(1);
  EXPECT_EQ(panel.view()->overlays().colormap(), Colormap::Coolwarm);
  panel.findChild<QComboBox*>("wsiColormap")->setCurrentIndex(0);
  panel.findChild<QSlider*>("wsiHeatmapOpacity")->setValue(45);
  EXPECT_DOUBLE_EQ(panel.view()->overlays().style(Layer::Heatmap).opacity, 0.45);
  panel.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&panel));
  SlideView& view = *panel.view();
  ASSERT_TRUE(QTest::qWaitFor([&] { return view.tilesComplete(); }, 20000));
  QTest::qWait(50);
  saveScreenshot(panel.grab().toImage(), "wsi_panel.png");
  // Closer: the big image with its hole and patches outlined.
  panel.findChild<QCheckBox*>("wsiPatchesVisible")->setChecked(true);
  const QSize size(1024, 768);
  showFrom(view, size, 950, 480, 0.9);
  QImage close;
  ASSERT_TRUE(renderComplete(view, size, &close));
  saveScreenshot(close, "wsi_view_layers.png");

  // A heatmap of 24576 patches of 16 px over the whole slide (tests/bench/wsi_viewer_bench.cpp times such frames).
  PatchLayer dense{{}, 16, {}};
  for (int y = 0; y < kHeight; y += 16)
    for (int x = 0; x < kWidth; x += 16) {
      dense.coords.push_back({x, y});
      dense.scores.push_back(static_cast<float>((x + y) % 1000) / 1000.0f);
    }
  view.setHeatmap(dense);
  view.setPatches(dense);
  saveScreenshot(view.render(QSize(1024, 768)), "wsi_view_dense_heatmap.png");
}

}  // namespace krait::wsi
