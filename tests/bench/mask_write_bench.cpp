// mask_write_bench [--threads N] [--repeats R] [FOLDER]: seconds and bytes of writing a 512 x 512 x 300 uint8 label
// map as .nii.gz through io::writeVolume, as `krait segment` writes its mask (with a header note), for two masks:
// 14 labelled ellipsoids on background (an abdominal CT's organs), and labels 0..14 at random (the worst case for
// the compressor); the best of R writes (3). Writes into FOLDER (default: the temporary folder), removes what it
// wrote.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <random>

#include "krait/base/stopwatch.h"
#include "krait/io/volume_io.h"

namespace fs = std::filesystem;
using namespace krait;

namespace {

Volume emptyMask() {
  Geometry g;
  g.size = {512, 512, 300};
  g.spacing = {0.8, 0.8, 2.5};
  return Volume(g, PixelType::UInt8);
}

Volume ellipsoids() {
  Volume v = emptyMask();
  const auto [nx, ny, nz] = v.geometry().size;
  uint8_t* p = v.as<uint8_t>();
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (uint8_t label = 1; label <= 14; ++label) {
    const double c[3] = {100 + u(rng) * 312, 100 + u(rng) * 312, 40 + u(rng) * 220};
    const double r[3] = {15 + u(rng) * 60, 15 + u(rng) * 60, 10 + u(rng) * 40};
    for (int64_t z = std::max<int64_t>(0, c[2] - r[2]); z < std::min<int64_t>(nz, c[2] + r[2] + 1); ++z)
      for (int64_t y = std::max<int64_t>(0, c[1] - r[1]); y < std::min<int64_t>(ny, c[1] + r[1] + 1); ++y)
        for (int64_t x = std::max<int64_t>(0, c[0] - r[0]); x < std::min<int64_t>(nx, c[0] + r[0] + 1); ++x) {
          const double d = std::pow((x - c[0]) / r[0], 2) + std::pow((y - c[1]) / r[1], 2) + std::pow((z - c[2]) / r[2], 2);
          if (d <= 1.0) p[(z * ny + y) * nx + x] = label;
        }
  }
  return v;
}

Volume labelNoise() {
  Volume v = emptyMask();
  std::mt19937 rng(2);
  uint8_t* p = v.as<uint8_t>();
  for (std::size_t i = 0; i < v.byteSize(); ++i) p[i] = static_cast<uint8_t>(rng() % 15);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  io::WriteOptions options{"krait mask_write_bench"};
  int repeats = 3;
  fs::path folder = fs::temp_directory_path();
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) options.threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--repeats") && i + 1 < argc) repeats = std::max(1, std::atoi(argv[++i]));
    else folder = argv[i];
  }
  // CPU seconds are those of every thread: on a machine shared with other work they say more than the wall clock.
  std::printf("| mask | bytes | write s | CPU s |\n|---|---|---|---|\n");
  for (const auto& [name, mask] : {std::pair{"ellipsoids", ellipsoids()}, std::pair{"label noise", labelNoise()}}) {
    const fs::path out = folder / "mask_write_bench.nii.gz";
    double wall = 1e9, cpu = 1e9;
    for (int r = 0; r < repeats; ++r) {
      const auto start = std::chrono::steady_clock::now();
      const std::clock_t cpuStart = std::clock();
      io::writeVolume(mask, out, options);
      wall = std::min(wall, secondsSince(start));
      cpu = std::min(cpu, static_cast<double>(std::clock() - cpuStart) / CLOCKS_PER_SEC);
    }
    std::printf("| %s | %ju | %.3f | %.3f |\n", name, static_cast<std::uintmax_t>(fs::file_size(out)), wall, cpu);
    fs::remove(out);
  }
}
