#include "krait/pipeline/threads.h"

#include <ATen/Parallel.h>

namespace krait {

int configureThreads(int n) {
  const int threads = n > 0 ? n : availableCores();
  at::set_num_threads(threads);
  return at::get_num_threads();
}

}  // namespace krait
