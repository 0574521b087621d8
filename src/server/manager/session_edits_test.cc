#include <gtest/gtest.h>

#include "base/crypto.h"
#include "server/manager/session_manager.h"
#include "server/store/sqlite_store.h"
#include "server/manager/manager_test_fixture.h"

namespace tether::manager {
namespace {

class RecordingObserver : public SessionObserver {
 public:
  void OnSessionEnded(const std::string& id, const std::string& reason) override {
    ended.push_back(id + ": " + reason);
  }
  std::vector<std::string> ended;
};

class SessionEditsTest : public ManagerTest {
 protected:
  void SetUp() override {
    ManagerTest::SetUp();
    manager_->SetObserver(&observer_);
    auto s = manager_->CreateSession(SessionType::kSupport, "Printer", "", host_);
    ASSERT_TRUE(s.ok());
    id_ = s->id;
  }
  std::vector<std::string> Kinds() {
    std::vector<std::string> kinds;
    for (const auto& e : manager_->Events(id_)) kinds.push_back(e.kind);
    return kinds;
  }
  RecordingObserver observer_;
  Actor host_{"hank", "192.0.2.1", kRoleHost, 2};
  Actor admin_{"ada", "192.0.2.2", kRoleAdministrator, 1};
  std::string id_;
};

TEST_F(SessionEditsTest, PatchRenamesAndSetsPropertiesWithOneEvent) {
  SessionPatch patch;
  patch.name = "Printer on floor 2";
  patch.properties = {{"company", "Acme"}, {"tag", "vip"}};
  auto s = manager_->UpdateSession(id_, patch, host_);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->name, "Printer on floor 2");
  EXPECT_EQ(s->properties.at("company"), "Acme");
  auto stored = manager_->GetSession(id_);
  EXPECT_EQ(stored->properties.at("tag"), "vip");
  EXPECT_EQ(stored->name, "Printer on floor 2");
  auto events = manager_->Events(id_);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, "edited");
  EXPECT_EQ(events[1].actor, "hank");
  EXPECT_EQ(events[1].detail, "name=\"Printer on floor 2\", company=\"Acme\", tag=\"vip\"");

  // Clearing a property removes it; an unchanged value is not an edit.
  SessionPatch clear;
  clear.properties = {{"tag", ""}, {"company", "Acme"}};
  s = manager_->UpdateSession(id_, clear, host_);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->properties.count("tag"), 0u);
  EXPECT_EQ(manager_->Events(id_).back().detail, "tag=\"\"");
  const size_t before = manager_->Events(id_).size();
  ASSERT_TRUE(manager_->UpdateSession(id_, clear, host_).ok());
  EXPECT_EQ(manager_->Events(id_).size(), before);
}

TEST_F(SessionEditsTest, PatchValidatesEverythingBeforeWriting) {
  auto code = [&](SessionPatch p) {
    auto r = manager_->UpdateSession(id_, p, host_);
    return r.ok() ? std::string("ok") : r.error().code;
  };
  EXPECT_EQ(code({std::string(""), {}}), "validation");
  EXPECT_EQ(code({std::string(129, 'x'), {}}), "validation");
  EXPECT_EQ(code({std::string("tab\there"), {}}), "validation");
  EXPECT_EQ(code({std::nullopt, {{"colour", "red"}}}), "validation");
  EXPECT_EQ(code({std::nullopt, {{"company", std::string(129, 'a')}}}), "validation");
  EXPECT_EQ(code({std::nullopt, {{"company", "bad\xff"}}}), "validation");
  EXPECT_EQ(code({std::nullopt, {{"company", std::string(128, 'a')}}}), "ok");
  EXPECT_EQ(manager_->UpdateSession("missing", {std::string("x"), {}}, host_).error().code, "not_found");
  EXPECT_EQ(manager_->GetSession(id_)->name, "Printer");
}

TEST_F(SessionEditsTest, OnlyKnownRolesMayEdit) {
  Actor nobody{"eve", "192.0.2.9"};  // no role: refused
  EXPECT_EQ(manager_->UpdateSession(id_, {std::string("x"), {}}, nobody).error().code, "forbidden");
  EXPECT_EQ(manager_->AddNote(id_, "hi", nobody).error().code, "forbidden");
  EXPECT_EQ(manager_->DeleteSession(id_, nobody).error().code, "forbidden");
  EXPECT_EQ(manager_->ListEvents(id_, 0, 10, nobody).error().code, "forbidden");
  EXPECT_TRUE(manager_->Authorize(host_, Permission::kJoinSession).ok());
  EXPECT_EQ(manager_->Authorize(host_, Permission::kManageSessionGroups).error().code, "forbidden");
  EXPECT_TRUE(manager_->Authorize(admin_, Permission::kManageSessionGroups).ok());
  EXPECT_EQ(manager_->GetSession(id_)->name, "Printer");
}

