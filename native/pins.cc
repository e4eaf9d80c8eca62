#include "pins.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>

namespace sbnative {

namespace {

constexpr long kBpfFsMagic = 0xcafe4a11;

bool onBpffs(int fd) {
  struct statfs fs {};
  return fstatfs(fd, &fs) == 0 && static_cast<long>(fs.f_type) == kBpfFsMagic;
}

// Takes the dir's lock without waiting; throws if a live recorder holds it.
void lockOrThrow(int fd, const std::string& dir) {
  if (flock(fd, LOCK_EX | LOCK_NB) == 0) return;
  const int e = errno;
  close(fd);
  if (e == EWOULDBLOCK) throw SbError{"pin dir " + dir + " is in use by another running recorder", EBUSY};
  throw SbError{"locking pin dir " + dir, e};
}

}  // namespace

uint64_t fnv1a64(const void* data, size_t len, uint64_t h) {
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

int openPinDir(const std::string& dir) {
  if (dir.empty() || dir[0] != '/') throw SbError{"pin dir \"" + dir + "\" must be an absolute path", EINVAL};
  // mkdir -p, each new component 0700.
  for (size_t at = dir.find('/', 1);; at = dir.find('/', at + 1)) {
    const std::string part = dir.substr(0, at);
    if (!part.empty() && mkdir(part.c_str(), 0700) != 0 && errno != EEXIST)
      throw SbError{"creating pin dir " + part, errno};
    if (at == std::string::npos) break;
  }
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw SbError{"opening pin dir " + dir, errno};
  if (!onBpffs(fd)) {
    close(fd);
    throw SbError{"pin dir " + dir + " is not on a BPF filesystem (mount -t bpf bpf /sys/fs/bpf)", ENOTSUP};
  }
  // The pins give access to every ring: root's alone, whatever made the dir.
  if (fchmod(fd, 0700) != 0) {
    const int e = errno;
    close(fd);
    throw SbError{"making pin dir " + dir + " private (chmod 0700)", e};
  }
  lockOrThrow(fd, dir);
  return fd;
}

std::vector<std::string> pinNames(int dirfd) {
  std::vector<std::string> names;
  const int fd = dup(dirfd);
  if (fd < 0) return names;
  DIR* d = fdopendir(fd);
  if (!d) {
    close(fd);
    return names;
  }
  rewinddir(d);
  while (dirent* e = readdir(d)) {
    const std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  closedir(d);
  return names;
}

size_t removePins(int dirfd, const std::string& dir) {
  size_t removed = 0;
  for (const std::string& n : pinNames(dirfd)) {
    if (unlinkat(dirfd, n.c_str(), 0) != 0 && errno != ENOENT) {
      // An empty dir someone made in there goes too; anything else is not ours to remove.
      if (errno != EISDIR || unlinkat(dirfd, n.c_str(), AT_REMOVEDIR) != 0)
        throw SbError{"removing pin " + dir + "/" + n, errno};
    }
    removed++;
  }
  return removed;
}

void releasePinDir(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return;
    throw SbError{"opening pin dir " + dir, errno};
  }
  if (!onBpffs(fd)) {
    close(fd);
    throw SbError{dir + " is not on a BPF filesystem: not a pin dir, nothing removed", ENOTSUP};
  }
  lockOrThrow(fd, dir);
  try {
    removePins(fd, dir);
  } catch (...) {
    close(fd);
    throw;
  }
  const int e = rmdir(dir.c_str()) == 0 || errno == ENOENT ? 0 : errno;
  close(fd);
  if (e) throw SbError{"removing pin dir " + dir, e};
}

}  // namespace sbnative
