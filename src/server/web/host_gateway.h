#pragma once
// HostGateway: how the Web Server hands an authenticated browser viewer to the Relay. The web
// side decides who may join (cookie, Origin, session state); the relay side routes the frames.
// Implemented by the composition root over the Relay, so web/ and relay/ never include each
// other.
#include <cstdint>
#include <memory>
#include <string>

#include "net/frame_link.h"

namespace tether::web {

struct HostGrant {
  std::string session_id;
  std::string session_name;
  std::string username;
  bool view_only = false;
  int64_t user_id = 0;     // revoking this user closes the viewer
  int64_t not_after = 0;   // Unix time the web login or API token expires; the relay closes the viewer then
  std::string session_type;  // support, meeting or access: the relay's policy follows it
  // The guest must allow this host first; false only where the Authorizer grants
  // HostSessionWithoutConsent (access sessions).
  bool consent_required = true;
  // The user's role in this session: EndSession (the viewer's End session) and TransferFiles
  // (the file channel). The relay drops what is not allowed.
  bool may_end_session = false;
  bool may_transfer_files = false;
  // Opened with an API token: its id (never the secret); revoking that token closes the viewer.
  std::string api_token_id = {};
};

class HostGateway {
 public:
  virtual ~HostGateway() = default;
  virtual std::shared_ptr<net::FrameSink> AttachHost(const HostGrant& grant,
                                                     std::shared_ptr<net::FrameLink> link) = 0;
};

}  // namespace tether::web
