#include "ring.h"

#include <signal.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <thread>

namespace sbnative {

namespace {
// From this size on, copies get pages of their own, asked to be huge.
constexpr size_t kBigCopy = 4u << 20;
// From this size on, copyBig has a second thread fault in pages (starting and joining one: 55-70 us here).
constexpr size_t kHelpedCopy = 16u << 20;

// Copies n bytes front to back, 8 at a time, each load ordered after the one before it (an acquire load: a
// plain one on x86). A record's commit word, its first 8 bytes, is then read before any of its body; as the
// writer stores the body first, a copied record whose commit word checks is whole. memcpy promises no
// order (glibc's may copy a range like this one with `rep movsb`, whose loads may be done in any order, or
// load its last vectors first), and a record written during the copy came out now and then with its commit
// word and a half-written body (the newest write of a counter loop with no item, in about 1 of 200
// snapshots of a 256 KiB ring).
void copyOrdered(uint8_t* dst, const uint8_t* src, size_t n) {
  auto* d = reinterpret_cast<uint64_t*>(dst);
  const auto* s = reinterpret_cast<const uint64_t*>(src);
  const size_t words = n / 8;
  for (size_t i = 0; i < words; i++) d[i] = __atomic_load_n(s + i, __ATOMIC_ACQUIRE);
  for (size_t i = words * 8; i < n; i++) dst[i] = __atomic_load_n(src + i, __ATOMIC_ACQUIRE);
}
}  // namespace

void copyBig(uint8_t* dst, const uint8_t* src, size_t n) {
  if (n < kHelpedCopy) {
    copyOrdered(dst, src, n);
    return;
  }
  // The back half's whole pages, faulted in by the helper.
  const uintptr_t pageMask = 4095;
  const uintptr_t from = (reinterpret_cast<uintptr_t>(dst) + n / 2 + pageMask) & ~pageMask;
  const uintptr_t to = (reinterpret_cast<uintptr_t>(dst) + n) & ~pageMask;
  // The helper takes no signals: the process's signals go to the threads that handle them.
  sigset_t all, before;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &before);
  std::thread helper;
  try {
    helper = std::thread([=] { madvise(reinterpret_cast<void*>(from), to - from, MADV_POPULATE_WRITE); });
  } catch (const std::exception&) {
    // No thread to be had (a thread limit, no memory for one): this one faults them in as it copies.
  }
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
  copyOrdered(dst, src, n);
  if (helper.joinable()) helper.join();
}

Pages::Pages(size_t len) : len_(len) {
  if (len == 0) return;
  if (len < kBigCopy) {
    // Small rings (the common 256 KiB-1 MiB): malloc reuses what the last copy freed, no new page faults.
    data_ = static_cast<uint8_t*>(calloc(1, len));
    if (!data_) {
      len_ = 0;
      throw std::bad_alloc();
    }
    return;
  }
  void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    len_ = 0;
    throw std::bad_alloc();
  }
  // Only a hint: without THP the pages are ordinary ones.
  madvise(p, len, MADV_HUGEPAGE);
  data_ = static_cast<uint8_t*>(p);
}

bool Pages::ownPages() const { return len_ >= kBigCopy; }

Pages& Pages::operator=(Pages&& o) noexcept {
  if (this != &o) {
    reset();
    data_ = o.data_;
    len_ = o.len_;
    o.data_ = nullptr;
    o.len_ = 0;
  }
  return *this;
}

void Pages::unmap(uint8_t* data, size_t len) {
  if (!data) return;
  if (len < kBigCopy) free(data);
  else munmap(data, len);
}

void Pages::reset() {
  unmap(data_, len_);
  data_ = nullptr;
  len_ = 0;
}

