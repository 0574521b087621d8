// Encoder benchmark: capture + encode cost and size per frame on a real (private) X server,
// with the baselines measured in the same run: a plain memcpy of the frame and TurboJPEG on
// the whole frame at the same quality. Every capture is encoded twice, by today's encoder
// (lossless tiles as palettes) and by the older path (lossless tiles as deflated RGBA), with
// the ratios printed. Run by bench/encoder.sh, which starts the Xvfb.
//
//   encoder_bench [--frames N] [--quality Q] [--sweep]   (DISPLAY: a 1920x1080 screen)
//
// --sweep also encodes the dense-text frame and a whole-screen capture of the xterm with several
// zlib settings of the palette path.
// Prints one "name value unit" line per figure.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <turbojpeg.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <time.h>
#include <vector>

#include "agent/capture/x11_screen_capturer_x11.h"
#include "agent/codec/frame_encoder.h"

// X11 after the agent headers: its macros (Status, CursorShape, ...) clash with their names.
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#undef Status

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using tether::agent::CapturedFrame;
using tether::agent::FrameEncoder;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// CPU time of this thread: the figures stay meaningful on a machine busy with other work
// (wall time is printed too; for capture it includes waiting for the X server).
double CpuMs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void Figure(const char* name, double value, const char* unit) {
  std::printf("%-44s %10.2f %s\n", name, value, unit);
}

// ---------------------------------------------------------------- desktop-like content

struct Scene {
  uint32_t width, height;
  std::vector<uint32_t> pixels;  // BGRX
  uint32_t& at(uint32_t x, uint32_t y) { return pixels[size_t{y} * width + x]; }
  void Fill(uint32_t x0, uint32_t y0, uint32_t w, uint32_t h, uint32_t c) {
    for (uint32_t y = y0; y < std::min(height, y0 + h); ++y) {
      for (uint32_t x = x0; x < std::min(width, x0 + w); ++x) at(x, y) = c;
    }
  }
};

// Glyph-like strokes in 7x13 cells: `levels` > 2 gives anti-aliased edges. Dense text fills
// every 16-pixel line to 40-100%; sparse text (documents, web pages) uses 20-pixel lines,
// leaves a quarter of them empty and fills the others to 10-70%.
void Text(Scene& s, std::mt19937& rng, uint32_t x0, uint32_t y0, uint32_t w, uint32_t h,
          uint32_t fg, uint32_t bg, int levels, bool dense = true) {
  s.Fill(x0, y0, w, h, bg);
  for (uint32_t line = y0 + 4; line + 13 < y0 + h; line += dense ? 16 : 20) {
    if (!dense && rng() % 4 == 0) continue;
    const uint32_t len = (w / 7) * (dense ? 40 + rng() % 60 : 10 + rng() % 60) / 100;
    for (uint32_t c = 0; c < len; ++c) {
      if (rng() % 7 == 0) continue;  // a space
      const uint32_t bits = rng();
      for (uint32_t gy = 0; gy < 10; ++gy) {
        for (uint32_t gx = 0; gx < 5; ++gx) {
          if (!((bits >> ((gy * 5 + gx) % 31)) & 1) || (gx % 4 && gy % 3)) continue;
          const uint32_t x = x0 + 2 + c * 7 + gx, y = line + gy;
          uint32_t color = fg;
          if (levels > 2 && rng() % 2) {
            const uint32_t t = 64 + rng() % 128;
            auto mix = [&](int shift) {
              return ((((fg >> shift) & 0xff) * t + ((bg >> shift) & 0xff) * (255 - t)) / 255) << shift;
            };
            color = mix(16) | mix(8) | mix(0);
          }
          if (x < s.width && y < s.height) s.at(x, y) = color;
        }
      }
    }
  }
}

void Photo(Scene& s, std::mt19937& rng, uint32_t x0, uint32_t y0, uint32_t w, uint32_t h,
           double phase) {
  for (uint32_t y = y0; y < std::min(s.height, y0 + h); ++y) {
    for (uint32_t x = x0; x < std::min(s.width, x0 + w); ++x) {
      const double u = x * 0.011 + phase, v = y * 0.017;
      const int n = static_cast<int>(rng() % 17) - 8;
      auto c = [&](double f) {
        return static_cast<uint32_t>(std::clamp(static_cast<int>(f) + n, 0, 255));
      };
      s.at(x, y) = (c(120 + 90 * std::sin(u) * std::cos(v)) << 16) |
                   (c(110 + 70 * std::cos(u * 1.7 + v)) << 8) | c(90 + 60 * std::sin(v * 2.3 - u));
    }
  }
}

