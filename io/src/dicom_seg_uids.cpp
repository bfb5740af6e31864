#include "dicom_seg_uids.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <random>

#include "krait/base/error.h"

namespace krait::io::dicom {

namespace {

constexpr std::size_t kMaxUid = 64;
constexpr std::size_t kMaxRoot = 40;

}  // namespace

std::string checkedUidRoot(const std::string& root) {
  if (root.empty()) return SITE_UID_ROOT;
  const auto fail = [&](const std::string& why) {
    return Error(ErrorKind::Usage, "UID root \"" + root + "\": " + why);
  };
  if (root.size() > kMaxRoot) throw fail("longer than " + std::to_string(kMaxRoot) + " characters, new UIDs would not fit in 64");
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = root.find('.', start);
    const std::string part = root.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos)
      throw fail("a UID root is numbers separated by dots, like 1.2.826.0.1.3680043.10.1234");
    if (part.size() > 1 && part[0] == '0') throw fail("a number in a UID has no leading zero");
    if (dot == std::string::npos) return root;
    start = dot + 1;
  }
}

std::string newUid(const std::string& checkedRoot) {
  // Not DCMTK's dcmGenerateUniqueIdentifier: with a long root it truncates UIDs to 64 characters and then issues
  // the same UID twice. Random digits fill the room instead, drawn from the system's entropy source so that
  // processes started together cannot repeat each other as equally seeded generators would.
  std::random_device random;
  std::uniform_int_distribution<int> digit(0, 9), first(1, 9);
  std::string uid = checkedRoot + "." + static_cast<char>('0' + first(random));
  while (uid.size() < kMaxUid) uid += static_cast<char>('0' + digit(random));
  return uid;
}

}  // namespace krait::io::dicom
