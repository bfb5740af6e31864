#include "krait/training/schedule.h"

#include <cmath>

namespace krait::training {

double polyLearningRate(const Schedule& s, int epoch) {
  return s.initialLearningRate * std::pow(1.0 - static_cast<double>(epoch) / s.epochs, s.exponent);
}

}  // namespace krait::training
