// The native core: loads the BPF recorder, keeps one overwriting ring per
// registered mount namespace, and snapshots rings without stopping them.
// All policy (naming, retention, formats) lives in TypeScript.
#include <napi.h>

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
#include "straceback.skel.h"
}

#include "ring.h"

namespace sbnative {
namespace {

// libbpf's messages of the current operation, for error texts.
std::string g_libbpfLog;

int collectLibbpfLog(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char* line = nullptr;
  int n = vasprintf(&line, fmt, args);
  if (n < 0) return n;
  // Keep the tail: a verifier log ends with the reason it refused.
  g_libbpfLog += line;
  free(line);
  if (g_libbpfLog.size() > 256 * 1024) g_libbpfLog.erase(0, g_libbpfLog.size() - 128 * 1024);
  return n;
}

std::string lastLines(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  return "..." + s.substr(s.size() - max);
}

Napi::Error errnoError(Napi::Env env, const std::string& what, int err) {
  std::string msg = what + ": " + strerror(err);
  if (!g_libbpfLog.empty()) msg += "\n" + lastLines(g_libbpfLog, 2000);
  auto e = Napi::Error::New(env, msg);
  e.Set("errno", Napi::Number::New(env, err));
  return e;
}

uint64_t clockNs(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + ts.tv_nsec;
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

// Parameters of a tracepoint as the running kernel declares it (its
// btf_trace_<name> typedef, the first being the context), or -1 if the
// kernel has no such tracepoint.
int tracepointParams(const btf* vmlinux, const char* name) {
  if (!vmlinux) return -1;
  const std::string typedefName = std::string("btf_trace_") + name;
  const int id = btf__find_by_name_kind(vmlinux, typedefName.c_str(), BTF_KIND_TYPEDEF);
  if (id < 0) return -1;
  const btf_type* ptr = btf__type_by_id(vmlinux, btf__type_by_id(vmlinux, id)->type);
  if (!ptr || !btf_is_ptr(ptr)) return -1;
  const btf_type* proto = btf__type_by_id(vmlinux, ptr->type);
  if (!proto || !btf_is_func_proto(proto)) return -1;
  return btf_vlen(proto);
}

// Picks the process-event programs this kernel can load: the task-exit
// program that takes sched_process_exit's group_dead argument where the
// kernel passes it (Linux 6.16+), and the capability program only where
// the cap_capable tracepoint exists (Linux 6.14+).
void chooseProgramsForKernel(straceback_bpf* skel) {
  btf* vmlinux = btf__load_vmlinux_btf();
  if (libbpf_get_error(vmlinux)) vmlinux = nullptr;
  const bool groupDeadArg = tracepointParams(vmlinux, "sched_process_exit") >= 3;
  bpf_program__set_autoload(skel->progs.sb_task_exit_group, groupDeadArg);
  bpf_program__set_autoload(skel->progs.sb_task_exit_live, !groupDeadArg);
  bpf_program__set_autoload(skel->progs.sb_cap_denied, tracepointParams(vmlinux, "cap_capable") >= 0);
  btf__free(vmlinux);
}

uint64_t ringMapBytes(uint64_t ringBytes) { return sizeof(sb_ring_hdr) + ringBytes + SB_SLACK; }

uint64_t pageRound(uint64_t v) {
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  return (v + page - 1) & ~(page - 1);
}

struct Ring {
  uint32_t handle;
  uint32_t cls;
  uint32_t slot;
  uint32_t mntns;
  uint64_t nsId;  // 0 when the kernel does not give mount namespace ids
  uint64_t ringBytes;
  int fd = -1;
  uint8_t* map = nullptr;  // mmap of the whole map value
  size_t mapLen = 0;

  sb_ring_hdr* hdr() const { return reinterpret_cast<sb_ring_hdr*>(map); }
  const uint8_t* data() const { return map + sizeof(sb_ring_hdr); }
};

class Recorder : public Napi::ObjectWrap<Recorder> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Recorder",
                       {
                           InstanceMethod("addContainer", &Recorder::AddContainer),
                           InstanceMethod("removeContainer", &Recorder::RemoveContainer),
                           InstanceMethod("snapshot", &Recorder::Snapshot),
                           InstanceMethod("stats", &Recorder::Stats),
                           InstanceMethod("hostStats", &Recorder::HostStats),
                           InstanceMethod("close", &Recorder::Close),
                       });
  }

