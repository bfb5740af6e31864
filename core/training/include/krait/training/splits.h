#pragma once
// nnU-Net's cross-validation folds (generate_crossval_split): sklearn's KFold(n_splits=5, shuffle=True,
// random_state=12345) over the sorted case names, reproduced exactly (numpy's legacy Mersenne Twister
// shuffle), so that a fold means the same cases in Krait and in nnU-Net.
#include <cstdint>
#include <string>
#include <vector>

namespace krait::training {

struct Split {
  std::vector<std::string> train, val;
};

// Throws Error(Input) when there are fewer cases than folds.
std::vector<Split> crossValidationSplits(std::vector<std::string> cases, int folds = 5, uint32_t seed = 12345);

// numpy.random.RandomState(seed).shuffle of [0, n): what KFold's shuffle does to the case order.
std::vector<int64_t> numpyShuffledRange(int64_t n, uint32_t seed);

}  // namespace krait::training
