// The native core: loads the BPF recorder, keeps one overwriting ring per
// registered mount namespace, and snapshots rings without stopping them.
// All policy (naming, retention, formats) lives in TypeScript.
#include <malloc.h>
#include <napi.h>
#include <v8.h>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

extern "C" {
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>
#include "record.h"
#include "floor.skel.h"
}

#include "bpfset.h"
#include "pins.h"
#include "ring.h"
#include "rings.h"
#include "signals.h"

namespace sbnative {
namespace {

// libbpf's messages of the current operation, for error texts. libbpf may
// also be called from a recorder's background thread: the log has a lock.
std::string g_libbpfLog;
std::mutex g_libbpfLogLock;

int collectLibbpfLog(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char* line = nullptr;
  int n = vasprintf(&line, fmt, args);
  if (n < 0) return n;
  std::lock_guard<std::mutex> lk(g_libbpfLogLock);
  // Keep the tail: a verifier log ends with the reason it refused.
  g_libbpfLog += line;
  free(line);
  if (g_libbpfLog.size() > 256 * 1024) g_libbpfLog.erase(0, g_libbpfLog.size() - 128 * 1024);
  return n;
}

void logClear() {
  std::lock_guard<std::mutex> lk(g_libbpfLogLock);
  g_libbpfLog.clear();
}

std::string lastLines(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  return "..." + s.substr(s.size() - max);
}

Napi::Error errnoError(Napi::Env env, const std::string& what, int err) {
  std::string msg = what + ": " + strerror(err);
  {
    std::lock_guard<std::mutex> lk(g_libbpfLogLock);
    if (!g_libbpfLog.empty()) msg += "\n" + lastLines(g_libbpfLog, 2000);
  }
  auto e = Napi::Error::New(env, msg);
  e.Set("errno", Napi::Number::New(env, err));
  return e;
}

uint64_t toU64(const Napi::Value& v, const char* what) {
  if (v.IsBigInt()) {
    bool lossless = true;
    uint64_t x = v.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) throw Napi::RangeError::New(v.Env(), std::string(what) + " is out of range");
    return x;
  }
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= 0) || d > 9007199254740991.0 || d != static_cast<double>(static_cast<uint64_t>(d)))
      throw Napi::RangeError::New(v.Env(), std::string(what) + " must be a non-negative integer");
    return static_cast<uint64_t>(d);
  }
  throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a number or bigint");
}

Napi::Error sbError(Napi::Env env, const SbError& e) {
  if (e.err == 0) return Napi::Error::New(env, e.what);
  return errnoError(env, e.what, e.err);
}

// The ring class holding ringBytes, or -1 when no class can.
int classFor(uint64_t ringBytes) {
  if (ringBytes == 0 || ringBytes > classRingBytes(SB_RING_CLASSES - 1)) return -1;
  int cls = 0;
  while (classRingBytes(cls) < ringBytes) cls++;
  return cls;
}