// A desktop: wallpaper photo, a panel, two windows with UI chrome and text, a photo viewer.
// dense: an IDE and a terminal full of text (the worst case for lossless tiles); otherwise
// a document and a terminal with ordinary amounts of text.
Scene Desktop(uint32_t w, uint32_t h, uint32_t seed, bool dense) {
  Scene s{w, h, std::vector<uint32_t>(size_t{w} * h)};
  std::mt19937 rng(seed);
  const double phase = seed * 0.37;
  Photo(s, rng, 0, 0, w, h, phase);                               // wallpaper
  s.Fill(0, 0, w, 32, 0x2b2b2b + (seed % 4));                     // top panel
  Text(s, rng, 8, 4, 400, 24, 0xeeeeee, 0x2b2b2b + (seed % 4), 2);
  // Editor window with a title bar, toolbar, buttons and anti-aliased text.
  s.Fill(60, 70, 1000, 900, 0xdddddd);
  s.Fill(60, 70, 1000, 30, 0x3465a4 + (seed % 8));
  for (uint32_t b = 0; b < 8; ++b) s.Fill(70 + b * 60, 108, 50, 24, 0xc0c0c0 + b);
  Text(s, rng, 64, 140, 992, 826, 0x202020, 0xffffff, 4, dense);
  // Terminal with bitmap text.
  s.Fill(1100, 70, 780, 460, 0x000000);
  Text(s, rng, 1104, 100, 772, dense ? 426 : 200, 0xe0e0e0, 0x101010, 2, dense);
  // Photo viewer.
  s.Fill(1100, 560, 780, 480, 0x303030);
  Photo(s, rng, 1110, 590, 760, 440, phase * 3 + 1);
  return s;
}

void Put(Display* display, Window window, const Scene& s) {
  XImage* image = XCreateImage(display, DefaultVisual(display, DefaultScreen(display)), 24,
                               ZPixmap, 0, reinterpret_cast<char*>(const_cast<uint32_t*>(s.pixels.data())),
                               s.width, s.height, 32, static_cast<int>(s.width * 4));
  XPutImage(display, window, DefaultGC(display, DefaultScreen(display)), image, 0, 0, 0, 0,
            s.width, s.height);
  image->data = nullptr;
  XDestroyImage(image);
  XSync(display, False);
}

// ---------------------------------------------------------------- measurements

// Capture cost, shared by the encoders that encode the same captures.
struct CaptureTotals {
  int frames = 0;
  double wall_ms = 0, cpu_ms = 0;
  void Add(double wall, double cpu) {
    ++frames;
    wall_ms += wall;
    cpu_ms += cpu;
  }
  void Print(const std::string& prefix) const {
    const double n = frames ? frames : 1;
    Figure((prefix + ".frames").c_str(), frames, "frames");
    Figure((prefix + ".capture_wall").c_str(), wall_ms / n, "ms/frame");
    Figure((prefix + ".capture_cpu").c_str(), cpu_ms / n, "ms/frame");
  }
};

// Encode cost and output of one encoder configuration.
struct Totals {
  int frames = 0;
  double encode_ms = 0, encode_cpu_ms = 0;
  double bytes = 0, deflate_bytes = 0, palette_bytes = 0, jpeg_bytes = 0;
  double solid_tiles = 0, deflate_tiles = 0, palette_tiles = 0, jpeg_tiles = 0, jpeg_rects = 0;
  void Add(double encode, double encode_cpu, const FrameEncoder& encoder, size_t frame_bytes) {
    const auto& st = encoder.last_stats();
    ++frames;
    encode_ms += encode;
    encode_cpu_ms += encode_cpu;
    bytes += frame_bytes;
    deflate_bytes += st.deflate_bytes;
    palette_bytes += st.palette_bytes;
    jpeg_bytes += st.jpeg_bytes;
    solid_tiles += st.solid_tiles;
    deflate_tiles += st.deflate_tiles;
    palette_tiles += st.palette_tiles;
    jpeg_tiles += st.jpeg_tiles;
    jpeg_rects += st.jpeg_rects;
  }
  double n() const { return frames ? frames : 1; }
  double EncodeCpu() const { return encode_cpu_ms / n(); }
  double Bytes() const { return bytes / n(); }
  void Print(const std::string& prefix, const CaptureTotals& capture) const {
    auto f = [&](const char* what, double v, const char* unit) {
      Figure((prefix + what).c_str(), v, unit);
    };
    f(".encode_wall", encode_ms / n(), "ms/frame");
    f(".encode_cpu", EncodeCpu(), "ms/frame");
    const double capture_cpu = capture.cpu_ms / (capture.frames ? capture.frames : 1);
    f(".capture_plus_encode_cpu", capture_cpu + EncodeCpu(), "ms/frame");
    f(".bytes", Bytes() / 1024, "KiB/frame");
    f(".solid_tiles", solid_tiles / n(), "tiles/frame");
    f(".palette_tiles", palette_tiles / n(), "tiles/frame");
    f(".palette_bytes", palette_bytes / n() / 1024, "KiB/frame");
    f(".deflate_tiles", deflate_tiles / n(), "tiles/frame");
    f(".deflate_bytes", deflate_bytes / n() / 1024, "KiB/frame");
    f(".jpeg_tiles", jpeg_tiles / n(), "tiles/frame");
    f(".jpeg_pictures", jpeg_rects / n(), "pictures/frame");
    f(".jpeg_bytes", jpeg_bytes / n() / 1024, "KiB/frame");
  }
};

