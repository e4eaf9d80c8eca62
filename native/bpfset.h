// The recorder's kernel objects: the attached programs and the maps user
// space works with. Either loaded and attached by this process, or, with a
// pin dir, taken over from the pins an earlier process left (the programs
// never stopped recording).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

extern "C" {
#include <linux/types.h>
#include "record.h"
}

#include "pins.h"

struct straceback_bpf;

namespace sbnative {

// Load-time settings (the object's read-only data), already range-checked.
struct LoadSettings {
  std::vector<uint8_t> desc;  // the syscall descriptor table; empty: the object's own
  std::optional<uint32_t> strMax, bufMax, argvMax, argvStrMax;
};

// The value of the pinned identity map. Written last when a set is pinned,
// so a set without it is incomplete.
struct PinIdentity {
  uint64_t magic;
  uint64_t objectHash;    // FNV-1a of the embedded BPF object
  uint64_t settingsHash;  // FNV-1a of the read-only data as loaded
  uint64_t nextGeneration;
  uint32_t links;  // bit i: program i of the object is loaded and linked
  uint32_t version;
};

class BpfSet {
 public:
  // Without pinDir: loads and attaches the programs. With it: reuses a
  // complete, compatible set pinned there, or (after removing whatever else
  // the dir holds, with a warning) loads, attaches and pins a new one.
  // Throws SbError.
  static std::unique_ptr<BpfSet> open(const LoadSettings& settings, const std::string& pinDir,
                                      std::vector<std::string>& warnings);
  ~BpfSet();
  BpfSet(const BpfSet&) = delete;
  BpfSet& operator=(const BpfSet&) = delete;

  int filterFd() const { return filterFd_; }
  int sharedFd() const { return sharedFd_; }
  int outerFd(uint32_t cls) const { return outerFds_[cls]; }
  const int* outerFds() const { return outerFds_; }
  bool pinned() const { return dirFd_ >= 0; }
  // True when the programs and maps are an earlier process's (pins reused).
  bool reused() const { return reused_; }
  const std::string& pinDir() const { return pinDir_; }

  // Marks every task of the host whose mount namespace is in the filter
  // (the iterator program), and takes away marks that no longer apply; run
  // after each filter add and adoption. Throws SbError.
  void markTasks() const;

  // Events the kernel skipped because a program was already running on that CPU.
  uint64_t missed() const;
  // A number no ring of this pin dir had (1, 2, ... without pins).
  uint64_t nextGeneration();

  // Lets go of everything. With release, the pins go too: the programs
  // detach once nothing else holds their links, and the maps are freed once
  // the last fd and mapping close. Without it pins stay and keep recording.
  void close(bool release);

 private:
  BpfSet() = default;
  void load();
  std::string tryReuse(const PinIdentity& want, std::vector<std::string>& warnings);
  void pinAll(const PinIdentity& want);
  int keep(int fd);

  straceback_bpf* skel_ = nullptr;  // set when this process loaded the programs
  bool reused_ = false;
  std::string pinDir_;
  int dirFd_ = -1;       // holds the dir's lock
  int identityFd_ = -1;  // pinned only
  int filterFd_ = -1;
  int sharedFd_ = -1;
  int markLinkFd_ = -1;  // the task iterator's link
  int outerFds_[SB_RING_CLASSES] = {};
  std::vector<int> progFds_;   // for missed(); the skeleton's or owned
  std::vector<int> ownedFds_;  // closed by close()
  PinIdentity identity_{};
  uint64_t generation_ = 1;
};

}  // namespace sbnative