class Recorder : public Napi::ObjectWrap<Recorder> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Recorder",
                       {
                           InstanceMethod("addContainer", &Recorder::AddContainer),
                           InstanceMethod("adoptContainer", &Recorder::AdoptContainer),
                           InstanceMethod("removeContainer", &Recorder::RemoveContainer),
                           InstanceMethod("pinnedRings", &Recorder::PinnedRings),
                           InstanceMethod("snapshot", &Recorder::Snapshot),
                           InstanceMethod("stats", &Recorder::Stats),
                           InstanceMethod("fill", &Recorder::Fill),
                           InstanceMethod("hostStats", &Recorder::HostStats),
                           InstanceMethod("warnings", &Recorder::Warnings),
                           InstanceMethod("close", &Recorder::Close),
                       });
  }

  explicit Recorder(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Recorder>(info) {
    Napi::Env env = info.Env();
    Napi::Object opts = info.Length() > 0 && info[0].IsObject() ? info[0].As<Napi::Object>()
                                                                : Napi::Object::New(env);
    const uint64_t budget =
        opts.Has("budgetBytes") ? toU64(opts.Get("budgetBytes"), "budgetBytes") : (256ULL << 20);
    const uint64_t ringBytes = opts.Has("ringBytes") ? toU64(opts.Get("ringBytes"), "ringBytes") : (1ULL << 20);
    uint64_t spares = opts.Has("spareRings") ? toU64(opts.Get("spareRings"), "spareRings") : 4;
    if (spares > 64) throw Napi::RangeError::New(env, "spareRings must be at most 64");
    std::string pinDir;
    if (opts.Has("pinDir") && !opts.Get("pinDir").IsUndefined()) {
      if (!opts.Get("pinDir").IsString()) throw Napi::TypeError::New(env, "pinDir must be a string");
      pinDir = opts.Get("pinDir").As<Napi::String>().Utf8Value();
    }

    LoadSettings settings;
    if (opts.Has("descTable")) {
      auto desc = opts.Get("descTable");
      if (!desc.IsBuffer()) throw Napi::TypeError::New(env, "descTable must be a Buffer");
      auto buf = desc.As<Napi::Buffer<uint8_t>>();
      if (buf.Length() != sizeof(sb_sc_desc) * SB_NR_MAX)
        throw Napi::RangeError::New(env, "descTable must be " + std::to_string(sizeof(sb_sc_desc) * SB_NR_MAX) +
                                             " bytes (SB_NR_MAX descriptors)");
      settings.desc.assign(buf.Data(), buf.Data() + buf.Length());
    }
    settings.strMax = limit(env, opts, "strMax", 1, SB_ITEM_MAX);
    settings.bufMax = limit(env, opts, "bufMax", 0, SB_ITEM_MAX);
    settings.argvMax = limit(env, opts, "argvMax", 0, SB_ARGV_MAX);
    settings.argvStrMax = limit(env, opts, "argvStrMax", 1, SB_ITEM_MAX);

    logClear();
    try {
      bpf_ = BpfSet::open(settings, pinDir, warnings_);
    } catch (const SbError& e) {
      throw sbError(env, e);
    }
    // Spares are of the default ring size: that is what most containers get.
    const int spareCls = classFor(ringBytes);
    space_ = std::make_unique<RingSpace>(bpf_->outerFds(), budget, spareCls < 0 ? 0 : spareCls,
                                         spareCls < 0 ? 0 : static_cast<uint32_t>(spares));
    if (bpf_->reused()) findPinnedRings();
    // The first container need not wait, and the fds the refills use are not open at odd times.
    space_->fill();
    space_->start();
  }

  ~Recorder() override {
    try {
      teardown(false);
    } catch (const SbError&) {
      // nobody to tell
    }
  }

 private:
  static std::optional<uint32_t> limit(Napi::Env env, Napi::Object opts, const char* name, uint32_t lo, uint32_t hi) {
    if (!opts.Has(name) || opts.Get(name).IsUndefined()) return std::nullopt;
    const uint64_t v = toU64(opts.Get(name), name);
    if (v < lo || v > hi)
      throw Napi::RangeError::New(env, std::string(name) + " must be between " + std::to_string(lo) + " and " +
                                           std::to_string(hi));
    return static_cast<uint32_t>(v);
  }

  void teardown(bool release) {
    if (!bpf_) return;
    // Pinned and kept: removed rings' slots are cleared now, or the next process would find them.
    space_->stop(bpf_->pinned() && !release);
    for (auto& [h, r] : rings_) munmap(r.map, r.mapLen);
    for (auto& [m, r] : pinned_) munmap(r.map, r.mapLen);
    rings_.clear();
    pinned_.clear();
    byMntns_.clear();
    sharedAt_.clear();
    space_.reset();
    std::unique_ptr<BpfSet> bpf = std::move(bpf_);
    bpf->close(release);
  }

  void requireOpen(Napi::Env env) {
    if (!bpf_) throw Napi::Error::New(env, "the recorder is closed");
  }

  Ring& ringOf(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    requireOpen(env);
    if (info.Length() < 1) throw Napi::TypeError::New(env, "a ring handle is required");
    uint64_t h = toU64(info[0], "handle");
    auto it = rings_.find(static_cast<uint32_t>(h));
    if (h > UINT32_MAX || it == rings_.end())
      throw Napi::Error::New(env, "unknown ring handle " + std::to_string(h));
    return it->second;
  }

  static uint32_t mntnsArg(const Napi::CallbackInfo& info, size_t i) {
    const uint64_t mntns = toU64(info[i], "mntns");
    if (mntns == 0 || mntns > UINT32_MAX)
      throw Napi::RangeError::New(info.Env(), "mntns " + std::to_string(mntns) + " is not a mount namespace inode");
    return static_cast<uint32_t>(mntns);
  }

  static uint64_t packEntry(uint32_t mntns, uint32_t cls, uint32_t slot, uint32_t flags) {
    return (static_cast<uint64_t>(mntns) << 32) | flags | (cls << SB_FILTER_CLASS_SHIFT) | slot;
  }

  // Puts mntns in the kernel filter; once markTasks has marked its tasks, every later syscall of theirs is recorded.
  int filterAdd(const Ring& r) {
    const int filterFd = bpf_->filterFd(), sharedFd = bpf_->sharedFd();
    uint32_t idx = r.mntns & (SB_FILTER_SIZE - 1);
    sb_filter_entry cur{};
    if (bpf_map_lookup_elem(filterFd, &idx, &cur)) return errno;
    sb_filter_entry mine{packEntry(r.mntns, r.cls, r.slot, SB_FILTER_VALID), r.nsId};
    if (!(cur.packed & SB_FILTER_VALID) && !(cur.packed & SB_FILTER_SHARED)) {
      return bpf_map_update_elem(filterFd, &idx, &mine, BPF_ANY) ? errno : 0;
    }
    // The index is taken: this namespace goes to the overflow hash.
    uint32_t key = r.mntns;
    if (bpf_map_update_elem(sharedFd, &key, &mine, BPF_NOEXIST)) return errno;
    sb_filter_entry marked = cur;
    marked.packed |= SB_FILTER_SHARED;
    if (bpf_map_update_elem(filterFd, &idx, &marked, BPF_ANY)) {
      int e = errno;
      bpf_map_delete_elem(sharedFd, &key);
      return e;
    }
    sharedAt_[idx]++;
    return 0;
  }

  void filterRemove(uint32_t mntns) {
    const int filterFd = bpf_->filterFd(), sharedFd = bpf_->sharedFd();
    uint32_t idx = mntns & (SB_FILTER_SIZE - 1);
    sb_filter_entry cur{};
    bpf_map_lookup_elem(filterFd, &idx, &cur);
    if ((cur.packed & SB_FILTER_VALID) && static_cast<uint32_t>(cur.packed >> 32) == mntns) {
      sb_filter_entry next{(cur.packed & SB_FILTER_SHARED) ? SB_FILTER_SHARED : 0, 0};
      bpf_map_update_elem(filterFd, &idx, &next, BPF_ANY);
      return;
    }
    uint32_t key = mntns;
    bpf_map_delete_elem(sharedFd, &key);
    auto it = sharedAt_.find(idx);
    if (it != sharedAt_.end() && --it->second == 0) {
      sharedAt_.erase(it);
      sb_filter_entry next = cur;
      next.packed &= ~static_cast<uint64_t>(SB_FILTER_SHARED);
      bpf_map_update_elem(filterFd, &idx, &next, BPF_ANY);
    }
  }

  // All entries of the filter array (the valid ones), in one batch where the kernel can.
  std::vector<std::pair<uint32_t, sb_filter_entry>> filterEntries() {
    std::vector<std::pair<uint32_t, sb_filter_entry>> out;
    std::vector<uint32_t> keys(SB_FILTER_SIZE);
    std::vector<sb_filter_entry> values(SB_FILTER_SIZE);
    uint32_t count = SB_FILTER_SIZE, next = 0;
    LIBBPF_OPTS(bpf_map_batch_opts, bopts);
    const int rc = bpf_map_lookup_batch(bpf_->filterFd(), nullptr, &next, keys.data(), values.data(), &count, &bopts);
    if (rc != 0 && errno != ENOENT) {
      count = 0;
      for (uint32_t k = 0; k < SB_FILTER_SIZE; k++) {
        if (bpf_map_lookup_elem(bpf_->filterFd(), &k, &values[count]) == 0) keys[count++] = k;
      }
    }
    for (uint32_t i = 0; i < count; i++)
      if (values[i].packed & SB_FILTER_VALID) out.emplace_back(keys[i], values[i]);
    return out;
  }

  // Reads the rings an earlier process left in the reused maps: filter
  // entries with their rings become pinned_ (for adoptContainer), rings no
  // entry points to become spares or are cleared.
  void findPinnedRings() {
    struct Entry {
      uint32_t mntns;
      sb_filter_entry e;
    };
    std::vector<Entry> entries;
    for (const auto& [idx, e] : filterEntries()) entries.push_back({static_cast<uint32_t>(e.packed >> 32), e});
    uint32_t key = 0, prev = 0;
    bool first = true;
    while (bpf_map_get_next_key(bpf_->sharedFd(), first ? nullptr : &prev, &key) == 0) {
      first = false;
      prev = key;
      sb_filter_entry e{};
      if (bpf_map_lookup_elem(bpf_->sharedFd(), &key, &e) != 0) continue;
      entries.push_back({key, e});
      sharedAt_[key & (SB_FILTER_SIZE - 1)]++;
    }
    std::map<std::pair<uint32_t, uint32_t>, uint32_t> occupied;  // class, slot -> ring map id
    for (uint32_t cls = 0; cls < SB_RING_CLASSES; cls++) {
      // A lookup in an outer map gives the inner map's id; one batch skips the empty slots.
      std::vector<uint32_t> slots(SB_SLOTS), ids(SB_SLOTS);
      uint32_t count = SB_SLOTS, next = 0;
      LIBBPF_OPTS(bpf_map_batch_opts, bopts);
      if (bpf_map_lookup_batch(bpf_->outerFd(cls), nullptr, &next, slots.data(), ids.data(), &count, &bopts) == 0 ||
          errno == ENOENT) {
        for (uint32_t i = 0; i < count && i < SB_SLOTS; i++) occupied[{cls, slots[i]}] = ids[i];
        continue;
      }
      for (uint32_t slot = 0; slot < SB_SLOTS; slot++) {
        uint32_t id = 0;
        if (bpf_map_lookup_elem(bpf_->outerFd(cls), &slot, &id) == 0) occupied[{cls, slot}] = id;
      }
    }
    for (const Entry& en : entries) {
      const uint32_t cls = (en.e.packed >> SB_FILTER_CLASS_SHIFT) & 0xf;
      const uint32_t slot = en.e.packed & SB_FILTER_SLOT_MASK;
      auto it = cls < SB_RING_CLASSES ? occupied.find({cls, slot}) : occupied.end();
      std::string problem;
      if (it == occupied.end()) {
        problem = "its ring is gone";
      } else {
        const int fd = bpf_map_get_fd_by_id(it->second);
        try {
          if (fd < 0) throw SbError{"opening its ring", errno};
          Ring r = mapRing(fd, cls);
          close(fd);
          if (r.hdr()->mntns != en.mntns || r.hdr()->ring_bytes != r.ringBytes) {
            munmap(r.map, r.mapLen);
            throw SbError{"its ring records another namespace", 0};
          }
          r.slot = slot;
          r.mntns = en.mntns;
          r.nsId = en.e.ns_id;
          space_->claim(cls, slot);
          occupied.erase(it);
          pinned_.emplace(en.mntns, r);
          continue;
        } catch (const SbError& e) {
          if (fd >= 0) close(fd);
          problem = e.what + (e.err ? std::string(" (") + strerror(e.err) + ")" : "");
        }
      }
      warnings_.push_back("pin dir " + bpf_->pinDir() + ": mount namespace " + std::to_string(en.mntns) +
                          " was in the filter but " + problem + "; it is no longer recorded");
      filterRemove(en.mntns);
    }
    for (const auto& [where, id] : occupied) space_->orphan(where.first, where.second, id);
  }

  void keepRing(Ring& r, uint32_t mntns, uint64_t nsId) {
    r.handle = nextHandle_++;
    r.mntns = mntns;
    r.nsId = nsId;
    byMntns_[mntns] = r.handle;
    rings_.emplace(r.handle, r);
  }

  // addContainer(mntns, ringBytes, nsId?) -> handle
  Napi::Value AddContainer(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    requireOpen(env);
    if (info.Length() < 2) throw Napi::TypeError::New(env, "addContainer(mntns, ringBytes, nsId?)");
    const uint32_t mntns = mntnsArg(info, 0);
    const uint64_t want = toU64(info[1], "ringBytes");
    const uint64_t nsId = info.Length() > 2 && !info[2].IsUndefined() ? toU64(info[2], "nsId") : 0;
    if (want == 0) throw Napi::RangeError::New(env, "ring size must be greater than 0");
    const int cls = classFor(want);
    if (cls < 0)
      throw Napi::RangeError::New(env, "ring size " + std::to_string(want) + " is larger than the maximum of " +
                                           std::to_string(classRingBytes(SB_RING_CLASSES - 1)) + " bytes");
    if (byMntns_.count(mntns))
      throw Napi::Error::New(env, "mount namespace " + std::to_string(mntns) + " is already recorded");
    if (pinned_.count(mntns))
      throw Napi::Error::New(env, "mount namespace " + std::to_string(mntns) +
                                      " is already recorded into a pinned ring (adoptContainer takes it over)");

    logClear();
    Ring r;
    try {
      r = space_->acquire(static_cast<uint32_t>(cls));
    } catch (const SbError& e) {
      if (e.err == ENOSPC) throw Napi::Error::New(env, e.what);
      throw sbError(env, e);
    }
    r.mntns = mntns;
    r.nsId = nsId;
    sb_ring_hdr* h = r.hdr();
    h->mntns = mntns;
    h->generation = bpf_->pinned() ? bpf_->nextGeneration() : nextHandle_;
    if (int e = filterAdd(r)) {
      space_->unacquire(r);
      throw errnoError(env, "adding mount namespace " + std::to_string(mntns) + " to the filter", e);
    }
    // Tasks already in the namespace: new ones are marked as they are made.
    try {
      bpf_->markTasks();
    } catch (const SbError& e) {
      filterRemove(mntns);
      space_->unacquire(r);
      throw sbError(env, e);
    }
    keepRing(r, mntns, nsId);
    return Napi::Number::New(env, r.handle);
  }

  // adoptContainer(mntns, nsId?) -> handle: a ring pinned by an earlier process, with all it holds.
  Napi::Value AdoptContainer(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    requireOpen(env);
    if (info.Length() < 1) throw Napi::TypeError::New(env, "adoptContainer(mntns, nsId?)");
    const uint32_t mntns = mntnsArg(info, 0);
    const uint64_t nsId = info.Length() > 1 && !info[1].IsUndefined() ? toU64(info[1], "nsId") : 0;
    auto it = pinned_.find(mntns);
    if (it == pinned_.end()) {
      if (byMntns_.count(mntns))
        throw Napi::Error::New(env, "mount namespace " + std::to_string(mntns) + " is already recorded by this recorder");
      throw Napi::Error::New(env, "no pinned ring records mount namespace " + std::to_string(mntns));
    }
    Ring r = it->second;
    if (nsId && r.nsId && nsId != r.nsId)
      throw Napi::Error::New(env, "the pinned ring of mount namespace " + std::to_string(mntns) +
                                      " records the namespace with id " + std::to_string(r.nsId) + ", not " +
                                      std::to_string(nsId) + " (the inode was reused)");
    // The earlier process marked the namespace's tasks; marking again covers any it could not.
    try {
      bpf_->markTasks();
    } catch (const SbError& e) {
      throw sbError(env, e);
    }
    pinned_.erase(it);
    keepRing(r, mntns, r.nsId);
    return Napi::Number::New(env, r.handle);
  }

  // pinnedRings() -> rings found in the reused maps and not adopted yet.
  Napi::Value PinnedRings(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    requireOpen(env);
    Napi::Array out = Napi::Array::New(env);
    uint32_t i = 0;
    for (const auto& [mntns, r] : pinned_) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("mntns", Napi::BigInt::New(env, static_cast<uint64_t>(mntns)));
      o.Set("nsId", Napi::BigInt::New(env, static_cast<uint64_t>(r.nsId)));
      o.Set("ringBytes", Napi::Number::New(env, static_cast<double>(r.ringBytes)));
      o.Set("generation", Napi::Number::New(env, static_cast<double>(r.hdr()->generation)));
      out.Set(i++, o);
    }
    return out;
  }

  Napi::Value RemoveContainer(const Napi::CallbackInfo& info) {
    Ring& r = ringOf(info);
    // Recording stops here; the ring's slot is cleared in the background.
    filterRemove(r.mntns);
    const Ring gone = r;
    byMntns_.erase(gone.mntns);
    rings_.erase(gone.handle);
    space_->release(gone);
    return info.Env().Undefined();
  }

  // Copies the ring (writers keep going) and finds what it holds; from a record boundary `from` (an earlier
  // walk's next) on, only what was written since is copied and walked (a live tail reads the ring this way).
  WalkResult copyAndWalk(const Ring& r, Pages& copy, uint64_t from = 0) {
    sb_ring_hdr* h = r.hdr();
    const uint64_t full = r.ringBytes + SB_SLACK;
    // The copy starts zeroed, and zero never passes a commit check: bytes
    // past what is copied need no clearing.
    copy = Pages(full);
    const uint64_t before = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE) & SB_HEAD_POS_MASK;
    RingView v = viewOf(r, copy.data());
    v.from = from;
    // What is copied: ring positions [lo, hi), laid out as in the ring (a record that runs past the ring's
    // end goes on into the slack). Every record the walk takes ends by the head read after the copy, so a
    // copy reaching that head has them whole; what lands while copying gets 2 * SB_SCRATCH of room.
    const uint64_t oldest = before > r.ringBytes ? before - r.ringBytes : 0;
    const uint64_t lo = std::max(from, oldest) & ~uint64_t{7};
    uint64_t hi = lo;
    for (uint64_t want = before + 2 * SB_SCRATCH; want - lo < r.ringBytes; want = v.head + 2 * SB_SCRATCH) {
      copyRange(r, copy, hi, want);
      hi = want;
      __atomic_thread_fence(__ATOMIC_ACQUIRE);
      v.head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
      v.count = reservedAt(h, v.head);
      if ((v.head & SB_HEAD_POS_MASK) <= hi) return walkRing(v);
    }
    // All of it: the ring has wrapped since `from`, or more arrived than the short copies cover.
    copyBig(copy.data(), r.data(), full);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    v.head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
    v.count = reservedAt(h, v.head);
    return walkRing(v);
  }

  // Copies ring positions [lo, hi) (less than the ring's size) to where they lie in the ring: up to the
  // ring's end and on into its slack, then from its start.
  static void copyRange(const Ring& r, Pages& copy, uint64_t lo, uint64_t hi) {
    const uint64_t at = lo & (r.ringBytes - 1);
    const uint64_t n = hi - lo;
    const uint64_t toEnd = r.ringBytes - at;
    if (n <= toEnd) {
      copyBig(copy.data() + at, r.data() + at, n);
    } else {
      // The record that crosses the end lies on in the slack; the positions after it are at the start.
      copyBig(copy.data() + at, r.data() + at, toEnd + SB_SLACK);
      copyBig(copy.data(), r.data(), n - toEnd);
    }
  }

  // A walk's view of a ring's bytes at data (the ring itself, or a copy of it); head and count still to read.
  static RingView viewOf(const Ring& r, const uint8_t* data) {
    RingView v;
    v.ringBytes = r.ringBytes;
    v.key = r.hdr()->key;
    v.data = data;
    return v;
  }

  // Records reserved in a ring as of a head read from it (recordsReserved: hdr.count moves in steps).
  static uint64_t reservedAt(const sb_ring_hdr* h, uint64_t head) {
    return recordsReserved(head, __atomic_load_n(&h->count, __ATOMIC_ACQUIRE));
  }

  static uint64_t reservedNow(const sb_ring_hdr* h) {
    return reservedAt(h, __atomic_load_n(&h->head, __ATOMIC_ACQUIRE));
  }

  Napi::Object statsObject(Napi::Env env, const Ring& r, const WalkResult& w, uint64_t count) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("recorded", Napi::Number::New(env, static_cast<double>(count)));
    o.Set("held", Napi::Number::New(env, static_cast<double>(w.held)));
    o.Set("overwritten", Napi::Number::New(env, static_cast<double>(w.overwritten)));
    o.Set("pending", Napi::Number::New(env, static_cast<double>(w.pending)));
    o.Set("lost", Napi::Number::New(env, static_cast<double>(r.hdr()->dropped + w.corrupt)));
    o.Set("ringBytes", Napi::Number::New(env, static_cast<double>(r.ringBytes)));
    o.Set("slot", Napi::Number::New(env, r.slot));
    o.Set("mntns", Napi::Number::New(env, r.mntns));
    o.Set("createdBootNs", Napi::BigInt::New(env, static_cast<uint64_t>(r.hdr()->created_ns)));
    // The oldest and newest timestamps of the held records bound the history.
    o.Set("oldestBootNs", Napi::BigInt::New(env, static_cast<uint64_t>(w.oldestTs)));
    o.Set("newestBootNs", Napi::BigInt::New(env, static_cast<uint64_t>(w.newestTs)));
    return o;
  }

  // snapshot(handle) -> { records: Buffer, order: Uint32Array (each record's offset in records, time order), ...stats }
  // snapshot(handle, from) -> the same, of the records from ring position `from` (the next of an earlier
  // snapshot of this ring) on; `next` says where the following one starts.
  Napi::Value Snapshot(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Ring& r = ringOf(info);
    uint64_t from = 0;
    if (info.Length() > 1 && !info[1].IsUndefined()) {
      from = toU64(info[1], "from");
      const uint64_t head = __atomic_load_n(&r.hdr()->head, __ATOMIC_ACQUIRE) & SB_HEAD_POS_MASK;
      if (from > head || from % 8 != 0)
        throw Napi::RangeError::New(env, "from " + std::to_string(from) + " is not a record position of this ring (its head is at " +
                                             std::to_string(head) + ")");
    }
    try {
      return snapshotOf(env, r, from);
    } catch (const std::bad_alloc&) {
      throw errnoError(env, "copying the ring", ENOMEM);
    }
  }

  // A Buffer over memory of Pages, given back (Pages::unmap) when JS lets the Buffer go.
  static Napi::Buffer<uint8_t> pagesBuffer(Napi::Env env, Pages& pages) {
    const size_t len = pages.size();
    if (len == 0) return Napi::Buffer<uint8_t>::New(env, 0);
    auto out = Napi::Buffer<uint8_t>::New(env, pages.data(), len, [](Napi::Env e, uint8_t* d, size_t* n) {
      Napi::MemoryManagement::AdjustExternalMemory(e, -static_cast<int64_t>(*n));
      Pages::unmap(d, *n);
      delete n;
    }, new size_t(len));
    pages.release();
    Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(len));
    return out;
  }

  Napi::Value snapshotOf(Napi::Env env, const Ring& r, uint64_t from) {
    Pages copy;
    WalkResult w = copyAndWalk(r, copy, from);
    const uint64_t count = reservedNow(r.hdr());
    // Reservation order is nearly time order; records of other CPUs can be a little out of it. Ties keep
    // reservation (ring position) order. Sorting in place: stable_sort's buffer is fresh pages, a million
    // records' worth.
    const auto byTime = [](const HeldRecord& a, const HeldRecord& b) { return a.ts < b.ts || (a.ts == b.ts && a.pos < b.pos); };
    if (!std::is_sorted(w.records.begin(), w.records.end(), byTime)) std::sort(w.records.begin(), w.records.end(), byTime);
    size_t total = 0;
    for (const auto& rec : w.records) total += (rec.size + 7) & ~7U;
    Napi::Uint32Array order = Napi::Uint32Array::New(env, w.records.size());
    Pages keep;
    if (copy.ownPages() && total * 2 >= copy.size()) {
      // A big ring at least half full (a dump's usual case): the copy itself goes to JS with the order of
      // its records. A second, sorted copy would take as much memory again, and fresh pages cost (a 64 MiB
      // ring: 0.2 s here, against 0.05 s for the copy and walk, whose pages the last copy freed). A small
      // ring's copy is malloc's: kept by JS until it is collected, such copies left the heap fragmented
      // (the daemon's RSS after 200 containers grew 6-8 MiB instead of 4-5), so it is freed at once.
      for (size_t i = 0; i < w.records.size(); i++) order[i] = w.records[i].offset;
      keep = std::move(copy);
    } else {
      // A small ring, or one mostly empty: only its records, in time order, padded to 8.
      keep = Pages(total);
      uint8_t* p = keep.data();
      for (size_t i = 0; i < w.records.size(); i++) {
        const HeldRecord& rec = w.records[i];
        order[i] = static_cast<uint32_t>(p - keep.data());
        memcpy(p, copy.data() + rec.offset, rec.size);
        const size_t stride = (rec.size + 7) & ~7U;
        memset(p + rec.size, 0, stride - rec.size);
        p += stride;
      }
      copy.reset();
    }
    Napi::Object o = statsObject(env, r, w, std::max(count, w.overwritten + w.held));
    o.Set("records", pagesBuffer(env, keep));
    o.Set("order", order);
    o.Set("next", Napi::Number::New(env, static_cast<double>(w.next)));
    return o;
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Ring& r = ringOf(info);
    WalkResult w;
    try {
      w = countInPlace(r);
    } catch (const std::bad_alloc&) {
      throw errnoError(env, "copying the ring", ENOMEM);
    }
    const uint64_t count = reservedNow(r.hdr());
    return statsObject(env, r, w, std::max(count, w.overwritten + w.held));
  }

  // What the ring holds, counted in the ring itself, without copying it (a copy of a 64 MiB ring is 64 MiB
  // of fresh pages: 0.1-0.5 s here, for every container a list shows). Writers go on meanwhile, overwriting
  // the oldest records: the count holds if none of what the walk read was overwritten before it ended (the
  // head after the walk is at most a ring ahead of where it began). If some was, the walk starts again past
  // twice what was written meanwhile; after a few tries, the ring is copied.
  WalkResult countInPlace(const Ring& r) {
    sb_ring_hdr* h = r.hdr();
    uint64_t margin = 0;
    for (int attempt = 0; attempt < 4 && margin < r.ringBytes / 2; attempt++) {
      RingView v = viewOf(r, r.data());
      v.countOnly = true;
      v.head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
      v.count = reservedAt(h, v.head);
      const uint64_t before = v.head & SB_HEAD_POS_MASK;
      if (before > r.ringBytes) v.scanFrom = before - r.ringBytes + margin;
      WalkResult w = walkRing(v);
      __atomic_thread_fence(__ATOMIC_ACQUIRE);
      const uint64_t after = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE) & SB_HEAD_POS_MASK;
      if (after <= r.ringBytes || after - r.ringBytes <= w.firstRead) return w;
      margin += 2 * (after - before) + 2 * SB_SCRATCH;
    }
    Pages copy;
    return copyAndWalk(r, copy);
  }

  // fill(handle) -> { recorded, written, ringBytes }: records reserved and bytes written since the ring was
  // made, read from its header alone (stats walks a copy of the ring): how much a snapshot will hold, roughly.
  Napi::Value Fill(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Ring& r = ringOf(info);
    const uint64_t head = __atomic_load_n(&r.hdr()->head, __ATOMIC_ACQUIRE);
    const uint64_t count = reservedAt(r.hdr(), head);
    Napi::Object o = Napi::Object::New(env);
    o.Set("recorded", Napi::Number::New(env, static_cast<double>(count)));
    o.Set("written", Napi::Number::New(env, static_cast<double>(head & SB_HEAD_POS_MASK)));
    o.Set("ringBytes", Napi::Number::New(env, static_cast<double>(r.hdr()->ring_bytes)));
    return o;
  }

  // Host-wide counters: programs the kernel skipped (recursion) count as lost events.
  Napi::Value HostStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    requireOpen(env);
    const RingSpace::Usage u = space_->usage();
    uint64_t pinnedBytes = 0;
    for (const auto& [m, r] : pinned_) pinnedBytes += ringCost(r.cls);
    const auto num = [&](uint64_t v) { return Napi::Number::New(env, static_cast<double>(v)); };
    Napi::Object o = Napi::Object::New(env);
    o.Set("missed", num(bpf_->missed()));
    o.Set("rings", num(rings_.size()));
    // Rings that record (this process's and pinned ones not adopted yet); spares and slots being cleared apart.
    o.Set("ringBytesInUse", num(u.used - u.spareBytes - u.clearingBytes - u.makingBytes));
    o.Set("budgetBytes", num(space_->budget()));
    o.Set("spareRings", num(u.spareRings));
    o.Set("spareBytes", num(u.spareBytes + u.makingBytes));
    o.Set("clearingBytes", num(u.clearingBytes));
    o.Set("pinnedRings", num(pinned_.size()));
    o.Set("pinnedBytes", num(pinnedBytes));
    o.Set("pinned", Napi::Boolean::New(env, bpf_->pinned()));
    return o;
  }

  Napi::Value Warnings(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Array out = Napi::Array::New(env);
    for (uint32_t i = 0; i < warnings_.size(); i++) out.Set(i, Napi::String::New(env, warnings_[i]));
    return out;
  }

  // close({ release? }): with pins, release removes them (programs detach, rings are freed); else they stay.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    bool release = false;
    if (info.Length() > 0 && info[0].IsObject()) {
      Napi::Value v = info[0].As<Napi::Object>().Get("release");
      release = v.IsBoolean() && v.As<Napi::Boolean>().Value();
    }
    try {
      teardown(release);
    } catch (const SbError& e) {
      throw sbError(env, e);
    }
    return env.Undefined();
  }

  std::unique_ptr<BpfSet> bpf_;
  std::unique_ptr<RingSpace> space_;
  std::vector<std::string> warnings_;
  uint32_t nextHandle_ = 1;
  std::map<uint32_t, Ring> rings_;
  std::map<uint32_t, Ring> pinned_;  // mntns -> ring an earlier process left, not adopted yet
  std::unordered_map<uint32_t, uint32_t> byMntns_;
  std::unordered_map<uint32_t, uint32_t> sharedAt_;
};

