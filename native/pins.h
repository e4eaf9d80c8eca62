// A pin dir on a BPF filesystem: where a recorder leaves its programs' links
// and maps so that they outlive the process (bpfset.cc says what is pinned).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sbnative {

// A failure of the native core: what was being done, and errno (0: none).
struct SbError {
  std::string what;
  int err = 0;
};

// FNV-1a, 64 bits: identifies the BPF object a pin dir was made by (not a defence: the dir is root's).
uint64_t fnv1a64(const void* data, size_t len, uint64_t h = 0xcbf29ce484222325ULL);

// Creates dir and its missing parents (mode 0700) and checks that it is on a
// BPF filesystem; returns an fd of dir holding an exclusive flock, so one
// recorder at a time uses it (the kernel drops the lock when the process
// dies, also by SIGKILL). Throws SbError.
int openPinDir(const std::string& dir);

// The entries of an open dir (not . and ..).
std::vector<std::string> pinNames(int dirfd);

// Unlinks every entry of an open dir; returns how many. Throws SbError.
size_t removePins(int dirfd, const std::string& dir);

// Removes a pin dir a recorder left (its pins, then the dir); nothing if it
// does not exist. Refuses a dir another live recorder holds, or one that is
// not on a BPF filesystem. Throws SbError.
void releasePinDir(const std::string& dir);

}  // namespace sbnative
