// Where rings live: the slots of the outer ring maps, the byte budget, a pool
// of spare rings already in their slots, and slots cleared off the caller's
// thread. Putting a ring into an outer map, or taking it out, makes the
// kernel wait for a grace period (synchronize_rcu, 5-20 ms here); the pool
// and the background clearing keep that off addContainer and removeContainer.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

extern "C" {
#include <linux/types.h>
#include "record.h"
}

#include "pins.h"

namespace sbnative {

inline uint64_t classRingBytes(uint32_t cls) { return 1ULL << (SB_RING_MIN_SHIFT + cls); }
inline uint64_t ringMapBytes(uint64_t ringBytes) { return sizeof(sb_ring_hdr) + ringBytes + SB_SLACK; }
// What a ring of the class takes: its map value, in whole pages.
uint64_t ringCost(uint32_t cls);
uint64_t clockNs(int clockId);

struct Ring {
  uint32_t handle = 0;
  uint32_t cls = 0;
  uint32_t slot = 0;
  uint32_t mntns = 0;
  uint64_t nsId = 0;  // 0 when the kernel does not give mount namespace ids
  uint64_t ringBytes = 0;
  uint8_t* map = nullptr;  // mmap of the whole map value (the map's fd is not kept)
  size_t mapLen = 0;

  sb_ring_hdr* hdr() const { return reinterpret_cast<sb_ring_hdr*>(map); }
  const uint8_t* data() const { return map + sizeof(sb_ring_hdr); }
};

// Maps the ring map fd of class cls read-write; checks it is one. Throws SbError.
Ring mapRing(int fd, uint32_t cls);

class RingSpace {
 public:
  struct Usage {
    uint64_t used;           // bytes of every ring in the outer maps, spares included
    uint64_t spareRings;
    uint64_t spareBytes;
    uint64_t clearingBytes;  // removed rings whose slots are not cleared yet
    uint64_t makingBytes;    // spares being made
    uint64_t clearFailures;  // slots the kernel refused to clear (kept taken)
  };

  // spareCls: the class spares are kept of; spareTarget: how many (0: none).
  RingSpace(const int* outerFds, uint64_t budget, uint32_t spareCls, uint32_t spareTarget);
  ~RingSpace();
  RingSpace(const RingSpace&) = delete;
  RingSpace& operator=(const RingSpace&) = delete;

  // Makes the spares missing, on this thread (one grace period for all).
  void fill();
  // Starts the thread that makes spares and clears slots.
  void start();
  // Stops it; with finishClearing, slots still to clear are cleared first.
  // Spares stay in their slots (unmapped): with pins the next process takes them.
  void stop(bool finishClearing);

  // A ring of class cls, installed in a free slot, its header fresh (key,
  // ring_bytes, created_ns; mntns and generation 0) and in no filter entry:
  // a spare when one is ready (microseconds), else made now (a grace
  // period). Waits for slots being cleared or gives up spares if the budget
  // needs their bytes. Throws SbError.
  Ring acquire(uint32_t cls);
  // A ring from acquire that could not be used after all.
  void unacquire(Ring r);
  // A ring no longer recorded into (out of the filter): unmapped now, its slot
  // cleared in the background, its bytes back in the budget once cleared.
  void release(Ring r);
  // A ring found in slot of class cls (pinned by an earlier process): taken, and counted.
  void claim(uint32_t cls, uint32_t slot);
  // A ring found in a slot no filter entry points to (mapId: its map's id):
  // kept as a spare if it was never used and is of the spare class, else cleared.
  void orphan(uint32_t cls, uint32_t slot, uint32_t mapId);

  Usage usage();
  uint64_t budget() const { return budget_; }

 private:
  // A spare to put into a slot; replaces: a removed ring is still in it.
  struct SpareJob {
    uint32_t slot;
    bool replaces;
    Ring ring;  // map == nullptr: could not be made
  };

  void run();
  bool wantSpare() const;  // mu_ held
  int64_t freeSlot(uint32_t cls) const;  // mu_ held; -1 if none
  // A new ring map of class cls, mapped, header fresh; *fd is its map's fd. Throws SbError.
  Ring newRing(uint32_t cls, uint32_t slot, int* fd);
  Ring makeRing(uint32_t cls, uint32_t slot);
  void installSpares(std::vector<SpareJob>& jobs);
  static void clearSlots(const int* outerFds, const std::vector<std::pair<uint32_t, uint32_t>>& slots,
                         std::vector<int>& errs);
  void clearLater(uint32_t cls, uint32_t slot);  // mu_ held

  int outerFds_[SB_RING_CLASSES];
  const uint64_t budget_;
  const uint32_t spareCls_;
  const uint32_t spareTarget_;

  std::mutex mu_;
  std::condition_variable wake_;  // the worker waits on it
  std::condition_variable done_;  // callers waiting for budget wait on it
  std::set<uint32_t> slots_[SB_RING_CLASSES];
  std::deque<Ring> spares_;
  std::deque<std::pair<uint32_t, uint32_t>> clearing_;  // class, slot
  uint64_t used_ = 0;
  uint64_t spareBytes_ = 0;
  uint64_t clearingBytes_ = 0;
  uint64_t makingBytes_ = 0;
  uint32_t making_ = 0;
  uint32_t waiters_ = 0;
  uint64_t clearFailures_ = 0;
  bool spareFailed_ = false;  // making one failed: wait for the next acquire before trying again
  bool stop_ = false;
  bool finish_ = false;
  std::thread worker_;
};

}  // namespace sbnative