// Programs on the same tracepoints, for the benchmark (bpf/floor.bpf.c): the
// empty floor, or with {helpers: true} the unavoidable helper calls instead.
class Floor : public Napi::ObjectWrap<Floor> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Floor", {InstanceMethod("close", &Floor::Close)});
  }
  explicit Floor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Floor>(info) {
    bool helpers = false;
    if (info.Length() > 0 && info[0].IsObject()) {
      Napi::Value v = info[0].As<Napi::Object>().Get("helpers");
      helpers = v.IsBoolean() && v.As<Napi::Boolean>().Value();
    }
    logClear();
    skel_ = floor_bpf__open();
    if (!skel_) throw errnoError(info.Env(), "opening the floor programs", errno);
    bpf_program__set_autoload(skel_->progs.sb_floor_enter, !helpers);
    bpf_program__set_autoload(skel_->progs.sb_floor_exit, !helpers);
    bpf_program__set_autoload(skel_->progs.sb_helpers_enter, helpers);
    bpf_program__set_autoload(skel_->progs.sb_helpers_exit, helpers);
    int loaded;
    {
      SignalsHeld held;  // bpfset.h: the verifier gives up on a pending signal
      loaded = floor_bpf__load(skel_);
    }
    if (int err = loaded) {
      floor_bpf__destroy(skel_);
      skel_ = nullptr;
      throw errnoError(info.Env(), "loading the floor programs", -err);
    }
    if (int err = floor_bpf__attach(skel_)) {
      floor_bpf__destroy(skel_);
      skel_ = nullptr;
      throw errnoError(info.Env(), "attaching the floor programs", -err);
    }
  }
  ~Floor() override { Release(); }

 private:
  void Release() {
    if (skel_) floor_bpf__destroy(skel_);
    skel_ = nullptr;
  }
  Napi::Value Close(const Napi::CallbackInfo& info) {
    Release();
    return info.Env().Undefined();
  }
  floor_bpf* skel_ = nullptr;
};

