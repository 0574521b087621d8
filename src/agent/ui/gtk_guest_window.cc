#include "agent/ui/gtk_guest_window.h"

#include <gtk/gtk.h>

#include <future>
#include <mutex>
#include <thread>
#include <vector>

// In the sanitizer build, LeakSanitizer would report at exit the caches GTK, GLib, fontconfig,
// Pango and cairo keep for the life of the process (and turn the agent's exit status into 23);
// they are not ours to free. Without a sanitizer this hook is never called.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libgtk-3.so\nleak:libgdk-3.so\nleak:libglib-2.0.so\nleak:libgobject-2.0.so\n"
         "leak:libgio-2.0.so\nleak:libfontconfig.so\nleak:libpango\nleak:libcairo.so\n"
         "leak:libharfbuzz.so\nleak:libatk\nleak:libdbus\n";
}

namespace tether::agent {

constexpr int GuestWindowLayout::kDeny[4];
constexpr int GuestWindowLayout::kAllow[4];
constexpr int GuestWindowLayout::kStopSharing[4];
constexpr int GuestWindowLayout::kEndSession[4];

namespace {

constexpr const char* kTitle = "Tether remote support";

std::string Escaped(const std::string& text) {
  gchar* e = g_markup_escape_text(text.c_str(), -1);
  std::string out(e);
  g_free(e);
  return out;
}

GtkWidget* Button(GtkWidget* fixed, const char* label, const int (&geometry)[4], const char* style) {
  GtkWidget* b = gtk_button_new_with_label(label);
  gtk_widget_set_size_request(b, geometry[2], geometry[3]);
  gtk_widget_set_can_default(b, FALSE);
  if (style) gtk_style_context_add_class(gtk_widget_get_style_context(b), style);
  gtk_fixed_put(GTK_FIXED(fixed), b, geometry[0], geometry[1]);
  return b;
}

GtkWidget* Label(GtkWidget* fixed, int x, int y, int lines) {
  GtkWidget* l = gtk_label_new("");
  gtk_widget_set_size_request(l, GuestWindowLayout::kWidth - 2 * 16, -1);
  gtk_label_set_xalign(GTK_LABEL(l), 0.0f);
  gtk_label_set_line_wrap(GTK_LABEL(l), lines > 1);
  gtk_label_set_lines(GTK_LABEL(l), lines);
  gtk_label_set_ellipsize(GTK_LABEL(l), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars(GTK_LABEL(l), 50);
  gtk_fixed_put(GTK_FIXED(fixed), l, x, y);
  return l;
}

}  // namespace

struct GtkGuestWindow::Impl {
  std::string display;
  std::thread thread;

  // Shared with other threads.
  std::mutex mu;
  GuestUiHandlers handlers;
  GuestUiState pending;
  bool update_scheduled = false;

  // GTK thread only.
  GuestUiState shown;
  GtkWidget* window = nullptr;
  GtkWidget* title = nullptr;
  GtkWidget* status = nullptr;
  GtkWidget* question = nullptr;
  GtkWidget* countdown = nullptr;
  GtkWidget* allow = nullptr;
  GtkWidget* deny = nullptr;
  GtkWidget* stop_sharing = nullptr;
  GtkWidget* end_session = nullptr;
  uint64_t prompt_on_screen = 0;  // 0: none
  guint tick = 0;

  void Run(std::promise<Status>& started) {
    gdk_set_allowed_backends("x11");
    std::string arg0 = "tether-agent";
    std::string arg1 = "--display=" + display;
    std::vector<char*> args{arg0.data()};
    if (!display.empty()) args.push_back(arg1.data());
    args.push_back(nullptr);
    int argc = static_cast<int>(args.size()) - 1;
    char** argv = args.data();
    if (!gtk_init_check(&argc, &argv)) {
      started.set_value(MakeError("display_unavailable",
                                  "GTK cannot open X display '" + (display.empty() ? std::string("$DISPLAY") : display) + "'"));
      return;
    }
    Build();
    started.set_value(Status{});
    gtk_main();
    if (tick) g_source_remove(tick);
    GtkWidget* w = window;
    window = nullptr;  // idle callbacks still queued find no window and do nothing
    gtk_widget_destroy(w);
    while (gtk_events_pending()) gtk_main_iteration_do(FALSE);
  }