TEST_F(SessionEditsTest, NotesAreEventsWithTheirText) {
  auto note = manager_->AddNote(id_, "Called back.\nPrinter fixed.", host_);
  ASSERT_TRUE(note.ok());
  EXPECT_GT(note->id, 0);
  EXPECT_EQ(note->kind, "note");
  auto events = manager_->Events(id_);
  EXPECT_EQ(events.back().id, note->id);
  EXPECT_EQ(events.back().detail, "Called back.\nPrinter fixed.");
  EXPECT_EQ(manager_->AddNote(id_, "", host_).error().code, "validation");
  EXPECT_EQ(manager_->AddNote(id_, std::string(2001, 'n'), host_).error().code, "validation");
  EXPECT_EQ(manager_->AddNote(id_, "bell\a", host_).error().code, "validation");
  EXPECT_EQ(manager_->AddNote("missing", "x", host_).error().code, "not_found");
}

TEST_F(SessionEditsTest, EventsPageAfterAnId) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(manager_->AddNote(id_, "n" + std::to_string(i), host_).ok());
  auto first = manager_->ListEvents(id_, 0, 2, host_);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].kind, "created");
  auto rest = manager_->ListEvents(id_, (*first)[1].id, 100, host_);
  ASSERT_EQ(rest->size(), 4u);
  EXPECT_EQ(rest->back().detail, "n4");
  EXPECT_EQ(manager_->ListEvents("missing", 0, 10, host_).error().code, "not_found");
}

TEST_F(SessionEditsTest, DeleteRemovesTheSessionClosesItAndAudits) {
  ASSERT_TRUE(manager_->AddNote(id_, "x", host_).ok());
  // The default Host role has no DeleteSession.
  EXPECT_EQ(manager_->DeleteSession(id_, host_).error().code, "forbidden");
  ASSERT_TRUE(manager_->DeleteSession(id_, admin_).ok());
  EXPECT_FALSE(manager_->GetSession(id_).has_value());
  EXPECT_TRUE(manager_->Events(id_).empty());
  ASSERT_EQ(observer_.ended.size(), 1u);
  EXPECT_NE(observer_.ended[0].find("deleted by ada"), std::string::npos);
  EXPECT_EQ(manager_->DeleteSession(id_, admin_).error().code, "not_found");
  bool audited = false;
  for (const auto& r : store_->Audit().Recent(50)) audited |= r.kind == "session.deleted" && r.actor == "ada";
  EXPECT_TRUE(audited);

  // An ended session is deleted without telling the relay again.
  auto other = manager_->CreateSession(SessionType::kMeeting, "Weekly", "", admin_);
  ASSERT_TRUE(manager_->EndSession(other->id, host_).ok());
  observer_.ended.clear();
  ASSERT_TRUE(manager_->DeleteSession(other->id, admin_).ok());
  EXPECT_TRUE(observer_.ended.empty());
}

TEST_F(SessionEditsTest, GuestInfoIsCleanedAndPresenceFollowsTheConnection) {
  EXPECT_FALSE(manager_->GetSession(id_)->guest.online);
  clock_.Advance(std::chrono::seconds(10));
  GuestInfo info;
  info.machine = "ws-042";
  info.os = "Debian GNU/Linux 12";
  info.user = "jo\x1b[31m";
  info.address = "198.51.100.7";
  info.agent_version = std::string(300, 'v');
  ASSERT_TRUE(manager_->UpdateGuestInfo(id_, info).ok());
  auto g = manager_->GetSession(id_)->guest;
  EXPECT_EQ(g.machine, "ws-042");
  EXPECT_EQ(g.user, "jo?[31m");
  EXPECT_EQ(g.agent_version.size(), 128u);
  EXPECT_TRUE(g.online);
  EXPECT_EQ(g.last_seen, clock_.NowUnix());
  EXPECT_EQ(Kinds().back(), "guest_info");
  // The same information again is not a new event.
  const size_t n = Kinds().size();
  ASSERT_TRUE(manager_->UpdateGuestInfo(id_, info).ok());
  EXPECT_EQ(Kinds().size(), n);
  EXPECT_EQ(manager_->UpdateGuestInfo("missing", info).error().code, "not_found");

  clock_.Advance(std::chrono::seconds(5));
  ASSERT_TRUE(manager_->AppendEvent(id_, "guest_disconnected", "guest", "").ok());
  g = manager_->GetSession(id_)->guest;
  EXPECT_FALSE(g.online);
  EXPECT_EQ(g.last_seen, clock_.NowUnix());
  ASSERT_TRUE(manager_->AppendEvent(id_, "guest_connected", "guest", "guest").ok());
  EXPECT_TRUE(manager_->GetSession(id_)->guest.online);
  manager_->ResetGuestPresence();
  EXPECT_FALSE(manager_->GetSession(id_)->guest.online);
  ASSERT_TRUE(manager_->AppendEvent(id_, "guest_connected", "guest", "guest").ok());
  ASSERT_TRUE(manager_->EndSession(id_, host_).ok());
  EXPECT_FALSE(manager_->GetSession(id_)->guest.online);
}

}  // namespace
}  // namespace tether::manager
