// Reading a straceback ring without stopping its writers (protocol: bpf/record.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" {
#include <linux/types.h>
#include "record.h"
}

namespace sbnative {

// Zeroed memory for ring copies. From 4 MiB on, anonymous pages of their own
// that ask for transparent huge pages: a 64 MiB ring copied into fresh 4 KiB
// pages takes 16,384 page faults, which cost up to 30 us each on a VM (a third
// of a second). Smaller ones come from malloc, which reuses the last copy's
// memory (listing 1000 containers copies 1000 small rings).
class Pages {
 public:
  Pages() = default;
  explicit Pages(size_t len);  // throws std::bad_alloc
  ~Pages() { reset(); }
  Pages(Pages&& o) noexcept : data_(o.data_), len_(o.len_) { o.data_ = nullptr; o.len_ = 0; }
  Pages& operator=(Pages&& o) noexcept;
  Pages(const Pages&) = delete;
  Pages& operator=(const Pages&) = delete;

  uint8_t* data() const { return data_; }
  size_t size() const { return len_; }
  // Pages of their own (a big copy), not malloc's: given back to the system whole when freed.
  bool ownPages() const;
  // Gives up ownership: free with Pages::unmap(data, size) (the size tells how it was allocated).
  uint8_t* release() { uint8_t* d = data_; data_ = nullptr; len_ = 0; return d; }
  static void unmap(uint8_t* data, size_t len);
  void reset();

 private:
  uint8_t* data_ = nullptr;
  size_t len_ = 0;
};

// A copy of ring memory, made by this thread front to back with ordered
// 8-byte loads (a record's first word, its commit mark, is read before the
// rest of it: what the walk's checks rely on; memcpy does not promise that).
// From 16 MiB on, a second thread meanwhile faults in the back half's
// fresh pages (MADV_POPULATE_WRITE, which leaves their contents alone): most
// of a big copy's time is the kernel handing out and zeroing new pages. A 64
// MiB copy here: 103-128 ms on one thread, 96-100 ms with the helper. Splitting the copy
// itself between the threads was faster (68-71 ms) but could take a record
// torn at the split: its tail copied before it was written, its commit mark
// after. Smaller copies, or when no thread can be started, have no helper.
void copyBig(uint8_t* dst, const uint8_t* src, size_t n);

struct RingView {
  // Ring bytes (a power of two) and a copy of [data, data + ring + slack).
  uint64_t ringBytes = 0;
  uint64_t key = 0;
  uint64_t head = 0;   // hdr.head read after the copy
  uint64_t count = 0;  // records reserved as of head (recordsReserved)
  const uint8_t* data = nullptr;
  // A record boundary (a `next` of an earlier walk) before which nothing is
  // wanted: the walk starts there, unless it has been overwritten since.
  uint64_t from = 0;
  // Where to start looking for the first whole record when `from` does not
  // say (any position; the walk steps to a record from there): what was
  // overwritten since head was read is not looked at.
  uint64_t scanFrom = 0;
  // Only count the records (held, oldest and newest): records stays empty.
  bool countOnly = false;
};

struct HeldRecord {
  uint64_t ts;
  uint64_t pos;
  uint32_t offset;  // into the copy
  uint32_t size;
};

struct WalkResult {
  std::vector<HeldRecord> records;  // in ring (reservation) order
  uint64_t overwritten = 0;         // reserved before the first held record
  uint64_t pending = 0;             // reserved after the last held one (in flight)
  uint64_t corrupt = 0;             // records that failed a sanity check
  uint64_t next = 0;                // where the walk stopped: the first record not complete yet, or the head
  uint64_t held = 0;                // records taken (records.size() unless countOnly)
  uint64_t oldestTs = 0;            // smallest and largest timestamp of those, 0 if none
  uint64_t newestTs = 0;
  uint64_t firstRead = 0;           // the first ring position the walk read
};

// Finds the records of a copied ring that are complete and were not
// overwritten while the copy was taken.
WalkResult walkRing(const RingView& view);

// Number of records reserved before the first held one, from its 16-bit
// sequence number and the total count: the value congruent to seq mod 2^16
// nearest to (count - held).
uint64_t recordsBefore(uint16_t firstSeq, uint64_t count, uint64_t held);

// Records reserved in a ring, exactly, from its head (whose record number
// is the count mod 2^16) and its hdr.count (which moves in steps of
// SB_COUNT_STEP): the value congruent to head's number nearest to count.
uint64_t recordsReserved(uint64_t head, uint64_t count);

}  // namespace sbnative