// The encoders compared on every capture: today's (palette for lossless tiles of up to 256
// colours) and the older path (every lossless tile as deflated RGBA).
struct Contenders {
  static constexpr int kCount = 2;
  static constexpr const char* kNames[kCount] = {"palette", "deflate_rgba"};
  explicit Contenders(const tether::Clock& clock, int quality)
      : encoders{FrameEncoder(clock, Options(true, quality)),
                 FrameEncoder(clock, Options(false, quality))} {}
  static tether::agent::FrameEncoderOptions Options(bool palette, int quality) {
    tether::agent::FrameEncoderOptions o;
    o.palette = palette;
    o.jpeg_quality = quality;
    return o;
  }
  // Encodes the frame with each encoder, in an order that alternates between calls so that
  // neither always finds the frame in the cache.
  bool Encode(const CapturedFrame& frame, bool record) {
    for (int k = 0; k < kCount; ++k) {
      const int i = (k + round) % kCount;
      const double c0 = CpuMs();
      const auto t0 = Clock::now();
      if (!encoders[i].Encode(frame, 0, &out).ok()) return false;
      const auto t1 = Clock::now();
      const double c1 = CpuMs();
      if (record) totals[i].Add(Ms(t1 - t0), c1 - c0, encoders[i], out.ByteSizeLong());
    }
    ++round;
    return true;
  }
  void Print(const std::string& prefix, const CaptureTotals& capture) const {
    for (int i = 0; i < kCount; ++i) totals[i].Print(prefix + "." + kNames[i], capture);
    const double cap = capture.cpu_ms / (capture.frames ? capture.frames : 1);
    const std::string ratio = prefix + ".ratio_palette_vs_deflate_rgba";
    Figure((ratio + ".encode_cpu").c_str(), totals[0].EncodeCpu() / totals[1].EncodeCpu(), "x");
    Figure((ratio + ".capture_plus_encode_cpu").c_str(),
           (cap + totals[0].EncodeCpu()) / (cap + totals[1].EncodeCpu()), "x");
    Figure((ratio + ".bytes").c_str(), totals[0].Bytes() / totals[1].Bytes(), "x");
  }
  FrameEncoder encoders[kCount];
  Totals totals[kCount];
  tether::v1::VideoFrame out;
  int round = 0;
};

struct Baseline {
  double memcpy_ms = 0, tj_ms = 0, tj_bytes = 0;  // CPU time
};

Baseline MeasureBaseline(const CapturedFrame& frame, int quality, int runs) {
  Baseline b;
  std::vector<uint8_t> copy(size_t{frame.stride} * frame.height);
  tjhandle tj = tjInitCompress();
  unsigned char* jpeg = tjAlloc(static_cast<int>(tjBufSize(frame.width, frame.height, TJSAMP_420)));
  for (int i = 0; i < runs; ++i) {
    const double t0 = CpuMs();
    std::memcpy(copy.data(), frame.pixels, copy.size());
    const double t1 = CpuMs();
    unsigned long size = tjBufSize(frame.width, frame.height, TJSAMP_420);
    tjCompress2(tj, frame.pixels, frame.width, frame.stride, frame.height, TJPF_BGRX, &jpeg, &size,
                TJSAMP_420, quality, TJFLAG_FASTDCT | TJFLAG_NOREALLOC);
    const double t2 = CpuMs();
    b.memcpy_ms += t1 - t0;
    b.tj_ms += t2 - t1;
    b.tj_bytes += size;
  }
  tjFree(jpeg);
  tjDestroy(tj);
  b.memcpy_ms /= runs;
  b.tj_ms /= runs;
  b.tj_bytes /= runs;
  return b;
}

