#pragma once
// One association with a PACS node through DCMTK's DcmSCU, and the wording of what goes wrong on the way: each
// failure becomes an Error(Network) that names the node, its address and, where DCMTK's condition tells, the
// likely cause (nothing listening, unknown host, AE titles not accepted, no answer in time).
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/scu.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "krait/base/error.h"
#include "krait/io/pacs.h"

namespace krait::io {

struct PresentationContext {
  std::string abstractSyntax;
  std::vector<std::string> transferSyntaxes;
  T_ASC_SC_ROLE role = ASC_SC_ROLE_DEFAULT;
};

// The uncompressed transfer syntaxes, explicit first, then the compressed ones a storage SCP of Krait accepts.
std::vector<std::string> acceptedTransferSyntaxes();

// "PACS node orthanc (ORTHANC@127.0.0.1:4242): <what>: <detail>".
Error pacsError(const PacsNode& node, const std::string& what, const std::string& detail = "");
// The same with DCMTK's condition as the detail, after the likely cause where the condition tells it.
Error pacsError(const PacsSettings& settings, const PacsNode& node, const std::string& what, const OFCondition& cond);

// Opens the association on construction (throws Error(Network); Error(Input) for unreadable TLS files) and
// releases it on destruction. `prepare` sets what else the exchange needs (C-GET's storage) before negotiation.
class PacsAssociation {
 public:
  PacsAssociation(const PacsSettings& settings, const PacsNode& node, const std::vector<PresentationContext>& contexts,
                  const std::function<void(DcmSCU&)>& prepare = {});
  ~PacsAssociation();
  PacsAssociation(const PacsAssociation&) = delete;
  PacsAssociation& operator=(const PacsAssociation&) = delete;

  DcmSCU& scu() { return *scu_; }
  // The accepted context for `abstractSyntax` (any transfer syntax); throws when the node accepted none.
  T_ASC_PresentationContextID context(const std::string& abstractSyntax, const std::string& purpose);
  Error failure(const std::string& what, const OFCondition& cond) const;

 private:
  const PacsSettings& settings_;
  const PacsNode& node_;
  std::unique_ptr<DcmSCU> scu_;  // a DcmTLSSCU for TLS nodes
};

}  // namespace krait::io
