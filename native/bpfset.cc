// What a pin dir holds (all pinned by the process that loaded the programs):
//   <map name>          every map of the object: sb_filter, sb_filter_shared,
//                       sb_rings_0..10 (the outer ring maps), sb_scratch, and
//                       the read-only data as "rodata"
//   link_<program>      the link of every program that was loaded (the task
//                       iterator's too: user space runs it from that link)
//   identity            a one-element array (PinIdentity): the object's hash,
//                       the settings' hash, which programs are linked, the
//                       next ring generation. Pinned last: a dir without it
//                       is an incomplete set.
// The rings themselves are not pinned: the outer maps' slots hold them.
#include "bpfset.h"
#include "signals.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <map>
#include <set>

extern "C" {
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "straceback.skel.h"
}

namespace sbnative {
namespace {

constexpr uint64_t kPinMagic = 0x736270696e736574ULL;  // "sbpinset"
constexpr uint32_t kPinVersion = 1;
constexpr const char* kIdentityPin = "identity";

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

// A map's pin name: its own, or for the object's data sections ("straceba.rodata") the section's.
std::string mapPinName(const bpf_map* m) {
  const std::string n = bpf_map__name(m);
  const size_t dot = n.find('.');
  return dot == std::string::npos ? n : n.substr(dot + 1);
}

std::string linkPinName(const char* prog) { return std::string("link_") + prog; }

std::string hex(uint64_t v) {
  char b[20];
  snprintf(b, sizeof(b), "%016" PRIx64, v);
  return b;
}

std::string joined(const std::vector<std::string>& xs) {
  std::string out;
  for (const auto& x : xs) out += (out.empty() ? "" : ", ") + x;
  return out;
}

bool mapInfo(int fd, bpf_map_info& info) {
  memset(&info, 0, sizeof(info));
  uint32_t len = sizeof(info);
  return bpf_obj_get_info_by_fd(fd, &info, &len) == 0;
}

// The ids of the maps a program uses.
std::vector<uint32_t> progMapIds(int progFd) {
  bpf_prog_info info{};
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(progFd, &info, &len) != 0) return {};
  std::vector<uint32_t> ids(info.nr_map_ids);
  if (ids.empty()) return ids;
  bpf_prog_info again{};
  again.nr_map_ids = ids.size();
  again.map_ids = reinterpret_cast<uint64_t>(ids.data());
  len = sizeof(again);
  if (bpf_obj_get_info_by_fd(progFd, &again, &len) != 0) return {};
  ids.resize(std::min<size_t>(ids.size(), again.nr_map_ids));
  return ids;
}

}  // namespace

std::unique_ptr<BpfSet> BpfSet::open(const LoadSettings& s, const std::string& pinDir,
                                     std::vector<std::string>& warnings) {
  straceback_bpf* skel = straceback_bpf__open();
  if (!skel) throw SbError{"opening the BPF recorder", errno};
  std::unique_ptr<BpfSet> set(new BpfSet());
  set->skel_ = skel;  // destroyed with the set unless handed over below

  auto* ro = skel->rodata;
  if (!s.desc.empty()) memcpy(const_cast<sb_sc_desc*>(ro->sb_desc), s.desc.data(), sizeof(ro->sb_desc));
  if (s.strMax) const_cast<uint32_t&>(ro->sb_str_max) = *s.strMax;
  if (s.bufMax) const_cast<uint32_t&>(ro->sb_buf_max) = *s.bufMax;
  if (s.argvMax) const_cast<uint32_t&>(ro->sb_argv_max) = *s.argvMax;
  if (s.argvStrMax) const_cast<uint32_t&>(ro->sb_argv_str_max) = *s.argvStrMax;
  chooseProgramsForKernel(skel);

  // What this process would load, to compare with what a pin dir holds.
  PinIdentity want{};
  want.magic = kPinMagic;
  want.version = kPinVersion;
  size_t sz = 0;
  const void* elf = straceback_bpf__elf_bytes(&sz);
  want.objectHash = fnv1a64(elf, sz);
  size_t roBytes = 0;
  const void* roData = bpf_map__initial_value(skel->maps.rodata, &roBytes);
  want.settingsHash = fnv1a64(roData, roBytes);
  for (int i = 0; i < skel->skeleton->prog_cnt; i++)
    if (bpf_program__autoload(*skel->skeleton->progs[i].prog)) want.links |= 1U << i;
  want.settingsHash = fnv1a64(&want.links, sizeof(want.links), want.settingsHash);
  want.nextGeneration = 1;

  if (pinDir.empty()) {
    set->load();
    return set;
  }
  set->pinDir_ = pinDir;
  set->dirFd_ = openPinDir(pinDir);
  if (!pinNames(set->dirFd_).empty()) {
    const std::string problem = set->tryReuse(want, warnings);
    if (problem.empty()) {
      set->reused_ = true;
      straceback_bpf__destroy(set->skel_);  // opened only, to know what to expect
      set->skel_ = nullptr;
      return set;
    }
    const size_t n = removePins(set->dirFd_, pinDir);
    warnings.push_back("pin dir " + pinDir + ": " + problem + "; removed its " + std::to_string(n) +
                       " pins (programs they kept attached are detached, rings they held are freed) and started afresh");
  }
  set->load();
  set->pinAll(want);
  return set;
}