  explicit Recorder(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Recorder>(info) {
    Napi::Env env = info.Env();
    Napi::Object opts = info.Length() > 0 && info[0].IsObject() ? info[0].As<Napi::Object>()
                                                                : Napi::Object::New(env);
    budget_ = opts.Has("budgetBytes") ? toU64(opts.Get("budgetBytes"), "budgetBytes") : (256ULL << 20);

    g_libbpfLog.clear();
    skel_ = straceback_bpf__open();
    if (!skel_) throw errnoError(env, "opening the BPF recorder", errno);

    if (opts.Has("descTable")) {
      auto desc = opts.Get("descTable");
      if (!desc.IsBuffer()) throw Napi::TypeError::New(env, "descTable must be a Buffer");
      auto buf = desc.As<Napi::Buffer<uint8_t>>();
      if (buf.Length() != sizeof(skel_->rodata->sb_desc)) {
        destroySkel();
        throw Napi::RangeError::New(env, "descTable must be " + std::to_string(sizeof(skel_->rodata->sb_desc)) +
                                             " bytes (SB_NR_MAX descriptors)");
      }
      memcpy(const_cast<sb_sc_desc*>(skel_->rodata->sb_desc), buf.Data(), buf.Length());
    }
    setLimit(env, opts, "strMax", const_cast<uint32_t*>(&skel_->rodata->sb_str_max), 1, SB_ITEM_MAX);
    setLimit(env, opts, "bufMax", const_cast<uint32_t*>(&skel_->rodata->sb_buf_max), 0, SB_ITEM_MAX);
    setLimit(env, opts, "argvMax", const_cast<uint32_t*>(&skel_->rodata->sb_argv_max), 0, SB_ARGV_MAX);
    setLimit(env, opts, "argvStrMax", const_cast<uint32_t*>(&skel_->rodata->sb_argv_str_max), 1, SB_ITEM_MAX);

    chooseProgramsForKernel(skel_);
    int err = straceback_bpf__load(skel_);
    if (err) {
      int e = -err;
      destroySkel();
      throw errnoError(env, "loading the BPF recorder (verifier or kernel refused it)", e);
    }
    err = straceback_bpf__attach(skel_);
    if (err) {
      int e = -err;
      destroySkel();
      throw errnoError(env, "attaching to the raw_syscalls, signal, sched and capability tracepoints", e);
    }
    outerFds_[0] = bpf_map__fd(skel_->maps.sb_rings_0);
    outerFds_[1] = bpf_map__fd(skel_->maps.sb_rings_1);
    outerFds_[2] = bpf_map__fd(skel_->maps.sb_rings_2);
    outerFds_[3] = bpf_map__fd(skel_->maps.sb_rings_3);
    outerFds_[4] = bpf_map__fd(skel_->maps.sb_rings_4);
    outerFds_[5] = bpf_map__fd(skel_->maps.sb_rings_5);
    outerFds_[6] = bpf_map__fd(skel_->maps.sb_rings_6);
    outerFds_[7] = bpf_map__fd(skel_->maps.sb_rings_7);
    outerFds_[8] = bpf_map__fd(skel_->maps.sb_rings_8);
    outerFds_[9] = bpf_map__fd(skel_->maps.sb_rings_9);
    outerFds_[10] = bpf_map__fd(skel_->maps.sb_rings_10);
    filterFd_ = bpf_map__fd(skel_->maps.sb_filter);
    sharedFd_ = bpf_map__fd(skel_->maps.sb_filter_shared);
  }

  ~Recorder() override { teardown(); }

 private:
  static_assert(SB_RING_CLASSES == 11, "outerFds_ is filled for 11 classes");

  void setLimit(Napi::Env env, Napi::Object opts, const char* name, uint32_t* field, uint32_t lo, uint32_t hi) {
    if (!opts.Has(name)) return;
    uint64_t v = toU64(opts.Get(name), name);
    if (v < lo || v > hi) {
      destroySkel();
      throw Napi::RangeError::New(env, std::string(name) + " must be between " + std::to_string(lo) + " and " +
                                           std::to_string(hi));
    }
    *field = static_cast<uint32_t>(v);
  }

  void destroySkel() {
    if (skel_) straceback_bpf__destroy(skel_);
    skel_ = nullptr;
  }

  void freeRing(Ring& r) {
    if (r.map) munmap(r.map, r.mapLen);
    if (r.fd >= 0) close(r.fd);
    r.map = nullptr;
    r.fd = -1;
  }

  void teardown() {
    if (skel_) {
      // Detach first so nothing writes while the rings go away.
      straceback_bpf__detach(skel_);
    }
    for (auto& [h, r] : rings_) freeRing(r);
    rings_.clear();
    byMntns_.clear();
    destroySkel();
  }

  void requireOpen(Napi::Env env) {
    if (!skel_) throw Napi::Error::New(env, "the recorder is closed");
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

  static uint64_t packEntry(uint32_t mntns, uint32_t cls, uint32_t slot, uint32_t flags) {
    return (static_cast<uint64_t>(mntns) << 32) | flags | (cls << SB_FILTER_CLASS_SHIFT) | slot;
  }

  // Puts mntns in the kernel filter; on return every later syscall of the namespace is recorded.
  int filterAdd(const Ring& r) {
    uint32_t idx = r.mntns & (SB_FILTER_SIZE - 1);
    sb_filter_entry cur{};
    if (bpf_map_lookup_elem(filterFd_, &idx, &cur)) return errno;
    sb_filter_entry mine{packEntry(r.mntns, r.cls, r.slot, SB_FILTER_VALID), r.nsId};
    if (!(cur.packed & SB_FILTER_VALID) && !(cur.packed & SB_FILTER_SHARED)) {
      return bpf_map_update_elem(filterFd_, &idx, &mine, BPF_ANY) ? errno : 0;
    }
    // The index is taken: this namespace goes to the overflow hash.
    uint32_t key = r.mntns;
    if (bpf_map_update_elem(sharedFd_, &key, &mine, BPF_NOEXIST)) return errno;
    sb_filter_entry marked = cur;
    marked.packed |= SB_FILTER_SHARED;
    if (bpf_map_update_elem(filterFd_, &idx, &marked, BPF_ANY)) {
      int e = errno;
      bpf_map_delete_elem(sharedFd_, &key);
      return e;
    }
    sharedAt_[idx]++;
    return 0;
  }

  void filterRemove(const Ring& r) {
    uint32_t idx = r.mntns & (SB_FILTER_SIZE - 1);
    sb_filter_entry cur{};
    bpf_map_lookup_elem(filterFd_, &idx, &cur);
    if ((cur.packed & SB_FILTER_VALID) && static_cast<uint32_t>(cur.packed >> 32) == r.mntns) {
      sb_filter_entry next{(cur.packed & SB_FILTER_SHARED) ? SB_FILTER_SHARED : 0, 0};
      bpf_map_update_elem(filterFd_, &idx, &next, BPF_ANY);
      return;
    }
    uint32_t key = r.mntns;
    bpf_map_delete_elem(sharedFd_, &key);
    auto it = sharedAt_.find(idx);
    if (it != sharedAt_.end() && --it->second == 0) {
      sharedAt_.erase(it);
      sb_filter_entry next = cur;
      next.packed &= ~static_cast<uint64_t>(SB_FILTER_SHARED);
      bpf_map_update_elem(filterFd_, &idx, &next, BPF_ANY);
    }
  }

  // addContainer(mntns, ringBytes, nsId?) -> handle
  Napi::Value AddContainer(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    requireOpen(env);
    if (info.Length() < 2) throw Napi::TypeError::New(env, "addContainer(mntns, ringBytes, nsId?)");
    uint64_t mntns = toU64(info[0], "mntns");
    uint64_t want = toU64(info[1], "ringBytes");
    uint64_t nsId = info.Length() > 2 && !info[2].IsUndefined() ? toU64(info[2], "nsId") : 0;
    if (mntns == 0 || mntns > UINT32_MAX)
      throw Napi::RangeError::New(env, "mntns " + std::to_string(mntns) + " is not a mount namespace inode");
    if (want == 0) throw Napi::RangeError::New(env, "ring size must be greater than 0");
    if (want > (1ULL << SB_RING_MAX_SHIFT))
      throw Napi::RangeError::New(env, "ring size " + std::to_string(want) + " is larger than the maximum of " +
                                           std::to_string(1ULL << SB_RING_MAX_SHIFT) + " bytes");
    if (byMntns_.count(static_cast<uint32_t>(mntns)))
      throw Napi::Error::New(env, "mount namespace " + std::to_string(mntns) + " is already recorded");

    uint32_t cls = 0;
    while ((1ULL << (SB_RING_MIN_SHIFT + cls)) < want) cls++;
    const uint64_t ringBytes = 1ULL << (SB_RING_MIN_SHIFT + cls);
    const uint64_t cost = pageRound(ringMapBytes(ringBytes));
    if (used_ + cost > budget_)
      throw Napi::Error::New(env, "ring budget spent: " + std::to_string(used_) + " of " + std::to_string(budget_) +
                                      " bytes in use, " + std::to_string(cost) + " more requested");
    auto& slots = slotsUsed_[cls];
    uint32_t slot = 0;
    while (slot < SB_SLOTS && slots.count(slot)) slot++;
    if (slot == SB_SLOTS)
      throw Napi::Error::New(env, "all " + std::to_string(SB_SLOTS) + " rings of " + std::to_string(ringBytes) +
                                      " bytes are in use");

    Ring r{};
    r.handle = nextHandle_;
    r.cls = cls;
    r.slot = slot;
    r.mntns = static_cast<uint32_t>(mntns);
    r.nsId = nsId;
    r.ringBytes = ringBytes;

    g_libbpfLog.clear();
    LIBBPF_OPTS(bpf_map_create_opts, mopts, .map_flags = BPF_F_MMAPABLE);
    std::string name = "sb_ring_" + std::to_string(r.handle);
    name.resize(std::min<size_t>(name.size(), BPF_OBJ_NAME_LEN - 1));
    r.fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, name.c_str(), sizeof(uint32_t),
                          static_cast<uint32_t>(ringMapBytes(ringBytes)), 1, &mopts);
    if (r.fd < 0) throw errnoError(env, "creating a ring of " + std::to_string(ringBytes) + " bytes", errno);
    r.mapLen = pageRound(ringMapBytes(ringBytes));
    void* m = mmap(nullptr, r.mapLen, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, 0);
    if (m == MAP_FAILED) {
      int e = errno;
      freeRing(r);
      throw errnoError(env, "mapping a ring of " + std::to_string(ringBytes) + " bytes", e);
    }
    r.map = static_cast<uint8_t*>(m);
    sb_ring_hdr* h = r.hdr();
    uint64_t key = 0;
    while (key == 0) {
      if (getrandom(&key, sizeof(key), 0) != sizeof(key)) key = clockNs(CLOCK_MONOTONIC) * 0x9e3779b97f4a7c15ULL;
    }
    h->key = key;
    h->mntns = mntns;
    h->ring_bytes = ringBytes;
    h->created_ns = clockNs(CLOCK_BOOTTIME);
    h->generation = r.handle;

    uint32_t slotKey = slot;
    if (bpf_map_update_elem(outerFds_[cls], &slotKey, &r.fd, BPF_ANY)) {
      int e = errno;
      freeRing(r);
      throw errnoError(env, "installing the ring", e);
    }
    if (int e = filterAdd(r)) {
      bpf_map_delete_elem(outerFds_[cls], &slotKey);
      freeRing(r);
      throw errnoError(env, "adding mount namespace " + std::to_string(mntns) + " to the filter", e);
    }
    slots.insert(slot);
    used_ += cost;
    nextHandle_++;
    byMntns_[r.mntns] = r.handle;
    rings_.emplace(r.handle, r);
    return Napi::Number::New(env, r.handle);
  }

  Napi::Value RemoveContainer(const Napi::CallbackInfo& info) {
    Ring& r = ringOf(info);
    filterRemove(r);
    uint32_t slotKey = r.slot;
    bpf_map_delete_elem(outerFds_[r.cls], &slotKey);
    slotsUsed_[r.cls].erase(r.slot);
    used_ -= pageRound(ringMapBytes(r.ringBytes));
    byMntns_.erase(r.mntns);
    uint32_t h = r.handle;
    freeRing(r);
    rings_.erase(h);
    return info.Env().Undefined();
  }

  // Copies the ring (writers keep going) and finds what it holds.
  WalkResult copyAndWalk(const Ring& r, std::vector<uint8_t>& copy) {
    sb_ring_hdr* h = r.hdr();
    const uint64_t before = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE) & SB_HEAD_POS_MASK;
    // Until the ring first wraps only its start is in use (plus what lands while copying).
    uint64_t len = r.ringBytes + SB_SLACK;
    if (before + 2 * SB_SCRATCH < r.ringBytes) len = before + 2 * SB_SCRATCH;
    copy.resize(len);
    memcpy(copy.data(), r.data(), len);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    RingView v;
    v.ringBytes = r.ringBytes;
    v.key = h->key;
    v.head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
    v.count = __atomic_load_n(&h->count, __ATOMIC_ACQUIRE);
    if ((v.head & SB_HEAD_POS_MASK) > before + 2 * SB_SCRATCH && len < r.ringBytes + SB_SLACK) {
      // More arrived than the short copy covers: take it all.
      copy.resize(r.ringBytes + SB_SLACK);
      memcpy(copy.data(), r.data(), copy.size());
      __atomic_thread_fence(__ATOMIC_ACQUIRE);
      v.head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
      v.count = __atomic_load_n(&h->count, __ATOMIC_ACQUIRE);
    }
    v.data = copy.data();
    if (copy.size() < r.ringBytes + SB_SLACK) {
      // Bytes past the copy are zero, which never passes a commit check.
      copy.resize(r.ringBytes + SB_SLACK, 0);
      v.data = copy.data();
    }
    return walkRing(v);
  }

