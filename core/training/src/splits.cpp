#include "krait/training/splits.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "krait/base/error.h"

namespace krait::training {

namespace {

// numpy's legacy random_interval: the smallest all-ones mask covering max, rejection sampled. std::mt19937
// seeded with an integer is numpy's init_genrand, and both draw the same 32-bit words.
uint32_t randomInterval(uint32_t max, std::mt19937& mt) {
  if (max == 0) return 0;
  uint32_t mask = max;
  for (int shift : {1, 2, 4, 8, 16}) mask |= mask >> shift;
  uint32_t value;
  while ((value = static_cast<uint32_t>(mt()) & mask) > max) {
  }
  return value;
}

}  // namespace

std::vector<int64_t> numpyShuffledRange(int64_t n, uint32_t seed) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937 mt(seed);
  for (int64_t i = n - 1; i >= 1; --i)
    std::swap(order[static_cast<size_t>(i)], order[randomInterval(static_cast<uint32_t>(i), mt)]);
  return order;
}

std::vector<Split> crossValidationSplits(std::vector<std::string> cases, int folds, uint32_t seed) {
  const auto n = static_cast<int64_t>(cases.size());
  if (n < folds)
    throw Error(ErrorKind::Input, "a " + std::to_string(folds) + "-fold cross-validation needs at least " +
                                      std::to_string(folds) + " cases; the dataset has " + std::to_string(n) +
                                      " (train fold 'all' instead)");
  std::sort(cases.begin(), cases.end());
  const std::vector<int64_t> order = numpyShuffledRange(n, seed);
  std::vector<Split> splits;
  int64_t start = 0;
  for (int f = 0; f < folds; ++f) {
    // KFold: the first n % folds folds hold one case more; both lists come out in sorted order.
    const int64_t size = n / folds + (f < n % folds ? 1 : 0);
    std::vector<bool> inVal(static_cast<size_t>(n), false);
    for (int64_t i = start; i < start + size; ++i) inVal[static_cast<size_t>(order[static_cast<size_t>(i)])] = true;
    Split s;
    for (int64_t i = 0; i < n; ++i) (inVal[static_cast<size_t>(i)] ? s.val : s.train).push_back(cases[static_cast<size_t>(i)]);
    splits.push_back(std::move(s));
    start += size;
  }
  return splits;
}

}  // namespace krait::training