  void Build() {
    window = gtk_window_new(GTK_WINDOW_TOPLEVEL);
    gtk_window_set_title(GTK_WINDOW(window), kTitle);
    gtk_window_set_default_size(GTK_WINDOW(window), GuestWindowLayout::kWidth, GuestWindowLayout::kHeight);
    gtk_widget_set_size_request(window, GuestWindowLayout::kWidth, GuestWindowLayout::kHeight);
    gtk_window_set_resizable(GTK_WINDOW(window), FALSE);
    gtk_window_set_keep_above(GTK_WINDOW(window), TRUE);
    gtk_window_stick(GTK_WINDOW(window));
    gtk_window_set_deletable(GTK_WINDOW(window), FALSE);
    // Never take the keyboard from what the guest is typing into.
    gtk_window_set_focus_on_map(GTK_WINDOW(window), FALSE);
    // Closing the window does not end anything: End session is the explicit way.
    g_signal_connect(window, "delete-event", G_CALLBACK(+[](GtkWidget*, GdkEvent*, gpointer) -> gboolean {
                       return TRUE;
                     }), nullptr);

    GtkWidget* fixed = gtk_fixed_new();
    gtk_container_add(GTK_CONTAINER(window), fixed);
    title = Label(fixed, 16, 12, 1);
    status = Label(fixed, 16, 38, 2);
    question = Label(fixed, 16, 84, 2);
    countdown = Label(fixed, 16, 124, 1);
    deny = Button(fixed, "Deny", GuestWindowLayout::kDeny, "destructive-action");
    allow = Button(fixed, "Allow", GuestWindowLayout::kAllow, "suggested-action");
    stop_sharing = Button(fixed, "Stop sharing", GuestWindowLayout::kStopSharing, nullptr);
    end_session = Button(fixed, "End session", GuestWindowLayout::kEndSession, nullptr);

    g_signal_connect(allow, "clicked", G_CALLBACK(+[](GtkButton*, gpointer self) {
                       static_cast<Impl*>(self)->OnAnswer(true);
                     }), this);
    g_signal_connect(deny, "clicked", G_CALLBACK(+[](GtkButton*, gpointer self) {
                       static_cast<Impl*>(self)->OnAnswer(false);
                     }), this);
    g_signal_connect(stop_sharing, "clicked", G_CALLBACK(+[](GtkButton*, gpointer self) {
                       auto* impl = static_cast<Impl*>(self);
                       if (auto h = impl->Handlers(); h.stop_sharing) h.stop_sharing();
                     }), this);
    g_signal_connect(end_session, "clicked", G_CALLBACK(+[](GtkButton*, gpointer self) {
                       auto* impl = static_cast<Impl*>(self);
                       gtk_widget_set_sensitive(impl->end_session, FALSE);
                       if (auto h = impl->Handlers(); h.end_session) h.end_session();
                     }), this);

    Place();
    gtk_widget_show_all(window);
    Render();
    tick = g_timeout_add(250, +[](gpointer self) -> gboolean {
      static_cast<Impl*>(self)->RenderCountdown();
      return G_SOURCE_CONTINUE;
    }, this);
  }

  // Bottom-right corner of the primary monitor's work area.
  void Place() {
    GdkDisplay* d = gtk_widget_get_display(window);
    GdkMonitor* m = gdk_display_get_primary_monitor(d);
    if (!m && gdk_display_get_n_monitors(d) > 0) m = gdk_display_get_monitor(d, 0);
    if (!m) return;
    GdkRectangle area;
    gdk_monitor_get_workarea(m, &area);
    gtk_window_move(GTK_WINDOW(window),
                    area.x + area.width - GuestWindowLayout::kWidth - GuestWindowLayout::kMargin,
                    area.y + area.height - GuestWindowLayout::kHeight - GuestWindowLayout::kMargin);
  }