BpfSet::~BpfSet() {
  try {
    close(false);
  } catch (const SbError&) {
    // a destructor has no one to tell
  }
}

int BpfSet::keep(int fd) {
  if (fd >= 0) ownedFds_.push_back(fd);
  return fd;
}

void BpfSet::load() {
  straceback_bpf* skel = skel_;
  int loaded;
  {
    SignalsHeld held;
    loaded = straceback_bpf__load(skel);
  }
  if (int err = loaded) throw SbError{"loading the BPF recorder (verifier or kernel refused it)", -err};
  if (int err = straceback_bpf__attach(skel))
    throw SbError{"attaching to the raw_syscalls, signal, sched and capability tracepoints", -err};
  static_assert(SB_RING_CLASSES == 11, "outerFds_ is filled for 11 classes");
  bpf_map* outer[SB_RING_CLASSES] = {skel->maps.sb_rings_0, skel->maps.sb_rings_1, skel->maps.sb_rings_2,
                                     skel->maps.sb_rings_3, skel->maps.sb_rings_4, skel->maps.sb_rings_5,
                                     skel->maps.sb_rings_6, skel->maps.sb_rings_7, skel->maps.sb_rings_8,
                                     skel->maps.sb_rings_9, skel->maps.sb_rings_10};
  for (int c = 0; c < SB_RING_CLASSES; c++) outerFds_[c] = bpf_map__fd(outer[c]);
  filterFd_ = bpf_map__fd(skel->maps.sb_filter);
  sharedFd_ = bpf_map__fd(skel->maps.sb_filter_shared);
  markLinkFd_ = skel->links.sb_mark_tasks ? bpf_link__fd(skel->links.sb_mark_tasks) : -1;
  for (int i = 0; i < skel->skeleton->prog_cnt; i++) {
    const int fd = bpf_program__fd(*skel->skeleton->progs[i].prog);
    if (fd >= 0) progFds_.push_back(fd);  // not loaded on this kernel otherwise
  }
}