// realtime - boottime in ns, sampled between two boottime reads.
Napi::Value ClockOffset(const Napi::CallbackInfo& info) {
  uint64_t best = UINT64_MAX, offset = 0;
  for (int i = 0; i < 5; i++) {
    uint64_t b1 = clockNs(CLOCK_BOOTTIME);
    uint64_t rt = clockNs(CLOCK_REALTIME);
    uint64_t b2 = clockNs(CLOCK_BOOTTIME);
    if (b2 - b1 < best) {
      best = b2 - b1;
      offset = rt - (b1 + (b2 - b1) / 2);
    }
  }
  return Napi::BigInt::New(info.Env(), offset);
}

// The never-reused 64-bit id of a process's mount namespace (NS_GET_MNTNS_ID, Linux 6.8+), 0 if unknown.
Napi::Value MntnsIdOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t pid = toU64(info[0], "pid");
  std::string path = "/proc/" + std::to_string(pid) + "/ns/mnt";
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw errnoError(env, "opening " + path, errno);
  uint64_t id = 0;
  constexpr unsigned long kNsGetMntnsId = (2UL << 30) | (sizeof(uint64_t) << 16) | (0xb7UL << 8) | 5;
  if (ioctl(fd, kNsGetMntnsId, &id) != 0) id = 0;
  close(fd);
  return Napi::BigInt::New(env, id);
}

