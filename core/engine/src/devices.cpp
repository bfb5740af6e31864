#include "devices.h"

#include <torch/cuda.h>

#include "krait/base/error.h"
#include "krait/engine/engine.h"

namespace krait {
namespace engine {

torch::Device parseDevice(const std::string& text) {
  if (text == "cpu") return torch::kCPU;
  if (text.rfind("cuda", 0) != 0) throw Error(ErrorKind::Usage, "the device must be cpu, cuda or cuda:N, not '" + text + "'");
  if (!torch::cuda::is_available())
    throw Error(ErrorKind::Input, "device " + text + ": no CUDA device is available to this build of Krait");
  try {
    const torch::Device device(text);
    if (device.has_index() && device.index() >= static_cast<int>(torch::cuda::device_count()))
      throw Error(ErrorKind::Input, "device " + text + ": only " + std::to_string(torch::cuda::device_count()) +
                                        " CUDA device(s) present");
    return device;
  } catch (const c10::Error&) {
    throw Error(ErrorKind::Usage, "the device must be cpu, cuda or cuda:N, not '" + text + "'");
  }
}

models::Precision parsePrecisionFor(const std::string& text, const torch::Device& device) {
  const models::Precision precision = models::parsePrecision(text);
  if (precision != models::Precision::Float32 && !device.is_cuda())
    throw Error(ErrorKind::Usage, "precision " + text + " needs a CUDA device: LibTorch's CPU kernels lack it for some layers");
  return precision;
}

}  // namespace engine

void checkDevice(const std::string& name) { engine::parseDevice(name); }

std::vector<std::string> computeDevices() {
  std::vector<std::string> devices{"cpu"};
  for (int d = 0; d < static_cast<int>(torch::cuda::device_count()); ++d) devices.push_back("cuda:" + std::to_string(d));
  return devices;
}

}  // namespace krait