// The baselines against today's encoder (the first contender).
void PrintBaseline(const std::string& prefix, const Baseline& b, const Totals& t,
                   const CaptureTotals& capture, int quality) {
  const double n = capture.frames ? capture.frames : 1;
  Figure((prefix + ".baseline_memcpy").c_str(), b.memcpy_ms, "ms/frame");
  Figure((prefix + ".baseline_tjpeg_whole_frame_q" + std::to_string(quality)).c_str(), b.tj_ms,
         "ms/frame");
  Figure((prefix + ".baseline_tjpeg_whole_frame_bytes").c_str(), b.tj_bytes / 1024, "KiB/frame");
  Figure((prefix + ".ratio_encode_cpu_vs_tjpeg").c_str(), t.EncodeCpu() / b.tj_ms, "x");
  Figure((prefix + ".ratio_bytes_vs_tjpeg").c_str(), t.Bytes() / b.tj_bytes, "x");
  Figure((prefix + ".ratio_capture_cpu_vs_memcpy").c_str(), capture.cpu_ms / n / b.memcpy_ms, "x");
}

// --sweep: the palette path's zlib settings on one frame (what chose PaletteEncoder's defaults).
void Sweep(const std::string& name, const tether::Clock& clock, const CapturedFrame& frame,
           int quality, int runs) {
  using tether::agent::ZlibStrategy;
  struct Variant {
    const char* name;
    bool palette;
    tether::agent::ZlibParams zlib;
  };
  const Variant variants[] = {
      {"deflate_rgba_l1_m8", false, {1, 8, ZlibStrategy::kDefault}},
      {"palette_l1_m8", true, {1, 8, ZlibStrategy::kDefault}},
      {"palette_l1_m9", true, {1, 9, ZlibStrategy::kDefault}},
      {"palette_l1_m7", true, {1, 7, ZlibStrategy::kDefault}},
      {"palette_l1_m6", true, {1, 6, ZlibStrategy::kDefault}},
      {"palette_l2_m8", true, {2, 8, ZlibStrategy::kDefault}},
      {"palette_l4_m8", true, {4, 8, ZlibStrategy::kDefault}},
      {"palette_l6_m8", true, {6, 8, ZlibStrategy::kDefault}},
      {"palette_filtered_l1_m8", true, {1, 8, ZlibStrategy::kFiltered}},
      {"palette_rle_m8", true, {1, 8, ZlibStrategy::kRle}},
      {"palette_rle_m6", true, {1, 6, ZlibStrategy::kRle}},
      {"palette_huffman_m8", true, {1, 8, ZlibStrategy::kHuffmanOnly}},
      {"palette_fixed_l1_m8", true, {1, 8, ZlibStrategy::kFixed}},
  };
  tether::v1::VideoFrame out;
  for (const Variant& v : variants) {
    tether::agent::FrameEncoderOptions o;
    o.palette = v.palette;
    o.palette_zlib = v.zlib;
    o.jpeg_quality = quality;
    FrameEncoder encoder(clock, o);
    double cpu = 0, lossless = 0, best = 1e9;
    for (int i = 0; i < runs + 1; ++i) {
      const double c0 = CpuMs();
      if (!encoder.Encode(frame, 0, &out).ok()) return;
      const double c = CpuMs() - c0;
      if (i == 0) continue;  // warm-up
      cpu += c;
      best = std::min(best, c);
      lossless += encoder.last_stats().palette_bytes + encoder.last_stats().deflate_bytes;
    }
    const std::string prefix = name + ".sweep." + v.name;
    Figure((prefix + ".encode_cpu").c_str(), cpu / runs, "ms/frame");
    Figure((prefix + ".encode_cpu_best").c_str(), best, "ms/frame");
    Figure((prefix + ".lossless_bytes").c_str(), lossless / runs / 1024, "KiB/frame");
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Whole lines, so that the xterm's messages on the shared terminal never split a figure.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  int frames = 20;
  int quality = 75;
  bool sweep = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--sweep") == 0) sweep = true;
    if (i + 1 >= argc) continue;
    if (std::strcmp(argv[i], "--frames") == 0) frames = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--quality") == 0) quality = std::atoi(argv[i + 1]);
  }
  Display* display = XOpenDisplay(nullptr);
  if (!display) {
    std::fprintf(stderr, "encoder_bench: cannot open $DISPLAY\n");
    return 1;
  }
  const uint32_t width = DisplayWidth(display, 0), height = DisplayHeight(display, 0);
  tether::Status error;
  auto capturer = tether::agent::CreateX11ScreenCapturer("", &error);
  if (!capturer) {
    std::fprintf(stderr, "encoder_bench: %s\n", error.error().message.c_str());
    return 1;
  }
  tether::RealClock clock;
  std::printf("# encoder_bench %ux%u, JPEG quality %d, one core; encoders: palette (today), "
              "deflate_rgba (every lossless tile as deflated RGBA, the older path)\n",
              width, height, quality);

  // (a) Full-screen changes of desktop-like content (every frame a key frame).
  XSetWindowAttributes attrs{};
  attrs.override_redirect = True;
  Window window = XCreateWindow(display, DefaultRootWindow(display), 0, 0, width, height, 0,
                                CopyFromParent, InputOutput, CopyFromParent, CWOverrideRedirect, &attrs);
  XMapRaised(display, window);
  XSync(display, False);
  for (bool dense : {false, true}) {
    const std::string name = dense ? "desktop_dense_text" : "desktop_typical";
    const Scene scenes[2] = {Desktop(width, height, 1, dense), Desktop(width, height, 2, dense)};
    CaptureTotals capture;
    Contenders contenders(clock, quality);
    const CapturedFrame* last = nullptr;
    for (int i = 0; i < frames + 2; ++i) {
      Put(display, window, scenes[i % 2]);
      capturer->ForceFull();
      const double c0 = CpuMs();
      auto t0 = Clock::now();
      auto frame = capturer->Capture();
      auto t1 = Clock::now();
      const double c1 = CpuMs();
      if (!frame.ok()) {
        std::fprintf(stderr, "encoder_bench: %s\n", frame.error().message.c_str());
        return 1;
      }
      const bool record = i >= 2;  // after warm-up
      if (record) capture.Add(Ms(t1 - t0), c1 - c0);
      if (!contenders.Encode(**frame, record)) return 1;
      last = *frame;
    }
    const std::string prefix = name + "_key_frame";
    capture.Print(prefix);
    contenders.Print(prefix, capture);
    PrintBaseline(prefix, MeasureBaseline(*last, quality, 5), contenders.totals[0], capture, quality);
    if (dense && sweep) Sweep(prefix, clock, *last, quality, frames);
  }
  XDestroyWindow(display, window);
  XSync(display, False);

  // (b) Scrolling text in a real xterm: capture + encode whatever changed, at up to 30 fps.
  pid_t xterm = -1;
  {
    const char* args[] = {"xterm", "-geometry", "200x60+0+0", "-e", "sh", "-c",
                          "while :; do for f in /usr/share/common-licenses/*; do cat \"$f\"; ls -l /usr/lib; done; done",
                          nullptr};
    if (posix_spawnp(&xterm, "xterm", nullptr, nullptr, const_cast<char**>(args), environ) != 0) {
      std::fprintf(stderr, "encoder_bench: cannot start xterm\n");
      return 1;
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  capturer->ForceFull();
  (void)capturer->Capture();
  CaptureTotals xterm_capture;
  Contenders xterm_contenders(clock, quality);
  int idle = 0;
  const auto period = std::chrono::milliseconds(33);
  auto next = Clock::now();
  for (int i = 0; i < frames * 5; ++i) {
    std::this_thread::sleep_until(next);
    next += period;
    const double c0 = CpuMs();
    auto t0 = Clock::now();
    auto frame = capturer->Capture();
    auto t1 = Clock::now();
    const double c1 = CpuMs();
    if (!frame.ok()) return 1;
    if ((*frame)->damage.empty()) {
      ++idle;
      continue;
    }
    xterm_capture.Add(Ms(t1 - t0), c1 - c0);
    if (!xterm_contenders.Encode(**frame, true)) return 1;
  }
  xterm_capture.Print("xterm_scrolling");
  xterm_contenders.Print("xterm_scrolling", xterm_capture);
  Figure("xterm_scrolling.idle_captures", idle, "captures");
  capturer->ForceFull();
  auto full = capturer->Capture();
  if (full.ok()) {
    PrintBaseline("xterm_scrolling", MeasureBaseline(**full, quality, 5), xterm_contenders.totals[0],
                  xterm_capture, quality);
    if (sweep) Sweep("xterm_full_screen", clock, **full, quality, frames);
  }
  kill(xterm, SIGTERM);
  waitpid(xterm, nullptr, 0);
  capturer.reset();
  XCloseDisplay(display);
  return 0;
}