// releasePins(dir): removes a pin dir a recorder left (no-op if absent).
Napi::Value ReleasePins(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "releasePins(pinDir: string)");
  try {
    releasePinDir(info[0].As<Napi::String>().Utf8Value());
  } catch (const SbError& e) {
    throw sbError(env, e);
  }
  return env.Undefined();
}

// trimMemory(): gives the C heap's free pages back to the system (glibc malloc_trim); true if any were.
Napi::Value TrimMemory(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), malloc_trim(0) != 0);
}

// lowMemory(): V8's low-memory collection: every collectable object goes,
// the heap is compacted and the young generation shrinks back to its
// initial size (a plain full collection leaves it at its high-water mark).
// The one V8 call of the addon: Node-API has no equivalent.
Napi::Value LowMemory(const Napi::CallbackInfo& info) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  if (isolate) isolate->LowMemoryNotification();
  return info.Env().Undefined();
}

Napi::Value BootTime(const Napi::CallbackInfo& info) {
  return Napi::BigInt::New(info.Env(), clockNs(CLOCK_BOOTTIME));
}

Napi::Object InitExports(Napi::Env env, Napi::Object exports) {
  libbpf_set_print(collectLibbpfLog);
  exports.Set("Recorder", Recorder::Init(env));
  exports.Set("Floor", Floor::Init(env));
  exports.Set("clockOffsetNs", Napi::Function::New(env, ClockOffset));
  exports.Set("bootTimeNs", Napi::Function::New(env, BootTime));
  exports.Set("mntnsIdOf", Napi::Function::New(env, MntnsIdOf));
  exports.Set("releasePins", Napi::Function::New(env, ReleasePins));
  exports.Set("trimMemory", Napi::Function::New(env, TrimMemory));
  exports.Set("lowMemory", Napi::Function::New(env, LowMemory));
  return exports;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) { return InitExports(env, exports); }

}  // namespace sbnative

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return sbnative::Init(env, exports); }

NODE_API_MODULE(straceback, InitAddon)
