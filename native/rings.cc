#include "rings.h"

#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <string>

extern "C" {
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
}

namespace sbnative {

uint64_t clockNs(int clockId) {
  timespec ts{};
  clock_gettime(static_cast<clockid_t>(clockId), &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + ts.tv_nsec;
}

uint64_t ringCost(uint32_t cls) {
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  return (ringMapBytes(classRingBytes(cls)) + page - 1) & ~(page - 1);
}

namespace {

std::string bytesText(uint64_t n) { return std::to_string(n) + " bytes"; }

uint64_t randomKey() {
  uint64_t key = 0;
  while (key == 0) {
    if (getrandom(&key, sizeof(key), 0) != sizeof(key)) key = clockNs(CLOCK_MONOTONIC) * 0x9e3779b97f4a7c15ULL;
  }
  return key;
}

// Never handed out: no filter entry ever pointed to it, so nothing wrote to it.
bool pristine(const Ring& r) {
  const sb_ring_hdr* h = r.hdr();
  return h->mntns == 0 && h->head == 0 && h->count == 0 && h->dropped == 0 && h->generation == 0 &&
         h->ring_bytes == r.ringBytes && h->key != 0;
}

}  // namespace

Ring mapRing(int fd, uint32_t cls) {
  Ring r;
  r.cls = cls;
  r.ringBytes = classRingBytes(cls);
  bpf_map_info info{};
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) throw SbError{"reading a ring's map", errno};
  if (info.type != BPF_MAP_TYPE_ARRAY || info.max_entries != 1 || info.value_size != ringMapBytes(r.ringBytes) ||
      !(info.map_flags & BPF_F_MMAPABLE))
    throw SbError{"map " + std::to_string(info.id) + " is not a ring of " + bytesText(r.ringBytes), EINVAL};
  r.mapLen = ringCost(cls);
  void* m = mmap(nullptr, r.mapLen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) throw SbError{"mapping a ring of " + bytesText(r.ringBytes), errno};
  r.map = static_cast<uint8_t*>(m);
  return r;
}

RingSpace::RingSpace(const int* outerFds, uint64_t budget, uint32_t spareCls, uint32_t spareTarget)
    : budget_(budget), spareCls_(spareCls), spareTarget_(spareTarget) {
  for (int c = 0; c < SB_RING_CLASSES; c++) outerFds_[c] = outerFds[c];
}

RingSpace::~RingSpace() { stop(false); }

void RingSpace::start() {
  std::lock_guard<std::mutex> lk(mu_);
  if (!worker_.joinable() && !stop_) worker_ = std::thread([this] { run(); });
}

void RingSpace::fill() {
  const uint64_t cost = ringCost(spareCls_);
  std::vector<SpareJob> jobs;
  {
    std::lock_guard<std::mutex> lk(mu_);
    while (spares_.size() + jobs.size() < spareTarget_ && used_ + cost <= budget_) {
      const int64_t slot = freeSlot(spareCls_);
      if (slot < 0) break;
      slots_[spareCls_].insert(static_cast<uint32_t>(slot));
      used_ += cost;
      jobs.push_back({static_cast<uint32_t>(slot), false, Ring{}});
    }
  }
  installSpares(jobs);
  std::lock_guard<std::mutex> lk(mu_);
  for (SpareJob& j : jobs) {
    if (j.ring.map) {
      spares_.push_back(j.ring);
      spareBytes_ += cost;
    } else {
      slots_[spareCls_].erase(j.slot);
      used_ -= cost;
    }
  }
}

void RingSpace::stop(bool finishClearing) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
    finish_ = finishClearing;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
  std::lock_guard<std::mutex> lk(mu_);
  for (Ring& r : spares_) munmap(r.map, r.mapLen);
  spares_.clear();
  spareBytes_ = 0;
}

