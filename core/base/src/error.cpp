#include "krait/base/error.h"

namespace krait {

int exitCodeFor(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Usage: return 2;
    case ErrorKind::Input: return 3;
    case ErrorKind::Output: return 4;
    case ErrorKind::Resources: return 5;
    case ErrorKind::Network: return 6;
    case ErrorKind::Cancelled: return 130;  // what a shell reports for Ctrl-C
    case ErrorKind::Internal: break;
  }
  return 1;
}

}  // namespace krait