  GuestUiHandlers Handlers() {
    std::lock_guard lock(mu);
    return handlers;
  }

  void OnAnswer(bool allow_it) {
    uint64_t id = prompt_on_screen;
    if (id == 0) return;
    // One answer per question: hide it now; the next state shows the next question.
    prompt_on_screen = 0;
    ShowPrompt(false);
    if (auto h = Handlers(); h.answer) h.answer(id, allow_it);
  }

  void ShowPrompt(bool on) {
    for (GtkWidget* w : {question, countdown, allow, deny}) gtk_widget_set_visible(w, on);
  }

  void Apply() {
    {
      std::lock_guard lock(mu);
      shown = pending;
      update_scheduled = false;
    }
    if (window) Render();
  }

  void Render() {
    const std::string name = shown.session_name.empty() ? "Remote support" : "Remote support: " + shown.session_name;
    gtk_label_set_markup(GTK_LABEL(title), ("<b>" + Escaped(name) + "</b>").c_str());
    gtk_label_set_text(GTK_LABEL(status), DescribeHosts(shown).c_str());
    const bool connected = shown.link == GuestUiState::Link::kConnected;
    bool anyone_sees = false;
    for (const auto& h : shown.hosts) anyone_sees |= h.sees;
    gtk_widget_set_sensitive(stop_sharing, connected && anyone_sees);
    gtk_widget_set_sensitive(end_session, shown.link != GuestUiState::Link::kEnding);
    if (shown.prompt && connected) {
      prompt_on_screen = shown.prompt->id;
      std::string text = "<b>" + Escaped(shown.prompt->technician) +
                         "</b> (technician) asks to see and control this screen.";
      if (shown.prompts_waiting > 0) text += " " + std::to_string(shown.prompts_waiting) + " more waiting.";
      gtk_label_set_markup(GTK_LABEL(question), text.c_str());
      ShowPrompt(true);
      gtk_window_set_urgency_hint(GTK_WINDOW(window), TRUE);
    } else {
      prompt_on_screen = 0;
      ShowPrompt(false);
      gtk_window_set_urgency_hint(GTK_WINDOW(window), FALSE);
    }
    RenderCountdown();
  }

  void RenderCountdown() {
    if (prompt_on_screen == 0 || !shown.prompt) return;
    auto left = std::chrono::ceil<std::chrono::seconds>(shown.prompt->deadline - std::chrono::steady_clock::now());
    const long s = std::max<long>(0, static_cast<long>(left.count()));
    const std::string text = "Denied automatically in " + std::to_string(s) + (s == 1 ? " second." : " seconds.");
    gtk_label_set_text(GTK_LABEL(countdown), text.c_str());
  }
};

GtkGuestWindow::GtkGuestWindow(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<GtkGuestWindow> GtkGuestWindow::Create(const std::string& display, Status* err) {
  auto impl = std::make_unique<Impl>();
  impl->display = display;
  std::promise<Status> started;
  auto ready = started.get_future();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw, &started] { raw->Run(started); });
  Status st = ready.get();
  if (!st) {
    impl->thread.join();
    if (err) *err = st;
    return nullptr;
  }
  return std::unique_ptr<GtkGuestWindow>(new GtkGuestWindow(std::move(impl)));
}

GtkGuestWindow::~GtkGuestWindow() {
  g_idle_add(+[](gpointer) -> gboolean {
    gtk_main_quit();
    return G_SOURCE_REMOVE;
  }, nullptr);
  impl_->thread.join();
}

void GtkGuestWindow::SetHandlers(GuestUiHandlers handlers) {
  std::lock_guard lock(impl_->mu);
  impl_->handlers = std::move(handlers);
}

void GtkGuestWindow::Update(const GuestUiState& state) {
  std::lock_guard lock(impl_->mu);
  impl_->pending = state;
  if (impl_->update_scheduled) return;
  impl_->update_scheduled = true;
  g_idle_add(+[](gpointer self) -> gboolean {
    static_cast<Impl*>(self)->Apply();
    return G_SOURCE_REMOVE;
  }, impl_.get());
}

}  // namespace tether::agent