int64_t RingSpace::freeSlot(uint32_t cls) const {
  const auto& used = slots_[cls];
  uint32_t slot = 0;
  // Taken slots are a sorted set: the first gap is the lowest free slot.
  for (uint32_t s : used) {
    if (s != slot) break;
    slot++;
  }
  return slot < SB_SLOTS ? slot : -1;
}

Ring RingSpace::newRing(uint32_t cls, uint32_t slot, int* fd) {
  const uint64_t ringBytes = classRingBytes(cls);
  LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
  *fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sb_ring", sizeof(uint32_t), static_cast<uint32_t>(ringMapBytes(ringBytes)),
                       1, &opts);
  if (*fd < 0) throw SbError{"creating a ring of " + bytesText(ringBytes), errno};
  Ring r;
  try {
    r = mapRing(*fd, cls);
  } catch (const SbError&) {
    close(*fd);
    *fd = -1;
    throw;
  }
  r.slot = slot;
  sb_ring_hdr* h = r.hdr();
  h->key = randomKey();
  h->ring_bytes = ringBytes;
  h->created_ns = clockNs(CLOCK_BOOTTIME);
  return r;
}

Ring RingSpace::makeRing(uint32_t cls, uint32_t slot) {
  int fd = -1;
  Ring r = newRing(cls, slot, &fd);
  const uint32_t key = slot;
  // The slow step: the kernel waits for running programs to be done with the old slot value.
  if (bpf_map_update_elem(outerFds_[cls], &key, &fd, BPF_ANY) != 0) {
    const int e = errno;
    munmap(r.map, r.mapLen);
    close(fd);
    throw SbError{"installing a ring of " + bytesText(classRingBytes(cls)), e};
  }
  close(fd);  // the slot and the mapping hold the map
  return r;
}

// Every update of an outer map waits for a grace period; one batch of
// updates waits for one.
void RingSpace::installSpares(std::vector<SpareJob>& jobs) {
  std::vector<uint32_t> keys;
  std::vector<int> fds;
  std::vector<size_t> which;
  for (size_t i = 0; i < jobs.size(); i++) {
    int fd = -1;
    try {
      jobs[i].ring = newRing(spareCls_, jobs[i].slot, &fd);
    } catch (const SbError&) {
      continue;
    }
    keys.push_back(jobs[i].slot);
    fds.push_back(fd);
    which.push_back(i);
  }
  if (keys.empty()) return;
  uint32_t count = keys.size();
  LIBBPF_OPTS(bpf_map_batch_opts, bopts);
  if (bpf_map_update_batch(outerFds_[spareCls_], keys.data(), fds.data(), &count, &bopts) != 0) {
    // Where batches are not supported, or past the one that failed, one by one.
    if (count > keys.size()) count = 0;
    for (size_t k = count; k < keys.size(); k++) {
      if (bpf_map_update_elem(outerFds_[spareCls_], &keys[k], &fds[k], BPF_ANY) != 0) {
        Ring& r = jobs[which[k]].ring;
        munmap(r.map, r.mapLen);
        r.map = nullptr;
      }
    }
  }
  for (int fd : fds) close(fd);
  for (size_t i : which) {
    Ring& r = jobs[i].ring;
    // A program that found the removed ring's filter entry just before it went may have
    // written into the spare that replaced it; the update waited for such programs to end.
    if (r.map && jobs[i].replaces && !pristine(r)) {
      sb_ring_hdr* h = r.hdr();
      h->head = 0;
      h->count = 0;
      h->dropped = 0;
      h->key = randomKey();  // what was committed with the old key is no record now
    }
  }
}

// Clears slots, several at once: their grace periods overlap.
void RingSpace::clearSlots(const int* outerFds, const std::vector<std::pair<uint32_t, uint32_t>>& slots,
                           std::vector<int>& errs) {
  errs.assign(slots.size(), 0);
  const auto clearFrom = [&](size_t first, size_t step) {
    for (size_t i = first; i < slots.size(); i += step) {
      const uint32_t key = slots[i].second;
      errs[i] = bpf_map_delete_elem(outerFds[slots[i].first], &key) == 0 || errno == ENOENT ? 0 : errno;
    }
  };
  const size_t threads = std::min<size_t>(slots.size(), 16);
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; t++) pool.emplace_back(clearFrom, t, threads);
  if (threads > 0) clearFrom(0, threads);
  for (auto& th : pool) th.join();
}

