// Finding a recording's leads by name, and the limb leads that follow from leads I and II, for everything that
// needs the standard 12 leads of a recording that has fewer (the network's input, the viewer's paper).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "record.h"

namespace krait::ecg {

// The record's lead named `name`, case-insensitively ("AVR" is aVR), or -1.
int findLead(const Record& record, std::string_view name);

enum class LimbLead { III, aVR, aVL, aVF };

// The limb lead `name` names (case-insensitively), if it is one that I and II determine.
std::optional<LimbLead> derivableLimbLead(std::string_view name);

// Einthoven's and Goldberger's relations, sample by sample: III = II - I, aVR = -(I + II) / 2,
// aVL = I - II / 2, aVF = II - I / 2.
std::vector<double> deriveLimbLead(LimbLead lead, const std::vector<float>& I, const std::vector<float>& II);

}  // namespace krait::ecg
