#include "pacs_association.h"

#include "dicom_codecs.h"

#include <dcmtk/dcmnet/cond.h>
#include <dcmtk/dcmtls/tlsscu.h>

#include <fstream>

namespace krait::io {

namespace {

// What DCMTK's condition means for someone at the keyboard; its own text follows in the message.
std::string cause(const PacsSettings& settings, const PacsNode& node, const OFCondition& cond) {
  if (cond.module() == OFM_dcmtls) return "the TLS handshake failed (the node's certificate, or Krait's, was not accepted)";
  if (cond.module() != OFM_dcmnet) return "";
  switch (cond.code()) {
    case DULC_ASSOCIATIONREJECTED:
      return "the node rejected the association: it does not accept the calling AE title \"" + settings.aeTitle +
             "\" from this host, or its own AE title is not \"" + node.aeTitle + "\"";
    case DULC_TCPINITERROR:
      return "no connection to " + node.host + ":" + std::to_string(node.port) + " (is the PACS running, are host and port right?)";
    case DULC_UNKNOWNHOST: return "the host name \"" + node.host + "\" does not resolve";
    case DULC_READTIMEOUT: return "no answer within " + std::to_string(node.timeoutSeconds) + " s (the node's \"timeout\")";
    case DULC_PEERABORTEDASSOCIATION: return "the node aborted the association";
    case DULC_NETWORKCLOSED: return "the node closed the connection";
    case DULC_TLSERROR: return "the TLS handshake failed (the node's certificate, or Krait's, was not accepted)";
    default: break;
  }
  if (cond == DIMSE_NODATAAVAILABLE)
    return "no answer within " + std::to_string(node.timeoutSeconds) + " s (the node's \"timeout\")";
  if (cond == NET_EC_NoAcceptablePresentationContexts) return "the node accepts none of the services Krait proposed";
  return "";
}

}  // namespace

std::vector<std::string> acceptedTransferSyntaxes() {
  return {UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax,
          UID_BigEndianExplicitTransferSyntax, UID_DeflatedExplicitVRLittleEndianTransferSyntax,
          UID_JPEGProcess14SV1TransferSyntax, UID_JPEGProcess1TransferSyntax, UID_JPEGProcess2_4TransferSyntax,
          UID_JPEGLSLosslessTransferSyntax, UID_JPEGLSLossyTransferSyntax, UID_JPEG2000LosslessOnlyTransferSyntax,
          UID_JPEG2000TransferSyntax, UID_RLELosslessTransferSyntax};
}

Error pacsError(const PacsNode& node, const std::string& what, const std::string& detail) {
  return Error(ErrorKind::Network, "PACS node " + node.name + " (" + node.address() + "): " + what + (detail.empty() ? "" : ": " + detail));
}

Error pacsError(const PacsSettings& settings, const PacsNode& node, const std::string& what, const OFCondition& cond) {
  const std::string why = cause(settings, node, cond);
  return pacsError(node, what, why.empty() ? std::string(cond.text()) : why + " [" + cond.text() + "]");
}

namespace {

void readable(const std::string& file, const PacsNode& node, const std::string& role) {
  if (!std::ifstream(file)) throw Error(ErrorKind::Input, file + ": cannot be read (node " + node.name + "'s tls " + role + ")");
}

// DcmTLSSCU reads the certificates and sets the BCP 195 profile in initNetwork.
std::unique_ptr<DcmSCU> makeScu(const PacsNode& node) {
  if (!node.tls) return std::make_unique<DcmSCU>();
  readable(node.tlsTrusted, node, "trusted");
  auto tls = std::make_unique<DcmTLSSCU>();
  tls->addTrustedCertFile(node.tlsTrusted.c_str());
  if (!node.tlsCertificate.empty()) {
    readable(node.tlsCertificate, node, "certificate");
    readable(node.tlsKey, node, "key");
    tls->enableAuthentication(node.tlsKey.c_str(), node.tlsCertificate.c_str());
  }
  tls->setTLSProfile(TSP_Profile_BCP195);
  tls->setPeerCertVerification(DCV_requireCertificate);
  return tls;
}

}  // namespace

PacsAssociation::PacsAssociation(const PacsSettings& settings, const PacsNode& node,
                                 const std::vector<PresentationContext>& contexts, const std::function<void(DcmSCU&)>& prepare)
    : settings_(settings), node_(node), scu_(makeScu(node)) {
  dicom::registerCodecs();  // DCMTK's log as --verbose set it; the decoders a send may convert with
  DcmSCU& s = *scu_;
  s.setAETitle(settings.aeTitle.c_str());
  s.setPeerAETitle(node.aeTitle.c_str());
  s.setPeerHostName(node.host.c_str());
  s.setPeerPort(static_cast<Uint16>(node.port));
  s.setConnectionTimeout(node.timeoutSeconds);
  s.setACSETimeout(static_cast<Uint32>(node.timeoutSeconds));
  s.setDIMSETimeout(static_cast<Uint32>(node.timeoutSeconds));
  s.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
  if (prepare) prepare(s);
  for (const PresentationContext& c : contexts) {
    OFList<OFString> syntaxes;
    for (const std::string& t : c.transferSyntaxes) syntaxes.push_back(t.c_str());
    if (OFCondition cond = s.addPresentationContext(c.abstractSyntax.c_str(), syntaxes, c.role); cond.bad())
      throw failure("cannot propose " + c.abstractSyntax, cond);
  }
  if (OFCondition cond = s.initNetwork(); cond.bad())
    throw failure(node.tls ? "cannot set up TLS (the certificate files, or the key's match with its certificate)" : "cannot set up the network", cond);
  if (OFCondition cond = s.negotiateAssociation(); cond.bad()) throw failure("cannot open an association", cond);
}

PacsAssociation::~PacsAssociation() {
  if (scu_->isConnected()) scu_->releaseAssociation();
}

Error PacsAssociation::failure(const std::string& what, const OFCondition& cond) const {
  return pacsError(settings_, node_, what, cond);
}

T_ASC_PresentationContextID PacsAssociation::context(const std::string& abstractSyntax, const std::string& purpose) {
  const T_ASC_PresentationContextID id = scu_->findAnyPresentationContextID(abstractSyntax.c_str(), "");
  if (id == 0) throw pacsError(node_, "does not offer " + purpose + " (" + abstractSyntax + ")");
  return id;
}

}  // namespace krait::io
