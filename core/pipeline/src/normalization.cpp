#include "krait/pipeline/normalization.h"

#include <algorithm>
#include <utility>

#include "krait/base/error.h"

namespace krait {
namespace {

const std::pair<NormalizationScheme, const char*> kNames[] = {
    {NormalizationScheme::CT, "CTNormalization"},
    {NormalizationScheme::ZScore, "ZScoreNormalization"},
    {NormalizationScheme::None, "NoNormalization"},
    {NormalizationScheme::RescaleTo01, "RescaleTo01Normalization"},
    {NormalizationScheme::RGBTo01, "RGBTo01Normalization"},
};

// numpy's float32 mean and population std, accumulated in double (differences to numpy's pairwise float32
// sums stay far below what changes a mask).
std::pair<float, float> meanStd(const torch::Tensor& values) {
  const torch::Tensor v = values.to(torch::kDouble);
  const double mean = v.mean().item<double>();
  const double var = (v - mean).square().mean().item<double>();
  return {static_cast<float>(mean), static_cast<float>(std::sqrt(var))};
}

float atLeastTiny(float std) { return std::max(std, 1e-8f); }

// A divisor as a tensor on x's device: CUDA multiplies by the reciprocal of a CPU scalar divisor, one bit off
// numpy's division at times, and divides by a tensor's values as the CPU does.
torch::Tensor divisor(float d, const torch::Tensor& x) { return torch::full({}, d, x.options()); }

}  // namespace

NormalizationScheme normalizationSchemeFromName(const std::string& name) {
  for (const auto& [scheme, n] : kNames)
    if (name == n) return scheme;
  throw Error(ErrorKind::Input, "unknown normalization scheme '" + name +
                                    "' (known: CTNormalization, ZScoreNormalization, NoNormalization, "
                                    "RescaleTo01Normalization, RGBTo01Normalization)");
}

const char* normalizationSchemeName(NormalizationScheme scheme) {
  for (const auto& [s, n] : kNames)
    if (s == scheme) return n;
  return "?";
}

void normalizeChannels(torch::Tensor& data, const torch::Tensor& mask,
                       const std::vector<ChannelNormalization>& schemes) {
  if (static_cast<int64_t>(schemes.size()) != data.size(0))
    throw Error(ErrorKind::Input, "the plans name " + std::to_string(schemes.size()) +
                                      " normalization schemes for " + std::to_string(data.size(0)) + " channels");
  for (int64_t c = 0; c < data.size(0); ++c) {
    torch::Tensor x = data[c];
    const ChannelNormalization& n = schemes[c];
    switch (n.scheme) {
      case NormalizationScheme::CT:
        x.clamp_(static_cast<float>(n.lowerBound), static_cast<float>(n.upperBound))
            .sub_(static_cast<float>(n.mean))
            .div_(divisor(atLeastTiny(static_cast<float>(n.std)), x));
        break;
      case NormalizationScheme::ZScore:
        if (n.useMask) {
          const auto [mean, std] = meanStd(x.masked_select(mask));
          x.masked_scatter_(mask, (x.masked_select(mask) - mean) / divisor(atLeastTiny(std), x));
        } else {
          const auto [mean, std] = meanStd(x);
          x.sub_(mean).div_(divisor(atLeastTiny(std), x));
        }
        break;
      case NormalizationScheme::RescaleTo01: {
        x.sub_(x.min().item<float>());
        x.div_(divisor(std::max(x.max().item<float>(), 1e-8f), x));
        break;
      }
      case NormalizationScheme::RGBTo01:
        if (x.min().item<float>() < 0.0f || x.max().item<float>() > 255.0f)
          throw Error(ErrorKind::Input, "channel " + std::to_string(c) +
                                            " uses RGBTo01Normalization but holds values outside 0..255");
        x.div_(divisor(255.0f, x));
        break;
      case NormalizationScheme::None:
        break;
    }
  }
}

}  // namespace krait