Ring RingSpace::acquire(uint32_t cls) {
  const uint64_t cost = ringCost(cls);
  std::unique_lock<std::mutex> lk(mu_);
  spareFailed_ = false;
  if (cls == spareCls_ && !spares_.empty()) {
    Ring r = spares_.front();
    spares_.pop_front();
    spareBytes_ -= cost;
    lk.unlock();
    wake_.notify_one();  // make the next one
    r.hdr()->created_ns = clockNs(CLOCK_BOOTTIME);
    return r;
  }
  // Over budget: there may be room once removed rings are cleared and spares given up.
  bool waiting = false;
  while (used_ + cost > budget_) {
    const uint64_t inUse = used_ - spareBytes_ - clearingBytes_ - makingBytes_;
    if (inUse + cost > budget_) {
      if (waiting) waiters_--;
      throw SbError{"ring budget spent: " + std::to_string(inUse) + " of " + bytesText(budget_) + " in use, " +
                        std::to_string(cost) + " more requested",
                    ENOSPC};
    }
    if (!waiting) waiters_++;  // no new spares meanwhile
    waiting = true;
    while (!spares_.empty()) {
      Ring s = spares_.back();
      spares_.pop_back();
      spareBytes_ -= ringCost(s.cls);
      munmap(s.map, s.mapLen);
      clearLater(s.cls, s.slot);
    }
    done_.wait(lk);
  }
  if (waiting) {
    waiters_--;
    wake_.notify_one();  // spares may be made again
  }
  const int64_t slot = freeSlot(cls);
  if (slot < 0)
    throw SbError{"all " + std::to_string(SB_SLOTS) + " rings of " + bytesText(classRingBytes(cls)) + " are in use",
                  ENOSPC};
  slots_[cls].insert(static_cast<uint32_t>(slot));
  used_ += cost;
  lk.unlock();
  try {
    return makeRing(cls, static_cast<uint32_t>(slot));
  } catch (const SbError&) {
    lk.lock();
    slots_[cls].erase(static_cast<uint32_t>(slot));
    used_ -= cost;
    lk.unlock();
    done_.notify_all();
    throw;
  }
}

void RingSpace::unacquire(Ring r) {
  std::unique_lock<std::mutex> lk(mu_);
  sb_ring_hdr* h = r.hdr();
  if (r.cls == spareCls_ && spares_.size() < spareTarget_ && h->head == 0 && h->count == 0) {
    h->mntns = 0;
    h->generation = 0;
    spares_.push_front(r);
    spareBytes_ += ringCost(r.cls);
    return;
  }
  munmap(r.map, r.mapLen);
  clearLater(r.cls, r.slot);
}

void RingSpace::release(Ring r) {
  munmap(r.map, r.mapLen);
  std::lock_guard<std::mutex> lk(mu_);
  clearLater(r.cls, r.slot);
}

void RingSpace::clearLater(uint32_t cls, uint32_t slot) {
  clearing_.emplace_back(cls, slot);
  clearingBytes_ += ringCost(cls);
  wake_.notify_one();
}

void RingSpace::claim(uint32_t cls, uint32_t slot) {
  std::lock_guard<std::mutex> lk(mu_);
  slots_[cls].insert(slot);
  used_ += ringCost(cls);
}

