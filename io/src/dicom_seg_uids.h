#pragma once
// New UIDs under an organisation's root.
#include <string>

namespace krait::io::dicom {

// Throws Error(Usage) unless `root` is digits and dots in UID form ("1.2.826.0.1.3680043.10.1234"), at most 40
// characters. "" stands for DCMTK's site root.
std::string checkedUidRoot(const std::string& root);

// root + "." + random digits filling the UID to its 64 characters: at least 23 digits (~76 bits), enough that
// UIDs issued without a registry do not collide.
std::string newUid(const std::string& checkedRoot);

}  // namespace krait::io::dicom