  Napi::Object statsObject(Napi::Env env, const Ring& r, const WalkResult& w, uint64_t count) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("recorded", Napi::Number::New(env, static_cast<double>(count)));
    o.Set("held", Napi::Number::New(env, static_cast<double>(w.records.size())));
    o.Set("overwritten", Napi::Number::New(env, static_cast<double>(w.overwritten)));
    o.Set("pending", Napi::Number::New(env, static_cast<double>(w.pending)));
    o.Set("lost", Napi::Number::New(env, static_cast<double>(r.hdr()->dropped + w.corrupt)));
    o.Set("ringBytes", Napi::Number::New(env, static_cast<double>(r.ringBytes)));
    o.Set("mntns", Napi::Number::New(env, r.mntns));
    o.Set("createdBootNs", Napi::BigInt::New(env, static_cast<uint64_t>(r.hdr()->created_ns)));
    // Held records are in reservation order; the oldest and newest timestamps bound the history.
    uint64_t oldest = 0, newest = 0;
    for (const auto& rec : w.records) {
      if (!oldest || rec.ts < oldest) oldest = rec.ts;
      if (rec.ts > newest) newest = rec.ts;
    }
    o.Set("oldestBootNs", Napi::BigInt::New(env, static_cast<uint64_t>(oldest)));
    o.Set("newestBootNs", Napi::BigInt::New(env, static_cast<uint64_t>(newest)));
    return o;
  }

  // snapshot(handle) -> { records: Buffer (time order, each padded to 8), ...stats }
  Napi::Value Snapshot(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Ring& r = ringOf(info);
    std::vector<uint8_t> copy;
    WalkResult w = copyAndWalk(r, copy);
    const uint64_t count = __atomic_load_n(&r.hdr()->count, __ATOMIC_RELAXED);
    // Reservation order is nearly time order; a stable sort fixes cross-CPU ties.
    std::stable_sort(w.records.begin(), w.records.end(),
                     [](const HeldRecord& a, const HeldRecord& b) { return a.ts < b.ts; });
    size_t total = 0;
    for (const auto& rec : w.records) total += (rec.size + 7) & ~7U;
    auto out = Napi::Buffer<uint8_t>::New(env, total);
    uint8_t* p = out.Data();
    for (const auto& rec : w.records) {
      memcpy(p, copy.data() + rec.offset, rec.size);
      const size_t stride = (rec.size + 7) & ~7U;
      memset(p + rec.size, 0, stride - rec.size);
      p += stride;
    }
    Napi::Object o = statsObject(env, r, w, std::max(count, w.overwritten + w.records.size()));
    o.Set("records", out);
    return o;
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Ring& r = ringOf(info);
    std::vector<uint8_t> copy;
    WalkResult w = copyAndWalk(r, copy);
    const uint64_t count = __atomic_load_n(&r.hdr()->count, __ATOMIC_RELAXED);
    return statsObject(env, r, w, std::max(count, w.overwritten + w.records.size()));
  }

  // Host-wide counters: programs the kernel skipped (recursion) count as lost events.
  Napi::Value HostStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    requireOpen(env);
    uint64_t missed = 0;
    for (bpf_program* prog : {skel_->progs.sb_sys_enter, skel_->progs.sb_sys_exit, skel_->progs.sb_signal_deliver,
                              skel_->progs.sb_task_exit_group, skel_->progs.sb_task_exit_live,
                              skel_->progs.sb_cap_denied}) {
      if (bpf_program__fd(prog) < 0) continue;  // not loaded on this kernel
      bpf_prog_info pi{};
      uint32_t len = sizeof(pi);
      if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &pi, &len) == 0) missed += pi.recursion_misses;
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("missed", Napi::Number::New(env, static_cast<double>(missed)));
    o.Set("rings", Napi::Number::New(env, static_cast<double>(rings_.size())));
    o.Set("ringBytesInUse", Napi::Number::New(env, static_cast<double>(used_)));
    o.Set("budgetBytes", Napi::Number::New(env, static_cast<double>(budget_)));
    return o;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    teardown();
    return info.Env().Undefined();
  }

  straceback_bpf* skel_ = nullptr;
  int outerFds_[SB_RING_CLASSES] = {};
  int filterFd_ = -1;
  int sharedFd_ = -1;
  uint64_t budget_ = 0;
  uint64_t used_ = 0;
  uint32_t nextHandle_ = 1;
  std::map<uint32_t, Ring> rings_;
  std::unordered_map<uint32_t, uint32_t> byMntns_;
  std::unordered_map<uint32_t, uint32_t> sharedAt_;
  std::set<uint32_t> slotsUsed_[SB_RING_CLASSES];
};

// Empty programs on the same tracepoints, for the benchmark's floor.
class Floor : public Napi::ObjectWrap<Floor> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Floor", {InstanceMethod("close", &Floor::Close)});
  }
  explicit Floor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Floor>(info) {
    g_libbpfLog.clear();
    skel_ = floor_bpf__open_and_load();
    if (!skel_) throw errnoError(info.Env(), "loading the floor programs", errno);
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
  return exports;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) { return InitExports(env, exports); }

}  // namespace sbnative

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return sbnative::Init(env, exports); }

NODE_API_MODULE(straceback, InitAddon)
