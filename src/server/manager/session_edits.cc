// SessionManager: editing, deleting and annotating sessions, and the guest's information.
#include <algorithm>

#include "server/manager/session_manager.h"
#include "server/manager/validation.h"

namespace tether::manager {
namespace {

constexpr size_t kMaxNoteBytes = 2000;
constexpr size_t kMaxGuestFieldBytes = 128;

std::string Quoted(const std::string& v) { return "\"" + TruncateUtf8(v, 64) + "\""; }

}  // namespace

Result<Session> SessionManager::UpdateSession(const std::string& id, const SessionPatch& patch,
                                              const Actor& actor) {
  if (patch.name && !IsValidSessionName(*patch.name)) {
    return MakeError("validation", "session name must be 1-128 printable characters");
  }
  if (auto st = CheckProperties(patch.properties); !st) return st.error();
  auto session = store_.Sessions().Find(id);
  if (!session) return MakeError("not_found", "no such session");
  if (auto st = authorizer_.Check(actor, Permission::kEditSession, &*session); !st) return st.error();

  // The event lists each changed field with its new value, in a fixed order.
  std::string detail;
  auto note_change = [&](const std::string& field, const std::string& value) {
    if (!detail.empty()) detail += ", ";
    detail += field + "=" + Quoted(value);
  };
  Session updated = *session;
  if (patch.name && *patch.name != session->name) {
    updated.name = *patch.name;
    note_change("name", updated.name);
  }
  for (const char* key : kPropertyKeys) {
    auto change = patch.properties.find(key);
    if (change == patch.properties.end()) continue;
    auto current = session->properties.find(key);
    const std::string old_value = current == session->properties.end() ? "" : current->second;
    if (change->second == old_value) continue;
    if (change->second.empty()) updated.properties.erase(key);
    else updated.properties[key] = change->second;
    note_change(key, change->second);
  }
  if (detail.empty()) return *session;  // nothing changed: no event
  SessionEvent edited{0, id, "edited", actor.name, detail, clock_.NowUnix()};
  if (auto st = store_.Sessions().Update(updated, edited); !st) return st.error();
  Audit("session.edited", actor, id + " " + TruncateUtf8(detail, 512));
  return updated;
}

Status SessionManager::DeleteSession(const std::string& id, const Actor& actor) {
  auto session = store_.Sessions().Find(id);
  if (!session) return MakeError("not_found", "no such session");
  if (auto st = authorizer_.Check(actor, Permission::kDeleteSession, &*session); !st) return st;
  if (auto st = store_.Sessions().Delete(id); !st) return st;
  Audit("session.deleted", actor,
        std::string(SessionTypeName(session->type)) + " " + id + " " + Quoted(session->name));
  if (session->ended_at == 0 && observer_) {
    observer_->OnSessionEnded(id, "the session was deleted by " + actor.name);
  }
  return {};
}

Result<SessionEvent> SessionManager::AddNote(const std::string& id, const std::string& text,
                                             const Actor& actor) {
  if (text.empty() || !IsCleanText(text, kMaxNoteBytes, /*allow_newlines=*/true)) {
    return MakeError("validation", "a note must be 1-2000 bytes of text");
  }
  auto session = store_.Sessions().Find(id);
  if (!session) return MakeError("not_found", "no such session");
  if (auto st = authorizer_.Check(actor, Permission::kAddNoteToSession, &*session); !st) return st.error();
  SessionEvent note{0, id, "note", actor.name, text, clock_.NowUnix()};
  auto event_id = store_.Sessions().AppendEvent(note);
  if (!event_id) return event_id.error();
  note.id = *event_id;
  Audit("session.note_added", actor, id);
  return note;
}

Result<std::vector<SessionEvent>> SessionManager::ListEvents(const std::string& id, int64_t after_id,
                                                             int limit, const Actor& actor) {
  auto session = store_.Sessions().Find(id);
  if (!session) return MakeError("not_found", "no such session");
  if (auto st = authorizer_.Check(actor, Permission::kViewSession, &*session); !st) return st.error();
  return store_.Sessions().EventsAfter(id, std::max<int64_t>(after_id, 0), std::clamp(limit, 1, 1000));
}

Status SessionManager::UpdateGuestInfo(const std::string& id, const GuestInfo& info) {
  auto session = store_.Sessions().Find(id);
  if (!session) return MakeError("not_found", "no such session");
  GuestInfo clean;
  clean.machine = CleanText(info.machine, kMaxGuestFieldBytes);
  clean.os = CleanText(info.os, kMaxGuestFieldBytes);
  clean.user = CleanText(info.user, kMaxGuestFieldBytes);
  clean.address = CleanText(info.address, kMaxGuestFieldBytes);
  clean.agent_version = CleanText(info.agent_version, kMaxGuestFieldBytes);
  clean.online = true;
  clean.last_seen = clock_.NowUnix();
  const GuestInfo& old = session->guest;
  const bool changed = old.machine != clean.machine || old.os != clean.os || old.user != clean.user ||
                       old.address != clean.address || old.agent_version != clean.agent_version;
  if (auto st = store_.Sessions().UpdateGuest(id, clean); !st) return st;
  if (changed) {
    std::string detail = "machine=" + Quoted(clean.machine) + ", os=" + Quoted(clean.os) +
                         ", user=" + Quoted(clean.user) + ", address=" + Quoted(clean.address) +
                         ", version=" + Quoted(clean.agent_version);
    (void)store_.Sessions().AppendEvent(SessionEvent{0, id, "guest_info", "guest", detail, clean.last_seen});
  }
  return {};
}

void SessionManager::ResetGuestPresence() { store_.Sessions().ClearGuestPresence(); }

}  // namespace tether::manager