// Opens the pinned set if it is complete and made by this very object;
// else says what is wrong with it (and holds nothing).
std::string BpfSet::tryReuse(const PinIdentity& want, std::vector<std::string>& warnings) {
  straceback_bpf* skel = skel_;
  const auto at = [&](const std::string& name) { return pinDir_ + "/" + name; };
  const auto fail = [&](const std::string& why) {
    for (int fd : ownedFds_) ::close(fd);
    ownedFds_.clear();
    progFds_.clear();
    markLinkFd_ = -1;
    return why;
  };

  const int idFd = keep(bpf_obj_get(at(kIdentityPin).c_str()));
  if (idFd < 0) {
    if (errno == ENOENT) return fail("it holds pins but no identity map (an incomplete set: a recorder stopped while pinning?)");
    return fail(std::string("its identity map cannot be opened (") + strerror(errno) + ")");
  }
  bpf_map_info info{};
  PinIdentity id{};
  const uint32_t zero = 0;
  if (!mapInfo(idFd, info) || info.type != BPF_MAP_TYPE_ARRAY || info.value_size != sizeof(PinIdentity) ||
      info.max_entries != 1 || bpf_map_lookup_elem(idFd, &zero, &id) != 0)
    return fail("its identity pin is not a straceback identity map");
  if (id.magic != kPinMagic || id.version != kPinVersion)
    return fail("it was made by a straceback with another pin format (" + std::to_string(id.version) + ")");
  if (id.objectHash != want.objectHash)
    return fail("it was made by a different BPF object (hash " + hex(id.objectHash) + ", this build's " +
                hex(want.objectHash) + ")");
  if (id.links != want.links) return fail("its programs were chosen for another kernel");

  std::vector<std::string> missing, unlike, unused;
  std::map<std::string, int> maps;  // pin name -> fd
  std::map<std::string, uint32_t> mapIds;
  bpf_map* m;
  bpf_object__for_each_map(m, skel->obj) {
    const std::string name = mapPinName(m);
    const int fd = keep(bpf_obj_get(at(name).c_str()));
    if (fd < 0) {
      missing.push_back(name);
      continue;
    }
    if (!mapInfo(fd, info) || info.type != bpf_map__type(m) || info.key_size != bpf_map__key_size(m) ||
        info.value_size != bpf_map__value_size(m) || info.max_entries != bpf_map__max_entries(m)) {
      unlike.push_back(name);
      continue;
    }
    maps[name] = fd;
    mapIds[name] = info.id;
  }
  std::set<uint32_t> used;
  for (int i = 0; i < skel->skeleton->prog_cnt; i++) {
    if (!(id.links & (1U << i))) continue;
    const std::string name = linkPinName(skel->skeleton->progs[i].name);
    const int linkFd = keep(bpf_obj_get(at(name).c_str()));
    bpf_link_info li{};
    uint32_t len = sizeof(li);
    if (linkFd < 0 || bpf_obj_get_info_by_fd(linkFd, &li, &len) != 0 || li.prog_id == 0) {
      missing.push_back(name);
      continue;
    }
    const int progFd = keep(bpf_prog_get_fd_by_id(li.prog_id));
    if (progFd < 0) {
      missing.push_back(name);
      continue;
    }
    progFds_.push_back(progFd);
    if (name == linkPinName("sb_mark_tasks")) markLinkFd_ = linkFd;
    for (uint32_t mapId : progMapIds(progFd)) used.insert(mapId);
  }
  if (!missing.empty()) return fail("it is incomplete (missing " + joined(missing) + ")");
  if (markLinkFd_ < 0) return fail("it has no task iterator link");
  if (!unlike.empty()) return fail("its maps " + joined(unlike) + " are not the ones this build makes");
  for (const auto& [name, mapId] : mapIds)
    if (!used.count(mapId)) unused.push_back(name);
  if (!unused.empty()) return fail("its programs do not use its maps " + joined(unused));

  filterFd_ = maps.at("sb_filter");
  sharedFd_ = maps.at("sb_filter_shared");
  for (int c = 0; c < SB_RING_CLASSES; c++) outerFds_[c] = maps.at("sb_rings_" + std::to_string(c));
  identityFd_ = idFd;
  identity_ = id;
  generation_ = id.nextGeneration ? id.nextGeneration : 1;
  if (id.settingsHash != want.settingsHash)
    warnings.push_back("pin dir " + pinDir_ +
                       ": the programs kept recording with the capture settings (syscall table, limits) they were "
                       "loaded with, not this process's; they apply once the pins are released");
  return "";
}