namespace {

constexpr uint64_t kStrideAlign = 8;
constexpr uint64_t kMinRecord = sizeof(sb_rec);

uint64_t roundUp8(uint64_t v) { return (v + kStrideAlign - 1) & ~(kStrideAlign - 1); }

// The record at logical position pos, if it is complete: its first word is
// pos ^ key and its size is sane.
const sb_rec* validAt(const RingView& v, uint64_t pos, uint64_t end) {
  const uint64_t mask = v.ringBytes - 1;
  const auto* rec = reinterpret_cast<const sb_rec*>(v.data + (pos & mask));
  // Acquire: the size and the rest are read after the commit word, also when the walk reads the ring in place.
  if (__atomic_load_n(&rec->commit, __ATOMIC_ACQUIRE) != (pos ^ v.key)) return nullptr;
  if (rec->size < kMinRecord || rec->size > SB_SCRATCH) return nullptr;
  if (pos + roundUp8(rec->size) > end) return nullptr;
  return rec;
}

// Smallest size a record of this kind can have; 0 for a kind this build does not know.
uint32_t minSizeOf(uint8_t kind) {
  switch (kind) {
    case SB_KIND_ENTER: return sizeof(sb_enter);
    case SB_KIND_EXIT: return sizeof(sb_exit);
    case SB_KIND_SIGNAL: return sizeof(sb_signal);
    case SB_KIND_TASK_EXIT: return sizeof(sb_task_exit);
    case SB_KIND_CAP: return sizeof(sb_cap);
    default: return 0;
  }
}

// The value congruent to seq mod 2^16 nearest to guess (0 if that is below 0).
uint64_t nearestWithSeq(uint16_t seq, uint64_t guess) {
  const int64_t delta = static_cast<int16_t>(static_cast<uint16_t>(seq - static_cast<uint16_t>(guess)));
  const int64_t n = static_cast<int64_t>(guess) + delta;
  return n < 0 ? 0 : static_cast<uint64_t>(n);
}

}  // namespace

uint64_t recordsBefore(uint16_t firstSeq, uint64_t count, uint64_t held) {
  if (held > count) return 0;
  return nearestWithSeq(firstSeq, count - held);
}

uint64_t recordsReserved(uint64_t head, uint64_t count) {
  return nearestWithSeq(static_cast<uint16_t>(head >> SB_HEAD_POS_BITS), count);
}

WalkResult walkRing(const RingView& v) {
  WalkResult out;
  const uint64_t end = v.head & SB_HEAD_POS_MASK;
  const uint64_t start = end > v.ringBytes ? end - v.ringBytes : 0;

  uint64_t pos;
  if (v.from > start) {
    // A record boundary not overwritten: the walk starts there, even at a record still being written.
    pos = v.from;
    out.firstRead = pos;
  } else {
    // The window may begin inside a record: step to the first whole one.
    pos = roundUp8(std::max(start, v.scanFrom));
    out.firstRead = pos;
    while (pos < end && !validAt(v, pos, end)) pos += kStrideAlign;
  }

  // Room for all the window's records at once (the share of the count its bytes hold, and some): a
  // vector doubling its way up to a million records moves them and faults in new pages each time.
  if (!v.countOnly && end > pos && v.count > 0) {
    const double share = static_cast<double>(end - pos) / static_cast<double>(end);
    out.records.reserve(static_cast<size_t>(static_cast<double>(v.count) * std::min(1.0, share) * 1.05) + 64);
  }
  const sb_rec* first = nullptr;
  while (pos < end) {
    const sb_rec* rec = validAt(v, pos, end);
    if (!rec) break;  // still being written: the cut, the rest is pending
    if (!first) first = rec;
    // A committed record's size is trusted (validAt checked it), so one of
    // an unknown kind or too short for its kind is stepped over, not a cut.
    const uint32_t min = minSizeOf(rec->kind);
    if (min == 0 || rec->size < min) {
      out.corrupt++;
    } else {
      if (!out.held || rec->ts < out.oldestTs) out.oldestTs = rec->ts;
      if (rec->ts > out.newestTs) out.newestTs = rec->ts;
      out.held++;
      const uint64_t mask = v.ringBytes - 1;
      if (!v.countOnly) out.records.push_back(HeldRecord{rec->ts, pos, static_cast<uint32_t>(pos & mask), rec->size});
    }
    pos += roundUp8(rec->size);
  }
  out.next = pos < end ? pos : end;
  if (first) {
    // Records stepped over were reserved in the ring too.
    const uint64_t walked = out.held + out.corrupt;
    out.overwritten = recordsBefore(first->seq, v.count, walked);
    const uint64_t accounted = out.overwritten + walked;
    out.pending = v.count > accounted ? v.count - accounted : 0;
  } else {
    // Nothing held: every reserved record is either in flight or gone.
    out.pending = 0;
    out.overwritten = v.count;
  }
  return out;
}

}  // namespace sbnative