void RingSpace::orphan(uint32_t cls, uint32_t slot, uint32_t mapId) {
  std::lock_guard<std::mutex> lk(mu_);
  slots_[cls].insert(slot);
  used_ += ringCost(cls);
  if (cls == spareCls_ && spares_.size() < spareTarget_) {
    const int fd = bpf_map_get_fd_by_id(mapId);
    if (fd >= 0) {
      try {
        Ring r = mapRing(fd, cls);
        r.slot = slot;
        if (pristine(r)) {
          close(fd);
          spares_.push_back(r);
          spareBytes_ += ringCost(cls);
          return;
        }
        munmap(r.map, r.mapLen);
      } catch (const SbError&) {
        // not a usable ring: cleared below
      }
      close(fd);
    }
  }
  clearLater(cls, slot);
}

RingSpace::Usage RingSpace::usage() {
  std::lock_guard<std::mutex> lk(mu_);
  return Usage{used_, spares_.size(), spareBytes_, clearingBytes_, makingBytes_, clearFailures_};
}

bool RingSpace::wantSpare() const {
  return !stop_ && spareTarget_ > 0 && !spareFailed_ && waiters_ == 0 && spares_.size() + making_ < spareTarget_ &&
         used_ + ringCost(spareCls_) <= budget_;
}

void RingSpace::run() {
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    wake_.wait(lk, [this] { return stop_ || !clearing_.empty() || wantSpare(); });
    const bool clear = !clearing_.empty() && (!stop_ || finish_);
    if (stop_ && !clear) break;
    // This round: every slot waiting to be cleared, and the spares missing.
    std::vector<std::pair<uint32_t, uint32_t>> clears;
    if (clear) clears.assign(clearing_.begin(), clearing_.end());
    clearing_.clear();
    const uint64_t cost = ringCost(spareCls_);
    size_t need = 0;
    if (!stop_ && !spareFailed_ && waiters_ == 0 && spares_.size() + making_ < spareTarget_)
      need = spareTarget_ - spares_.size() - making_;
    std::vector<SpareJob> jobs;
    // A removed ring of the spare class is replaced by a new spare: one update, one grace period.
    for (auto it = clears.begin(); it != clears.end() && jobs.size() < need;) {
      if (it->first != spareCls_) {
        ++it;
        continue;
      }
      jobs.push_back({it->second, true, Ring{}});
      clearingBytes_ -= cost;
      it = clears.erase(it);
    }
    while (jobs.size() < need && used_ + cost <= budget_) {
      const int64_t slot = freeSlot(spareCls_);
      if (slot < 0) break;
      slots_[spareCls_].insert(static_cast<uint32_t>(slot));
      used_ += cost;
      jobs.push_back({static_cast<uint32_t>(slot), false, Ring{}});
    }
    if (jobs.size() < need && clears.empty() && jobs.empty()) spareFailed_ = true;  // no slot: wait for an acquire
    making_ += jobs.size();
    makingBytes_ += jobs.size() * cost;
    lk.unlock();

    std::vector<int> errs;
    std::thread clearer;
    if (!clears.empty()) clearer = std::thread(clearSlots, outerFds_, std::cref(clears), std::ref(errs));
    installSpares(jobs);
    if (clearer.joinable()) clearer.join();

    lk.lock();
    for (size_t i = 0; i < clears.size(); i++) {
      const auto [cls, slot] = clears[i];
      clearingBytes_ -= ringCost(cls);
      if (errs[i] == 0) {
        slots_[cls].erase(slot);
        used_ -= ringCost(cls);
      } else {
        clearFailures_++;  // the ring stays in its slot: keep both taken
      }
    }
    for (SpareJob& j : jobs) {
      making_--;
      makingBytes_ -= cost;
      if (j.ring.map) {
        spares_.push_back(j.ring);
        spareBytes_ += cost;
        continue;
      }
      spareFailed_ = true;
      if (j.replaces) {
        clearLater(spareCls_, j.slot);  // the removed ring is still there
      } else {
        slots_[spareCls_].erase(j.slot);
        used_ -= cost;
      }
    }
    done_.notify_all();
  }
}

}  // namespace sbnative