void BpfSet::pinAll(const PinIdentity& want) {
  straceback_bpf* skel = skel_;
  const auto at = [&](const std::string& name) { return pinDir_ + "/" + name; };
  try {
    bpf_map* m;
    bpf_object__for_each_map(m, skel->obj) {
      const std::string path = at(mapPinName(m));
      if (bpf_obj_pin(bpf_map__fd(m), path.c_str()) != 0) throw SbError{"pinning map " + path, errno};
    }
    for (int i = 0; i < skel->skeleton->prog_cnt; i++) {
      bpf_link* link = *skel->skeleton->progs[i].link;
      if (!link) continue;
      const std::string path = at(linkPinName(skel->skeleton->progs[i].name));
      if (int err = bpf_link__pin(link, path.c_str())) throw SbError{"pinning link " + path, -err};
    }
    const int idFd = keep(bpf_map_create(BPF_MAP_TYPE_ARRAY, "sb_identity", sizeof(uint32_t), sizeof(PinIdentity), 1, nullptr));
    if (idFd < 0) throw SbError{"creating the pin dir's identity map", errno};
    const uint32_t zero = 0;
    if (bpf_map_update_elem(idFd, &zero, &want, BPF_ANY) != 0) throw SbError{"writing the identity map", errno};
    const std::string path = at(kIdentityPin);
    if (bpf_obj_pin(idFd, path.c_str()) != 0) throw SbError{"pinning " + path, errno};
    identityFd_ = idFd;
    identity_ = want;
    generation_ = want.nextGeneration;
  } catch (const SbError&) {
    try {
      removePins(dirFd_, pinDir_);
    } catch (const SbError&) {
      // the first error says more
    }
    throw;
  }
}

void BpfSet::markTasks() const {
  if (markLinkFd_ < 0) throw SbError{"marking the tasks of recorded namespaces: no task iterator", ENOENT};
  const int fd = bpf_iter_create(markLinkFd_);
  if (fd < 0) throw SbError{"marking the tasks of recorded namespaces (task iterator)", errno};
  // The program prints nothing: one read runs it over every task.
  char buf[64];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
  }
  const int e = n < 0 ? errno : 0;
  ::close(fd);
  if (e) throw SbError{"marking the tasks of recorded namespaces (task iterator)", e};
}

uint64_t BpfSet::missed() const {
  uint64_t missed = 0;
  for (int fd : progFds_) {
    bpf_prog_info pi{};
    uint32_t len = sizeof(pi);
    if (bpf_obj_get_info_by_fd(fd, &pi, &len) == 0) missed += pi.recursion_misses;
  }
  return missed;
}

uint64_t BpfSet::nextGeneration() {
  const uint64_t g = generation_++;
  if (identityFd_ >= 0) {
    // Kept in the pin dir, so the next process does not hand out the same numbers.
    identity_.nextGeneration = generation_;
    const uint32_t zero = 0;
    bpf_map_update_elem(identityFd_, &zero, &identity_, BPF_ANY);
  }
  return g;
}

void BpfSet::close(bool release) {
  SbError failed{};
  if (release && dirFd_ >= 0) {
    try {
      removePins(dirFd_, pinDir_);
      if (rmdir(pinDir_.c_str()) != 0 && errno != ENOENT) throw SbError{"removing pin dir " + pinDir_, errno};
    } catch (const SbError& e) {
      failed = e;
    }
  }
  if (skel_) {
    // Unpinned, stop the programs before anything else goes; pinned links stay attached.
    if (!pinned()) straceback_bpf__detach(skel_);
    straceback_bpf__destroy(skel_);
    skel_ = nullptr;
  }
  for (int fd : ownedFds_) ::close(fd);
  ownedFds_.clear();
  progFds_.clear();
  if (dirFd_ >= 0) ::close(dirFd_);
  dirFd_ = -1;
  identityFd_ = filterFd_ = sharedFd_ = markLinkFd_ = -1;
  for (int& fd : outerFds_) fd = -1;
  if (!failed.what.empty()) throw failed;
}

}  // namespace sbnative
