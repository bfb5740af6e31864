#include "mask_parity.h"

#include <gtest/gtest.h>

#include <torch/torch.h>

#include <iostream>

#include "krait/pipeline/volume_tensor.h"

namespace krait::test {

void expectMaskParity(const Volume& ours, const Volume& official, const nlohmann::json& labelCounts, const std::string& name) {
  EXPECT_TRUE(ours.geometry().sameAs(official.geometry(), 1e-5)) << name;
  const torch::Tensor a = toTensor(ours).to(torch::kInt32), b = toTensor(official).to(torch::kInt32);
  ASSERT_EQ(a.sizes(), b.sizes()) << name;
  const double agreement = (a == b).to(torch::kDouble).mean().item<double>();
  std::cout << name << ": " << (a != b).sum().item<int64_t>() << " of " << a.numel() << " voxels differ ("
            << agreement * 100.0 << " % agree)";
  for (const auto& [label, count] : labelCounts.items()) {
    const int l = std::stoi(label);
    if (l == 0) continue;
    const double inter = ((a == l) & (b == l)).sum().item<double>();
    const double dice = 2.0 * inter / ((a == l).sum().item<double>() + (b == l).sum().item<double>());
    std::cout << ", Dice(" << l << ") " << dice;
    EXPECT_GT(dice, 0.99) << name << " label " << l;
  }
  std::cout << "\n";
  EXPECT_GE(agreement, 0.99999) << name;
}

}  // namespace krait::test
