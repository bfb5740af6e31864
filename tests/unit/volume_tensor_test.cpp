#include <gtest/gtest.h>

#include <torch/types.h>

#include "krait/pipeline/threads.h"
#include "krait/pipeline/volume_tensor.h"

using namespace krait;

TEST(VolumeTensor, ShapeIsChannelsZYX) {
  Geometry g;
  g.size = {5, 4, 3};
  Volume v(g, PixelType::Int16, 2);
  int16_t* p = v.as<int16_t>();
  for (std::size_t n = 0; n < v.elementCount(); ++n) p[n] = static_cast<int16_t>(n - 40);
  const torch::Tensor t = toTensor(v);
  EXPECT_EQ(t.sizes(), (std::vector<int64_t>{2, 3, 4, 5}));
  EXPECT_EQ(t.scalar_type(), torch::kInt16);
  EXPECT_EQ(t[1][2][3][4].item<int16_t>(), static_cast<int16_t>(v.valueAt(4, 3, 2, 1)));
}

TEST(VolumeTensor, RoundTripKeepsVoxelsAndGeometry) {
  Geometry g;
  g.size = {6, 5, 4};
  g.spacing = {0.5, 0.75, 2.0};
  const torch::Tensor t = torch::randn({1, 4, 5, 6});
  const Volume v = fromTensor(t, g);
  EXPECT_EQ(v.pixelType(), PixelType::Float32);
  EXPECT_EQ(v.geometry().spacing[2], 2.0);
  EXPECT_TRUE(torch::equal(toTensor(v), t));
}

TEST(VolumeTensor, UnsignedSixteenBitWidensExactly) {
  Geometry g;
  g.size = {2, 1, 1};
  Volume v(g, PixelType::UInt16);
  v.as<uint16_t>()[1] = 65535;
  const torch::Tensor t = toTensor(v);
  EXPECT_EQ(t.scalar_type(), torch::kInt32);
  EXPECT_EQ(t[0][0][0][1].item<int32_t>(), 65535);
}

TEST(VolumeTensor, ShapeMismatchIsRejected) {
  Geometry g;
  g.size = {6, 5, 4};
  EXPECT_ANY_THROW(fromTensor(torch::zeros({4, 5, 7}), g));
}

TEST(Threads, ConfigureUsesAllCoresByDefault) {
  EXPECT_EQ(configureThreads(0), availableCores());
  EXPECT_EQ(configureThreads(1), 1);
  EXPECT_GE(availableCores(), 1);
}
