/**
 * Constant tables (Linux UAPI values, x86_64 and the generic ABI arm64
 * shares unless noted), named as strace names them and, for flags, in the
 * order strace prints them.
 */
import { valueNames, Xlat } from './xlat';

export const AT_FDCWD = -100;

// --- open(2) and friends ----------------------------------------------------

export const O_ACCMODE = 3;
export const O_CREAT = 0o100;
export const O_TMPFILE_BITS = 0o20000000; // __O_TMPFILE

export const OPEN_ACCESS = valueNames([
  [0, 'O_RDONLY'],
  [1, 'O_WRONLY'],
  [2, 'O_RDWR'],
  [3, 'O_ACCMODE'],
]);

/** x86_64 (and the generic ABI for the bits they share). */
export const OPEN_FLAGS_X86_64: Xlat = [
  [0o100, 'O_CREAT'],
  [0o200, 'O_EXCL'],
  [0o400, 'O_NOCTTY'],
  [0o1000, 'O_TRUNC'],
  [0o2000, 'O_APPEND'],
  [0o4000, 'O_NONBLOCK'],
  [0o4010000, 'O_SYNC'],
  [0o4000000, '__O_SYNC'],
  [0o10000, 'O_DSYNC'],
  [0o40000, 'O_DIRECT'],
  [0o100000, 'O_LARGEFILE'],
  [0o400000, 'O_NOFOLLOW'],
  [0o1000000, 'O_NOATIME'],
  [0o2000000, 'O_CLOEXEC'],
  [0o10000000, 'O_PATH'],
  [0o20200000, 'O_TMPFILE'],
  [0o20000000, '__O_TMPFILE'],
  [0o200000, 'O_DIRECTORY'],
  [0o20000, 'FASYNC'],
];

/** arm64 moves O_DIRECTORY, O_NOFOLLOW, O_DIRECT and O_LARGEFILE. */
export const OPEN_FLAGS_ARM64: Xlat = OPEN_FLAGS_X86_64.map(([v, n]): readonly [number, string] => {
  switch (n) {
    case 'O_DIRECT':
      return [0o200000, n];
    case 'O_LARGEFILE':
      return [0o400000, n];
    case 'O_NOFOLLOW':
      return [0o100000, n];
    case 'O_TMPFILE':
      return [0o20040000, n];
    case 'O_DIRECTORY':
      return [0o40000, n];
    default:
      return [v, n];
  }
});

export const AT_FLAGS: Xlat = [
  [0x100, 'AT_SYMLINK_NOFOLLOW'],
  [0x200, 'AT_REMOVEDIR'],
  [0x400, 'AT_SYMLINK_FOLLOW'],
  [0x800, 'AT_NO_AUTOMOUNT'],
  [0x1000, 'AT_EMPTY_PATH'],
  [0x8000, 'AT_RECURSIVE'],
];

/** statx's sync type (bits 0x6000 of its flags), printed before the AT_ flags. */
export const AT_STATX_SYNC_TYPE = 0x6000;
export const AT_STATX_SYNC = valueNames([
  [0x0000, 'AT_STATX_SYNC_AS_STAT'],
  [0x2000, 'AT_STATX_FORCE_SYNC'],
  [0x4000, 'AT_STATX_DONT_SYNC'],
]);

/** statfs f_type: file system magic numbers (linux/magic.h), the names strace uses. */
export const FS_MAGIC = valueNames([
  [0x2f, 'QNX4_SUPER_MAGIC'],
  [0x187, 'AUTOFS_SUPER_MAGIC'],
  [0x137f, 'MINIX_SUPER_MAGIC'],
  [0x138f, 'MINIX_SUPER_MAGIC2'],
  [0x1cd1, 'DEVPTS_SUPER_MAGIC'],
  [0x2468, 'MINIX2_SUPER_MAGIC'],
  [0x2478, 'MINIX2_SUPER_MAGIC2'],
  [0x3434, 'NILFS_SUPER_MAGIC'],
  [0x4d44, 'MSDOS_SUPER_MAGIC'],
  [0x4d5a, 'MINIX3_SUPER_MAGIC'],
  [0x517b, 'SMB_SUPER_MAGIC'],
  [0x564c, 'NCP_SUPER_MAGIC'],
  [0x6969, 'NFS_SUPER_MAGIC'],
  [0x72b6, 'JFFS2_SUPER_MAGIC'],
  [0x9660, 'ISOFS_SUPER_MAGIC'],
  [0x9fa0, 'PROC_SUPER_MAGIC'],
  [0x9fa1, 'OPENPROM_SUPER_MAGIC'],
  [0x9fa2, 'USBDEVICE_SUPER_MAGIC'],
  [0xadf5, 'ADFS_SUPER_MAGIC'],
  [0xadff, 'AFFS_SUPER_MAGIC'],
  [0xef53, 'EXT2_SUPER_MAGIC'],
  [0xf15f, 'ECRYPTFS_SUPER_MAGIC'],
  [0x27e0eb, 'CGROUP_SUPER_MAGIC'],
  [0x414a53, 'EFS_SUPER_MAGIC'],
  [0xc0ffee, 'HOSTFS_SUPER_MAGIC'],
  [0xc36400, 'CEPH_SUPER_MAGIC'],
  [0x1021994, 'TMPFS_MAGIC'],
  [0x1021997, 'V9FS_MAGIC'],
  [0x7655821, 'RDTGROUP_SUPER_MAGIC'],
  [0x9041934, 'ANON_INODE_FS_MAGIC'],
  [0x15013346, 'UDF_SUPER_MAGIC'],
  [0x19800202, 'MQUEUE_MAGIC'],
  [0x2011bab0, 'EXFAT_SUPER_MAGIC'],
  [0x28cd3d45, 'CRAMFS_MAGIC'],
  [0x42494e4d, 'BINFMTFS_MAGIC'],
  [0x43415d53, 'SMACK_MAGIC'],
  [0x444d4142, 'DMA_BUF_MAGIC'],
  [0x50495045, 'PIPEFS_MAGIC'],
  [0x52654973, 'REISERFS_SUPER_MAGIC'],
  [0x5345434d, 'SECRETMEM_MAGIC'],
  [0x5346414f, 'AFS_SUPER_MAGIC'],
  [0x534f434b, 'SOCKFS_MAGIC'],
  [0x58465342, 'XFS_SUPER_MAGIC'],
  [0x5a3c69f0, 'AAFS_MAGIC'],
  [0x5a4f4653, 'ZONEFS_MAGIC'],
  [0x6165676c, 'PSTOREFS_MAGIC'],
  [0x62646576, 'BDEVFS_MAGIC'],
  [0x62656570, 'CONFIGFS_MAGIC'],
  [0x62656572, 'SYSFS_MAGIC'],
  [0x63677270, 'CGROUP2_SUPER_MAGIC'],
  [0x64626720, 'DEBUGFS_MAGIC'],
  [0x64646178, 'DAXFS_MAGIC'],
  [0x65735543, 'FUSECTL_SUPER_MAGIC'],
  [0x65735546, 'FUSE_SUPER_MAGIC'],
  [0x6c6f6f70, 'BINDERFS_SUPER_MAGIC'],
  [0x6e736673, 'NSFS_MAGIC'],
  [0x73636673, 'SECURITYFS_MAGIC'],
  [0x73717368, 'SQUASHFS_MAGIC'],
  [0x73757245, 'CODA_SUPER_MAGIC'],
  [0x7461636f, 'OCFS2_SUPER_MAGIC'],
  [0x74726163, 'TRACEFS_MAGIC'],
  [0x794c7630, 'OVERLAYFS_SUPER_MAGIC'],
  [0x858458f6, 'RAMFS_MAGIC'],
  [0x9123683e, 'BTRFS_SUPER_MAGIC'],
  [0x958458f6, 'HUGETLBFS_MAGIC'],
  [0xabba1974, 'XENFS_SUPER_MAGIC'],
  [0xcafe4a11, 'BPF_FS_MAGIC'],
  [0xde5e81e4, 'EFIVARFS_MAGIC'],
  [0xe0f5e1e2, 'EROFS_SUPER_MAGIC_V1'],
  [0xf2f52010, 'F2FS_SUPER_MAGIC'],
  [0xf97cff8c, 'SELINUX_MAGIC'],
  [0xf995e849, 'HPFS_SUPER_MAGIC'],
  [0xfe534d42, 'SMB2_SUPER_MAGIC'],
  [0xff534d42, 'CIFS_SUPER_MAGIC'],
]);

/** statfs f_flags (linux/statfs.h, and glibc's ST_WRITE, ST_APPEND, ST_IMMUTABLE), in strace's order. */
export const STATFS_FLAGS: Xlat = [
  [0x0020, 'ST_VALID'],
  [0x0001, 'ST_RDONLY'],
  [0x0002, 'ST_NOSUID'],
  [0x0004, 'ST_NODEV'],
  [0x0008, 'ST_NOEXEC'],
  [0x0010, 'ST_SYNCHRONOUS'],
  [0x0040, 'ST_MANDLOCK'],
  [0x0080, 'ST_WRITE'],
  [0x0100, 'ST_APPEND'],
  [0x0200, 'ST_IMMUTABLE'],
  [0x0400, 'ST_NOATIME'],
  [0x0800, 'ST_NODIRATIME'],
  [0x1000, 'ST_RELATIME'],
  [0x2000, 'ST_NOSYMFOLLOW'],
];

/** setxattr's flags (linux/xattr.h). */
export const XATTR_FLAGS: Xlat = [
  [1, 'XATTR_CREATE'],
  [2, 'XATTR_REPLACE'],
];

export const STATX_MASK: Xlat = [
  [0x00000fff, 'STATX_ALL'],
  [0x000007ff, 'STATX_BASIC_STATS'],
  [0x00000001, 'STATX_TYPE'],
  [0x00000002, 'STATX_MODE'],
  [0x00000004, 'STATX_NLINK'],
  [0x00000008, 'STATX_UID'],
  [0x00000010, 'STATX_GID'],
  [0x00000020, 'STATX_ATIME'],
  [0x00000040, 'STATX_MTIME'],
  [0x00000080, 'STATX_CTIME'],
  [0x00000100, 'STATX_INO'],
  [0x00000200, 'STATX_SIZE'],
  [0x00000400, 'STATX_BLOCKS'],
  [0x00000800, 'STATX_BTIME'],
  [0x00001000, 'STATX_MNT_ID'],
  [0x00002000, 'STATX_DIOALIGN'],
  [0x00004000, 'STATX_MNT_ID_UNIQUE'],
  [0x00008000, 'STATX_SUBVOL'],
  [0x00010000, 'STATX_WRITE_ATOMIC'],
  [0x00020000, 'STATX_DIO_READ_ALIGN'],
];

export const FACCESSAT_FLAGS: Xlat = [
  [0x100, 'AT_SYMLINK_NOFOLLOW'],
  [0x200, 'AT_EACCESS'],
  [0x1000, 'AT_EMPTY_PATH'],
];

export const ACCESS_MODES: Xlat = [
  [4, 'R_OK'],
  [2, 'W_OK'],
  [1, 'X_OK'],
];

export const RENAME_FLAGS: Xlat = [
  [1, 'RENAME_NOREPLACE'],
  [2, 'RENAME_EXCHANGE'],
  [4, 'RENAME_WHITEOUT'],
];

// --- mount(2), umount2(2) -------------------------------------------------------

export const MOUNT_FLAGS: Xlat = [
  [0x1, 'MS_RDONLY'],
  [0x2, 'MS_NOSUID'],
  [0x4, 'MS_NODEV'],
  [0x8, 'MS_NOEXEC'],
  [0x10, 'MS_SYNCHRONOUS'],
  [0x20, 'MS_REMOUNT'],
  [0x40, 'MS_MANDLOCK'],
  [0x80, 'MS_DIRSYNC'],
  [0x100, 'MS_NOSYMFOLLOW'],
  [0x400, 'MS_NOATIME'],
  [0x800, 'MS_NODIRATIME'],
  [0x1000, 'MS_BIND'],
  [0x2000, 'MS_MOVE'],
  [0x4000, 'MS_REC'],
  [0x8000, 'MS_SILENT'],
  [0x10000, 'MS_POSIXACL'],
  [0x20000, 'MS_UNBINDABLE'],
  [0x40000, 'MS_PRIVATE'],
  [0x80000, 'MS_SLAVE'],
  [0x100000, 'MS_SHARED'],
  [0x200000, 'MS_RELATIME'],
  [0x400000, 'MS_KERNMOUNT'],
  [0x800000, 'MS_I_VERSION'],
  [0x1000000, 'MS_STRICTATIME'],
  [0x2000000, 'MS_LAZYTIME'],
  [0x4000000, 'MS_SUBMOUNT'],
  [0x8000000, 'MS_NOREMOTELOCK'],
  [0x10000000, 'MS_NOSEC'],
  [0x20000000, 'MS_BORN'],
  [0x40000000, 'MS_ACTIVE'],
  [0x80000000, 'MS_NOUSER'],
];
export const MS_REMOUNT = 0x20;
/** Flags with which the kernel ignores mount's fstype and data (a bind, a move, a propagation change). */
export const MS_NO_TYPE_OR_DATA = 0x1000 | 0x2000 | 0x20000 | 0x40000 | 0x80000 | 0x100000;
/** The magic number old programs put in the flags' upper 16 bits. */
export const MS_MGC_VAL = 0xc0ed0000;
export const MS_MGC_MSK = 0xffff0000;

export const UMOUNT_FLAGS: Xlat = [
  [1, 'MNT_FORCE'],
  [2, 'MNT_DETACH'],
  [4, 'MNT_EXPIRE'],
  [8, 'UMOUNT_NOFOLLOW'],
];

// --- the mount API: fsopen(2), fsconfig(2), fsmount(2), fspick(2), move_mount(2), open_tree(2), mount_setattr(2)

export const FSOPEN_FLAGS: Xlat = [[1, 'FSOPEN_CLOEXEC']];
export const FSMOUNT_FLAGS: Xlat = [[1, 'FSMOUNT_CLOEXEC']];
export const FSPICK_FLAGS: Xlat = [
  [1, 'FSPICK_CLOEXEC'],
  [2, 'FSPICK_SYMLINK_NOFOLLOW'],
  [4, 'FSPICK_NO_AUTOMOUNT'],
  [8, 'FSPICK_EMPTY_PATH'],
];
export const FSCONFIG_SET_FLAG = 0;
export const FSCONFIG_SET_STRING = 1;
export const FSCONFIG_SET_BINARY = 2;
export const FSCONFIG_SET_PATH = 3;
export const FSCONFIG_SET_PATH_EMPTY = 4;
export const FSCONFIG_SET_FD = 5;
/** fsconfig's commands as strace 6.1 names them (FSCONFIG_CMD_CREATE_EXCL, Linux 6.6, is shown as a number, as there). */
export const FSCONFIG_CMDS = valueNames([
  [FSCONFIG_SET_FLAG, 'FSCONFIG_SET_FLAG'],
  [FSCONFIG_SET_STRING, 'FSCONFIG_SET_STRING'],
  [FSCONFIG_SET_BINARY, 'FSCONFIG_SET_BINARY'],
  [FSCONFIG_SET_PATH, 'FSCONFIG_SET_PATH'],
  [FSCONFIG_SET_PATH_EMPTY, 'FSCONFIG_SET_PATH_EMPTY'],
  [FSCONFIG_SET_FD, 'FSCONFIG_SET_FD'],
  [6, 'FSCONFIG_CMD_CREATE'],
  [7, 'FSCONFIG_CMD_RECONFIGURE'],
]);
/**
 * MOUNT_ATTR_* (fsmount's attr_flags, mount_attr's attr_set and attr_clr).
 * MOUNT_ATTR_RELATIME is 0, the default of the MOUNT_ATTR__ATIME field.
 */
export const MOUNT_ATTR_FLAGS: Xlat = [
  [0x1, 'MOUNT_ATTR_RDONLY'],
  [0x2, 'MOUNT_ATTR_NOSUID'],
  [0x4, 'MOUNT_ATTR_NODEV'],
  [0x8, 'MOUNT_ATTR_NOEXEC'],
  [0x10, 'MOUNT_ATTR_NOATIME'],
  [0x20, 'MOUNT_ATTR_STRICTATIME'],
  [0x80, 'MOUNT_ATTR_NODIRATIME'],
  [0x100000, 'MOUNT_ATTR_IDMAP'],
  [0x200000, 'MOUNT_ATTR_NOSYMFOLLOW'],
];
export const MOVE_MOUNT_FLAGS: Xlat = [
  [0x1, 'MOVE_MOUNT_F_SYMLINKS'],
  [0x2, 'MOVE_MOUNT_F_AUTOMOUNTS'],
  [0x4, 'MOVE_MOUNT_F_EMPTY_PATH'],
  [0x10, 'MOVE_MOUNT_T_SYMLINKS'],
  [0x20, 'MOVE_MOUNT_T_AUTOMOUNTS'],
  [0x40, 'MOVE_MOUNT_T_EMPTY_PATH'],
  [0x100, 'MOVE_MOUNT_SET_GROUP'],
  [0x200, 'MOVE_MOUNT_BENEATH'],
];
/** open_tree's flags: its own, then the AT_ flags it takes. */
export const OPEN_TREE_FLAGS: Xlat = [[1, 'OPEN_TREE_CLONE'], [0x80000, 'OPEN_TREE_CLOEXEC'], ...AT_FLAGS];
/** mount_setattr's flags: the AT_ flags it takes. */
export const MOUNT_SETATTR_FLAGS: Xlat = [
  [0x100, 'AT_SYMLINK_NOFOLLOW'],
  [0x800, 'AT_NO_AUTOMOUNT'],
  [0x1000, 'AT_EMPTY_PATH'],
  [0x8000, 'AT_RECURSIVE'],
];
/** mount_attr's propagation: one of mount(2)'s propagation flags. */
export const MOUNT_PROPAGATION = valueNames([
  [0x20000, 'MS_UNBINDABLE'],
  [0x40000, 'MS_PRIVATE'],
  [0x80000, 'MS_SLAVE'],
  [0x100000, 'MS_SHARED'],
]);
/** openat2's open_how.resolve. */
export const RESOLVE_FLAGS: Xlat = [
  [0x01, 'RESOLVE_NO_XDEV'],
  [0x02, 'RESOLVE_NO_MAGICLINKS'],
  [0x04, 'RESOLVE_NO_SYMLINKS'],
  [0x08, 'RESOLVE_BENEATH'],
  [0x10, 'RESOLVE_IN_ROOT'],
  [0x20, 'RESOLVE_CACHED'],
];

export const WHENCE = valueNames([
  [0, 'SEEK_SET'],
  [1, 'SEEK_CUR'],
  [2, 'SEEK_END'],
  [3, 'SEEK_DATA'],
  [4, 'SEEK_HOLE'],
]);

export const S_IFMT = 0o170000;
export const FILE_TYPES = valueNames([
  [0o140000, 'S_IFSOCK'],
  [0o120000, 'S_IFLNK'],
  [0o100000, 'S_IFREG'],
  [0o60000, 'S_IFBLK'],
  [0o40000, 'S_IFDIR'],
  [0o20000, 'S_IFCHR'],
  [0o10000, 'S_IFIFO'],
]);

export const FLOCK_OPS: Xlat = [
  [1, 'LOCK_SH'],
  [2, 'LOCK_EX'],
  [4, 'LOCK_NB'],
  [8, 'LOCK_UN'],
  [32, 'LOCK_MAND'],
  [64, 'LOCK_READ'],
  [128, 'LOCK_WRITE'],
];

export const FADVISE = valueNames([
  [0, 'POSIX_FADV_NORMAL'],
  [1, 'POSIX_FADV_RANDOM'],
  [2, 'POSIX_FADV_SEQUENTIAL'],
  [3, 'POSIX_FADV_WILLNEED'],
  [4, 'POSIX_FADV_DONTNEED'],
  [5, 'POSIX_FADV_NOREUSE'],
]);

export const FALLOC_FLAGS: Xlat = [
  [0x01, 'FALLOC_FL_KEEP_SIZE'],
  [0x02, 'FALLOC_FL_PUNCH_HOLE'],
  [0x04, 'FALLOC_FL_NO_HIDE_STALE'],
  [0x08, 'FALLOC_FL_COLLAPSE_RANGE'],
  [0x10, 'FALLOC_FL_ZERO_RANGE'],
  [0x20, 'FALLOC_FL_INSERT_RANGE'],
  [0x40, 'FALLOC_FL_UNSHARE_RANGE'],
];

export const CLOSE_RANGE_FLAGS: Xlat = [
  [2, 'CLOSE_RANGE_UNSHARE'],
  [4, 'CLOSE_RANGE_CLOEXEC'],
];

export const MEMFD_FLAGS: Xlat = [
  [1, 'MFD_CLOEXEC'],
  [2, 'MFD_ALLOW_SEALING'],
  [4, 'MFD_HUGETLB'],
  [8, 'MFD_NOEXEC_SEAL'],
  [16, 'MFD_EXEC'],
];

export const EFD_FLAGS: Xlat = [
  [1, 'EFD_SEMAPHORE'],
  [0o2000000, 'EFD_CLOEXEC'],
  [0o4000, 'EFD_NONBLOCK'],
];

export const TFD_CREATE_FLAGS: Xlat = [
  [0o2000000, 'TFD_CLOEXEC'],
  [0o4000, 'TFD_NONBLOCK'],
];

export const IN_INIT_FLAGS: Xlat = [
  [0o2000000, 'IN_CLOEXEC'],
  [0o4000, 'IN_NONBLOCK'],
];

export const EPOLL_CREATE_FLAGS: Xlat = [[0o2000000, 'EPOLL_CLOEXEC']];

export const INOTIFY_MASK: Xlat = [
  [0x00000001, 'IN_ACCESS'],
  [0x00000002, 'IN_MODIFY'],
  [0x00000004, 'IN_ATTRIB'],
  [0x00000008, 'IN_CLOSE_WRITE'],
  [0x00000010, 'IN_CLOSE_NOWRITE'],
  [0x00000020, 'IN_OPEN'],
  [0x00000040, 'IN_MOVED_FROM'],
  [0x00000080, 'IN_MOVED_TO'],
  [0x00000100, 'IN_CREATE'],
  [0x00000200, 'IN_DELETE'],
  [0x00000400, 'IN_DELETE_SELF'],
  [0x00000800, 'IN_MOVE_SELF'],
  [0x00002000, 'IN_UNMOUNT'],
  [0x00004000, 'IN_Q_OVERFLOW'],
  [0x00008000, 'IN_IGNORED'],
  [0x01000000, 'IN_ONLYDIR'],
  [0x02000000, 'IN_DONT_FOLLOW'],
  [0x04000000, 'IN_EXCL_UNLINK'],
  [0x10000000, 'IN_MASK_CREATE'],
  [0x20000000, 'IN_MASK_ADD'],
  [0x40000000, 'IN_ISDIR'],
  [0x80000000, 'IN_ONESHOT'],
];

export const EPOLL_CTL_OPS = valueNames([
  [1, 'EPOLL_CTL_ADD'],
  [2, 'EPOLL_CTL_DEL'],
  [3, 'EPOLL_CTL_MOD'],
]);

export const EPOLL_EVENTS: Xlat = [
  [0x001, 'EPOLLIN'],
  [0x002, 'EPOLLPRI'],
  [0x004, 'EPOLLOUT'],
  [0x008, 'EPOLLERR'],
  [0x010, 'EPOLLHUP'],
  [0x020, 'EPOLLNVAL'],
  [0x040, 'EPOLLRDNORM'],
  [0x080, 'EPOLLRDBAND'],
  [0x100, 'EPOLLWRNORM'],
  [0x200, 'EPOLLWRBAND'],
  [0x400, 'EPOLLMSG'],
  [0x2000, 'EPOLLRDHUP'],
  [0x08000000, 'EPOLL_URING_WAKE'],
  [0x10000000, 'EPOLLEXCLUSIVE'],
  [0x20000000, 'EPOLLWAKEUP'],
  [0x40000000, 'EPOLLONESHOT'],
  [0x80000000, 'EPOLLET'],
];

export const POLL_EVENTS: Xlat = [
  [0x001, 'POLLIN'],
  [0x002, 'POLLPRI'],
  [0x004, 'POLLOUT'],
  [0x008, 'POLLERR'],
  [0x010, 'POLLHUP'],
  [0x020, 'POLLNVAL'],
  [0x040, 'POLLRDNORM'],
  [0x080, 'POLLRDBAND'],
  [0x100, 'POLLWRNORM'],
  [0x200, 'POLLWRBAND'],
  [0x400, 'POLLMSG'],
  [0x1000, 'POLLREMOVE'],
  [0x2000, 'POLLRDHUP'],
];

// --- fcntl(2), ioctl(2) -------------------------------------------------------

export const F_DUPFD = 0;
export const F_GETFD = 1;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const F_SETOWN = 8;
export const F_GETOWN = 9;
export const F_SETSIG = 10;
export const F_GETSIG = 11;
export const F_SETLEASE = 1024;
export const F_GETLEASE = 1025;
export const F_NOTIFY = 1026;
export const F_DUPFD_CLOEXEC = 1030;
export const F_SETPIPE_SZ = 1031;
export const F_GETPIPE_SZ = 1032;
export const F_ADD_SEALS = 1033;
export const F_GET_SEALS = 1034;

export const FCNTL_CMDS = valueNames([
  [0, 'F_DUPFD'],
  [1, 'F_GETFD'],
  [2, 'F_SETFD'],
  [3, 'F_GETFL'],
  [4, 'F_SETFL'],
  [5, 'F_GETLK'],
  [6, 'F_SETLK'],
  [7, 'F_SETLKW'],
  [8, 'F_SETOWN'],
  [9, 'F_GETOWN'],
  [10, 'F_SETSIG'],
  [11, 'F_GETSIG'],
  [15, 'F_SETOWN_EX'],
  [16, 'F_GETOWN_EX'],
  [17, 'F_GETOWNER_UIDS'],
  [36, 'F_OFD_GETLK'],
  [37, 'F_OFD_SETLK'],
  [38, 'F_OFD_SETLKW'],
  [1024, 'F_SETLEASE'],
  [1025, 'F_GETLEASE'],
  [1026, 'F_NOTIFY'],
  [1027, 'F_DUPFD_QUERY'],
  [1029, 'F_CANCELLK'],
  [1030, 'F_DUPFD_CLOEXEC'],
  [1031, 'F_SETPIPE_SZ'],
  [1032, 'F_GETPIPE_SZ'],
  [1033, 'F_ADD_SEALS'],
  [1034, 'F_GET_SEALS'],
  [1035, 'F_GET_RW_HINT'],
  [1036, 'F_SET_RW_HINT'],
  [1037, 'F_GET_FILE_RW_HINT'],
  [1038, 'F_SET_FILE_RW_HINT'],
]);

export const FD_FLAGS: Xlat = [[1, 'FD_CLOEXEC']];

export const LEASE_TYPES = valueNames([
  [0, 'F_RDLCK'],
  [1, 'F_WRLCK'],
  [2, 'F_UNLCK'],
]);

export const SEAL_FLAGS: Xlat = [
  [1, 'F_SEAL_SEAL'],
  [2, 'F_SEAL_SHRINK'],
  [4, 'F_SEAL_GROW'],
  [8, 'F_SEAL_WRITE'],
  [16, 'F_SEAL_FUTURE_WRITE'],
  [32, 'F_SEAL_EXEC'],
];

export const DNOTIFY_FLAGS: Xlat = [
  [1, 'DN_ACCESS'],
  [2, 'DN_MODIFY'],
  [4, 'DN_CREATE'],
  [8, 'DN_DELETE'],
  [16, 'DN_RENAME'],
  [32, 'DN_ATTRIB'],
  [0x80000000, 'DN_MULTISHOT'],
];

/** How an ioctl's third argument is shown. */
export const IoctlArg = {
  /** No third argument (FIOCLEX). */
  NONE: 0,
  /** A pointer to data strace decodes; the address when not captured. */
  PTR: 1,
  /** An integer value. */
  INT: 2,
} as const;
export type IoctlArg = (typeof IoctlArg)[keyof typeof IoctlArg];

/** Common ioctl requests: name and how the third argument is shown. */
export const IOCTLS: ReadonlyMap<number, readonly [string, IoctlArg]> = new Map<number, readonly [string, IoctlArg]>([
  [0x5401, ['TCGETS', IoctlArg.PTR]],
  [0x5402, ['TCSETS', IoctlArg.PTR]],
  [0x5403, ['TCSETSW', IoctlArg.PTR]],
  [0x5404, ['TCSETSF', IoctlArg.PTR]],
  [0x5405, ['TCGETA', IoctlArg.PTR]],
  [0x5406, ['TCSETA', IoctlArg.PTR]],
  [0x5407, ['TCSETAW', IoctlArg.PTR]],
  [0x5408, ['TCSETAF', IoctlArg.PTR]],
  [0x5409, ['TCSBRK', IoctlArg.INT]],
  [0x540a, ['TCXONC', IoctlArg.INT]],
  [0x540b, ['TCFLSH', IoctlArg.INT]],
  [0x540c, ['TIOCEXCL', IoctlArg.NONE]],
  [0x540d, ['TIOCNXCL', IoctlArg.NONE]],
  [0x540e, ['TIOCSCTTY', IoctlArg.INT]],
  [0x540f, ['TIOCGPGRP', IoctlArg.PTR]],
  [0x5410, ['TIOCSPGRP', IoctlArg.PTR]],
  [0x5411, ['TIOCOUTQ', IoctlArg.PTR]],
  [0x5412, ['TIOCSTI', IoctlArg.PTR]],
  [0x5413, ['TIOCGWINSZ', IoctlArg.PTR]],
  [0x5414, ['TIOCSWINSZ', IoctlArg.PTR]],
  [0x5415, ['TIOCMGET', IoctlArg.PTR]],
  [0x5416, ['TIOCMBIS', IoctlArg.PTR]],
  [0x5417, ['TIOCMBIC', IoctlArg.PTR]],
  [0x5418, ['TIOCMSET', IoctlArg.PTR]],
  [0x541b, ['FIONREAD', IoctlArg.PTR]],
  [0x541c, ['TIOCLINUX', IoctlArg.PTR]],
  [0x541d, ['TIOCCONS', IoctlArg.NONE]],
  [0x5420, ['TIOCPKT', IoctlArg.PTR]],
  [0x5421, ['FIONBIO', IoctlArg.PTR]],
  [0x5422, ['TIOCNOTTY', IoctlArg.NONE]],
  [0x5423, ['TIOCSETD', IoctlArg.PTR]],
  [0x5424, ['TIOCGETD', IoctlArg.PTR]],
  [0x5429, ['TIOCGSID', IoctlArg.PTR]],
  [0x5450, ['FIONCLEX', IoctlArg.NONE]],
  [0x5451, ['FIOCLEX', IoctlArg.NONE]],
  [0x5452, ['FIOASYNC', IoctlArg.PTR]],
  [0x5460, ['FIOQSIZE', IoctlArg.PTR]],
  [0x80045430, ['TIOCGPTN', IoctlArg.PTR]],
  [0x40045431, ['TIOCSPTLCK', IoctlArg.PTR]],
  [0x80045440, ['TIOCGPTPEER', IoctlArg.INT]],
  [0x8912, ['SIOCGIFCONF', IoctlArg.PTR]],
  [0x8913, ['SIOCGIFFLAGS', IoctlArg.PTR]],
  [0x8914, ['SIOCSIFFLAGS', IoctlArg.PTR]],
  [0x8915, ['SIOCGIFADDR', IoctlArg.PTR]],
  [0x8921, ['SIOCGIFMTU', IoctlArg.PTR]],
  [0x8927, ['SIOCGIFHWADDR', IoctlArg.PTR]],
  [0x8933, ['SIOCGIFINDEX', IoctlArg.PTR]],
  [0x80086601, ['FS_IOC_GETFLAGS', IoctlArg.PTR]],
  // btrfs's numbers became the generic ones: strace names both.
  [0x40049409, ['BTRFS_IOC_CLONE or FICLONE', IoctlArg.INT]],
  [0x4020940d, ['BTRFS_IOC_CLONE_RANGE or FICLONERANGE', IoctlArg.PTR]],
  [0xc0189436, ['BTRFS_IOC_FILE_EXTENT_SAME or FIDEDUPERANGE', IoctlArg.PTR]],
  [0xc0045877, ['FIFREEZE', IoctlArg.NONE]],
  [0xc0045878, ['FITHAW', IoctlArg.NONE]],
  [0x40086602, ['FS_IOC_SETFLAGS', IoctlArg.PTR]],
  [0x80081272, ['BLKGETSIZE64', IoctlArg.PTR]],
  [0x1260, ['BLKGETSIZE', IoctlArg.PTR]],
  [0x1268, ['BLKSSZGET', IoctlArg.PTR]],
  [0x125d, ['BLKROSET', IoctlArg.PTR]],
  [0x125e, ['BLKROGET', IoctlArg.PTR]],
]);

// --- memory -------------------------------------------------------------------

export const MMAP_PROT: Xlat = [
  [0x1, 'PROT_READ'],
  [0x2, 'PROT_WRITE'],
  [0x4, 'PROT_EXEC'],
  [0x8, 'PROT_SEM'],
  [0x01000000, 'PROT_GROWSDOWN'],
  [0x02000000, 'PROT_GROWSUP'],
];

export const MAP_TYPE = 0xf;
export const MMAP_TYPES = valueNames([
  [0x1, 'MAP_SHARED'],
  [0x2, 'MAP_PRIVATE'],
  [0x3, 'MAP_SHARED_VALIDATE'],
]);

export const MMAP_FLAGS: Xlat = [
  [0x8, 'MAP_DROPPABLE'],
  [0x10, 'MAP_FIXED'],
  [0x20, 'MAP_ANONYMOUS'],
  [0x40, 'MAP_32BIT'],
  [0x80, 'MAP_ABOVE4G'],
  [0x4000, 'MAP_NORESERVE'],
  [0x8000, 'MAP_POPULATE'],
  [0x10000, 'MAP_NONBLOCK'],
  [0x100, 'MAP_GROWSDOWN'],
  [0x800, 'MAP_DENYWRITE'],
  [0x1000, 'MAP_EXECUTABLE'],
  [0x2000, 'MAP_LOCKED'],
  [0x20000, 'MAP_STACK'],
  [0x40000, 'MAP_HUGETLB'],
  [0x80000, 'MAP_SYNC'],
  [0x4000000, 'MAP_UNINITIALIZED'],
  [0x100000, 'MAP_FIXED_NOREPLACE'],
];
export const MAP_HUGE_SHIFT = 26;
export const MAP_HUGE_MASK = 0x3f;

export const MREMAP_FLAGS: Xlat = [
  [1, 'MREMAP_MAYMOVE'],
  [2, 'MREMAP_FIXED'],
  [4, 'MREMAP_DONTUNMAP'],
];

export const MSYNC_FLAGS: Xlat = [
  [1, 'MS_ASYNC'],
  [4, 'MS_SYNC'],
  [2, 'MS_INVALIDATE'],
];

export const MADVISE = valueNames([
  [0, 'MADV_NORMAL'],
  [1, 'MADV_RANDOM'],
  [2, 'MADV_SEQUENTIAL'],
  [3, 'MADV_WILLNEED'],
  [4, 'MADV_DONTNEED'],
  [8, 'MADV_FREE'],
  [9, 'MADV_REMOVE'],
  [10, 'MADV_DONTFORK'],
  [11, 'MADV_DOFORK'],
  [12, 'MADV_MERGEABLE'],
  [13, 'MADV_UNMERGEABLE'],
  [14, 'MADV_HUGEPAGE'],
  [15, 'MADV_NOHUGEPAGE'],
  [16, 'MADV_DONTDUMP'],
  [17, 'MADV_DODUMP'],
  [18, 'MADV_WIPEONFORK'],
  [19, 'MADV_KEEPONFORK'],
  [20, 'MADV_COLD'],
  [21, 'MADV_PAGEOUT'],
  [22, 'MADV_POPULATE_READ'],
  [23, 'MADV_POPULATE_WRITE'],
  [24, 'MADV_DONTNEED_LOCKED'],
  [25, 'MADV_COLLAPSE'],
  [100, 'MADV_HWPOISON'],
  [101, 'MADV_SOFT_OFFLINE'],
]);

export const MLOCK2_FLAGS: Xlat = [[1, 'MLOCK_ONFAULT']];

export const MLOCKALL_FLAGS: Xlat = [
  [1, 'MCL_CURRENT'],
  [2, 'MCL_FUTURE'],
  [4, 'MCL_ONFAULT'],
];

// --- processes ------------------------------------------------------------------

export const CSIGNAL = 0xff;
export const CLONE_PARENT_SETTID = 0x00100000;
export const CLONE_CHILD_CLEARTID = 0x00200000;
export const CLONE_CHILD_SETTID = 0x01000000;
export const CLONE_SETTLS = 0x00080000;
export const CLONE_PIDFD = 0x00001000;

export const CLONE_FLAGS: Xlat = [
  [0x00000100, 'CLONE_VM'],
  [0x00000200, 'CLONE_FS'],
  [0x00000400, 'CLONE_FILES'],
  [0x00000800, 'CLONE_SIGHAND'],
  [0x00001000, 'CLONE_PIDFD'],
  [0x00002000, 'CLONE_PTRACE'],
  [0x00004000, 'CLONE_VFORK'],
  [0x00008000, 'CLONE_PARENT'],
  [0x00010000, 'CLONE_THREAD'],
  [0x00020000, 'CLONE_NEWNS'],
  [0x00040000, 'CLONE_SYSVSEM'],
  [0x00080000, 'CLONE_SETTLS'],
  [0x00100000, 'CLONE_PARENT_SETTID'],
  [0x00200000, 'CLONE_CHILD_CLEARTID'],
  [0x00800000, 'CLONE_UNTRACED'],
  [0x01000000, 'CLONE_CHILD_SETTID'],
  [0x02000000, 'CLONE_NEWCGROUP'],
  [0x04000000, 'CLONE_NEWUTS'],
  [0x08000000, 'CLONE_NEWIPC'],
  [0x10000000, 'CLONE_NEWUSER'],
  [0x20000000, 'CLONE_NEWPID'],
  [0x40000000, 'CLONE_NEWNET'],
  [0x80000000, 'CLONE_IO'],
];

/** unshare(2) and setns(2) take the namespace and sharing bits. */
export const UNSHARE_FLAGS: Xlat = [
  [0x00000200, 'CLONE_FS'],
  [0x00000400, 'CLONE_FILES'],
  [0x00000800, 'CLONE_SIGHAND'],
  [0x00000100, 'CLONE_VM'],
  [0x00010000, 'CLONE_THREAD'],
  [0x00040000, 'CLONE_SYSVSEM'],
  [0x00020000, 'CLONE_NEWNS'],
  [0x02000000, 'CLONE_NEWCGROUP'],
  [0x04000000, 'CLONE_NEWUTS'],
  [0x08000000, 'CLONE_NEWIPC'],
  [0x10000000, 'CLONE_NEWUSER'],
  [0x20000000, 'CLONE_NEWPID'],
  [0x40000000, 'CLONE_NEWNET'],
  [0x00000080, 'CLONE_NEWTIME'],
];

export const WAIT_OPTIONS: Xlat = [
  [0x1, 'WNOHANG'],
  [0x2, 'WSTOPPED'],
  [0x4, 'WEXITED'],
  [0x8, 'WCONTINUED'],
  [0x01000000, 'WNOWAIT'],
  [0x80000000, '__WCLONE'],
  [0x40000000, '__WALL'],
  [0x20000000, '__WNOTHREAD'],
];

export const WAITID_WHICH = valueNames([
  [0, 'P_ALL'],
  [1, 'P_PID'],
  [2, 'P_PGID'],
  [3, 'P_PIDFD'],
]);

export const PRIO_WHICH = valueNames([
  [0, 'PRIO_PROCESS'],
  [1, 'PRIO_PGRP'],
  [2, 'PRIO_USER'],
]);

export const SCHED_POLICIES = valueNames([
  [0, 'SCHED_OTHER'],
  [1, 'SCHED_FIFO'],
  [2, 'SCHED_RR'],
  [3, 'SCHED_BATCH'],
  [4, 'SCHED_ISO'],
  [5, 'SCHED_IDLE'],
  [6, 'SCHED_DEADLINE'],
  [7, 'SCHED_EXT'],
]);

export const RLIMITS = valueNames([
  [0, 'RLIMIT_CPU'],
  [1, 'RLIMIT_FSIZE'],
  [2, 'RLIMIT_DATA'],
  [3, 'RLIMIT_STACK'],
  [4, 'RLIMIT_CORE'],
  [5, 'RLIMIT_RSS'],
  [6, 'RLIMIT_NPROC'],
  [7, 'RLIMIT_NOFILE'],
  [8, 'RLIMIT_MEMLOCK'],
  [9, 'RLIMIT_AS'],
  [10, 'RLIMIT_LOCKS'],
  [11, 'RLIMIT_SIGPENDING'],
  [12, 'RLIMIT_MSGQUEUE'],
  [13, 'RLIMIT_NICE'],
  [14, 'RLIMIT_RTPRIO'],
  [15, 'RLIMIT_RTTIME'],
]);

export const RUSAGE_WHO = valueNames([
  [0, 'RUSAGE_SELF'],
  [-1, 'RUSAGE_CHILDREN'],
  [1, 'RUSAGE_THREAD'],
]);

export const ARCH_PRCTL_CODES = valueNames([
  [0x1001, 'ARCH_SET_GS'],
  [0x1002, 'ARCH_SET_FS'],
  [0x1003, 'ARCH_GET_FS'],
  [0x1004, 'ARCH_GET_GS'],
  [0x1011, 'ARCH_GET_CPUID'],
  [0x1012, 'ARCH_SET_CPUID'],
  [0x1021, 'ARCH_GET_XCOMP_SUPP'],
  [0x1022, 'ARCH_GET_XCOMP_PERM'],
  [0x1023, 'ARCH_REQ_XCOMP_PERM'],
  [0x1024, 'ARCH_GET_XCOMP_GUEST_PERM'],
  [0x1025, 'ARCH_REQ_XCOMP_GUEST_PERM'],
  [0x2001, 'ARCH_MAP_VDSO_X32'],
  [0x2002, 'ARCH_MAP_VDSO_32'],
  [0x2003, 'ARCH_MAP_VDSO_64'],
]);

export const GETRANDOM_FLAGS: Xlat = [
  [1, 'GRND_NONBLOCK'],
  [2, 'GRND_RANDOM'],
  [4, 'GRND_INSECURE'],
];

export const RSEQ_FLAGS: Xlat = [[1, 'RSEQ_FLAG_UNREGISTER']];

export const PIDFD_OPEN_FLAGS: Xlat = [[0o4000, 'PIDFD_NONBLOCK']];

export const CLOCKS = valueNames([
  [0, 'CLOCK_REALTIME'],
  [1, 'CLOCK_MONOTONIC'],
  [2, 'CLOCK_PROCESS_CPUTIME_ID'],
  [3, 'CLOCK_THREAD_CPUTIME_ID'],
  [4, 'CLOCK_MONOTONIC_RAW'],
  [5, 'CLOCK_REALTIME_COARSE'],
  [6, 'CLOCK_MONOTONIC_COARSE'],
  [7, 'CLOCK_BOOTTIME'],
  [8, 'CLOCK_REALTIME_ALARM'],
  [9, 'CLOCK_BOOTTIME_ALARM'],
  [10, 'CLOCK_SGI_CYCLE'],
  [11, 'CLOCK_TAI'],
]);

export const TIMER_FLAGS: Xlat = [[1, 'TIMER_ABSTIME']];

export const ITIMERS = valueNames([
  [0, 'ITIMER_REAL'],
  [1, 'ITIMER_VIRTUAL'],
  [2, 'ITIMER_PROF'],
]);

export const FUTEX_OPS = valueNames([
  [0, 'FUTEX_WAIT'],
  [1, 'FUTEX_WAKE'],
  [2, 'FUTEX_FD'],
  [3, 'FUTEX_REQUEUE'],
  [4, 'FUTEX_CMP_REQUEUE'],
  [5, 'FUTEX_WAKE_OP'],
  [6, 'FUTEX_LOCK_PI'],
  [7, 'FUTEX_UNLOCK_PI'],
  [8, 'FUTEX_TRYLOCK_PI'],
  [9, 'FUTEX_WAIT_BITSET'],
  [10, 'FUTEX_WAKE_BITSET'],
  [11, 'FUTEX_WAIT_REQUEUE_PI'],
  [12, 'FUTEX_CMP_REQUEUE_PI'],
  [13, 'FUTEX_LOCK_PI2'],
]);

/** FUTEX_WAKE_OP's operation (val3 >> 28, less FUTEX_OP_OPARG_SHIFT) and comparison (val3 >> 24 & 15). */
export const FUTEX_WAKE_OPS = valueNames([
  [0, 'FUTEX_OP_SET'],
  [1, 'FUTEX_OP_ADD'],
  [2, 'FUTEX_OP_OR'],
  [3, 'FUTEX_OP_ANDN'],
  [4, 'FUTEX_OP_XOR'],
]);
export const FUTEX_WAKE_CMPS = valueNames([
  [0, 'FUTEX_OP_CMP_EQ'],
  [1, 'FUTEX_OP_CMP_NE'],
  [2, 'FUTEX_OP_CMP_LT'],
  [3, 'FUTEX_OP_CMP_LE'],
  [4, 'FUTEX_OP_CMP_GT'],
  [5, 'FUTEX_OP_CMP_GE'],
]);

export const SIGPROCMASK_HOW = valueNames([
  [0, 'SIG_BLOCK'],
  [1, 'SIG_UNBLOCK'],
  [2, 'SIG_SETMASK'],
]);

export const SFD_FLAGS: Xlat = [
  [0o2000000, 'SFD_CLOEXEC'],
  [0o4000, 'SFD_NONBLOCK'],
];

export const SPLICE_FLAGS: Xlat = [
  [1, 'SPLICE_F_MOVE'],
  [2, 'SPLICE_F_NONBLOCK'],
  [4, 'SPLICE_F_MORE'],
  [8, 'SPLICE_F_GIFT'],
];

export const MPOL_MODES = valueNames([
  [0, 'MPOL_DEFAULT'],
  [1, 'MPOL_PREFERRED'],
  [2, 'MPOL_BIND'],
  [3, 'MPOL_INTERLEAVE'],
  [4, 'MPOL_LOCAL'],
  [5, 'MPOL_PREFERRED_MANY'],
  [6, 'MPOL_WEIGHTED_INTERLEAVE'],
]);
export const MPOL_MODE_FLAGS: Xlat = [
  [1 << 15, 'MPOL_F_STATIC_NODES'],
  [1 << 14, 'MPOL_F_RELATIVE_NODES'],
  [1 << 13, 'MPOL_F_NUMA_BALANCING'],
];
export const MPOL_GET_FLAGS: Xlat = [
  [1, 'MPOL_F_NODE'],
  [2, 'MPOL_F_ADDR'],
  [4, 'MPOL_F_MEMS_ALLOWED'],
];

// --- prctl(2) -----------------------------------------------------------------

export const PRCTL_OPTIONS = valueNames([
  [1, 'PR_SET_PDEATHSIG'],
  [2, 'PR_GET_PDEATHSIG'],
  [3, 'PR_GET_DUMPABLE'],
  [4, 'PR_SET_DUMPABLE'],
  [5, 'PR_GET_UNALIGN'],
  [6, 'PR_SET_UNALIGN'],
  [7, 'PR_GET_KEEPCAPS'],
  [8, 'PR_SET_KEEPCAPS'],
  [9, 'PR_GET_FPEMU'],
  [10, 'PR_SET_FPEMU'],
  [11, 'PR_GET_FPEXC'],
  [12, 'PR_SET_FPEXC'],
  [13, 'PR_GET_TIMING'],
  [14, 'PR_SET_TIMING'],
  [15, 'PR_SET_NAME'],
  [16, 'PR_GET_NAME'],
  [19, 'PR_GET_ENDIAN'],
  [20, 'PR_SET_ENDIAN'],
  [21, 'PR_GET_SECCOMP'],
  [22, 'PR_SET_SECCOMP'],
  [23, 'PR_CAPBSET_READ'],
  [24, 'PR_CAPBSET_DROP'],
  [25, 'PR_GET_TSC'],
  [26, 'PR_SET_TSC'],
  [27, 'PR_GET_SECUREBITS'],
  [28, 'PR_SET_SECUREBITS'],
  [29, 'PR_SET_TIMERSLACK'],
  [30, 'PR_GET_TIMERSLACK'],
  [31, 'PR_TASK_PERF_EVENTS_DISABLE'],
  [32, 'PR_TASK_PERF_EVENTS_ENABLE'],
  [33, 'PR_MCE_KILL'],
  [34, 'PR_MCE_KILL_GET'],
  [35, 'PR_SET_MM'],
  [36, 'PR_SET_CHILD_SUBREAPER'],
  [37, 'PR_GET_CHILD_SUBREAPER'],
  [38, 'PR_SET_NO_NEW_PRIVS'],
  [39, 'PR_GET_NO_NEW_PRIVS'],
  [40, 'PR_GET_TID_ADDRESS'],
  [41, 'PR_SET_THP_DISABLE'],
  [42, 'PR_GET_THP_DISABLE'],
  [43, 'PR_MPX_ENABLE_MANAGEMENT'],
  [44, 'PR_MPX_DISABLE_MANAGEMENT'],
  [45, 'PR_SET_FP_MODE'],
  [46, 'PR_GET_FP_MODE'],
  [47, 'PR_CAP_AMBIENT'],
  [50, 'PR_SVE_SET_VL'],
  [51, 'PR_SVE_GET_VL'],
  [52, 'PR_GET_SPECULATION_CTRL'],
  [53, 'PR_SET_SPECULATION_CTRL'],
  [54, 'PR_PAC_RESET_KEYS'],
  [55, 'PR_SET_TAGGED_ADDR_CTRL'],
  [56, 'PR_GET_TAGGED_ADDR_CTRL'],
  [57, 'PR_SET_IO_FLUSHER'],
  [58, 'PR_GET_IO_FLUSHER'],
  [59, 'PR_SET_SYSCALL_USER_DISPATCH'],
  [60, 'PR_PAC_SET_ENABLED_KEYS'],
  [61, 'PR_PAC_GET_ENABLED_KEYS'],
  [62, 'PR_SCHED_CORE'],
  [0x53564d41, 'PR_SET_VMA'],
]);

export const SUID_DUMP = valueNames([
  [0, 'SUID_DUMP_DISABLE'],
  [1, 'SUID_DUMP_USER'],
  [2, 'SUID_DUMP_ROOT'],
]);

// --- sockets ------------------------------------------------------------------

export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_NETLINK = 16;
export const AF_PACKET = 17;

export const ADDRESS_FAMILIES = valueNames([
  [0, 'AF_UNSPEC'],
  [1, 'AF_UNIX'],
  [2, 'AF_INET'],
  [3, 'AF_AX25'],
  [4, 'AF_IPX'],
  [5, 'AF_APPLETALK'],
  [6, 'AF_NETROM'],
  [7, 'AF_BRIDGE'],
  [8, 'AF_ATMPVC'],
  [9, 'AF_X25'],
  [10, 'AF_INET6'],
  [11, 'AF_ROSE'],
  [12, 'AF_DECnet'],
  [13, 'AF_NETBEUI'],
  [14, 'AF_SECURITY'],
  [15, 'AF_KEY'],
  [16, 'AF_NETLINK'],
  [17, 'AF_PACKET'],
  [18, 'AF_ASH'],
  [19, 'AF_ECONET'],
  [20, 'AF_ATMSVC'],
  [21, 'AF_RDS'],
  [22, 'AF_SNA'],
  [23, 'AF_IRDA'],
  [24, 'AF_PPPOX'],
  [25, 'AF_WANPIPE'],
  [26, 'AF_LLC'],
  [27, 'AF_IB'],
  [28, 'AF_MPLS'],
  [29, 'AF_CAN'],
  [30, 'AF_TIPC'],
  [31, 'AF_BLUETOOTH'],
  [32, 'AF_IUCV'],
  [33, 'AF_RXRPC'],
  [34, 'AF_ISDN'],
  [35, 'AF_PHONET'],
  [36, 'AF_IEEE802154'],
  [37, 'AF_CAIF'],
  [38, 'AF_ALG'],
  [39, 'AF_NFC'],
  [40, 'AF_VSOCK'],
  [41, 'AF_KCM'],
  [42, 'AF_QIPCRTR'],
  [43, 'AF_SMC'],
  [44, 'AF_XDP'],
  [45, 'AF_MCTP'],
]);

export const SOCK_TYPE_MASK = 0xf;
export const SOCK_TYPES = valueNames([
  [1, 'SOCK_STREAM'],
  [2, 'SOCK_DGRAM'],
  [3, 'SOCK_RAW'],
  [4, 'SOCK_RDM'],
  [5, 'SOCK_SEQPACKET'],
  [6, 'SOCK_DCCP'],
  [10, 'SOCK_PACKET'],
]);

export const SOCK_FLAGS: Xlat = [
  [0o2000000, 'SOCK_CLOEXEC'],
  [0o4000, 'SOCK_NONBLOCK'],
];

export const INET_PROTOCOLS = valueNames([
  [0, 'IPPROTO_IP'],
  [1, 'IPPROTO_ICMP'],
  [2, 'IPPROTO_IGMP'],
  [4, 'IPPROTO_IPIP'],
  [6, 'IPPROTO_TCP'],
  [8, 'IPPROTO_EGP'],
  [12, 'IPPROTO_PUP'],
  [17, 'IPPROTO_UDP'],
  [22, 'IPPROTO_IDP'],
  [29, 'IPPROTO_TP'],
  [33, 'IPPROTO_DCCP'],
  [41, 'IPPROTO_IPV6'],
  [46, 'IPPROTO_RSVP'],
  [47, 'IPPROTO_GRE'],
  [50, 'IPPROTO_ESP'],
  [51, 'IPPROTO_AH'],
  [58, 'IPPROTO_ICMPV6'],
  [92, 'IPPROTO_MTP'],
  [94, 'IPPROTO_BEETPH'],
  [98, 'IPPROTO_ENCAP'],
  [103, 'IPPROTO_PIM'],
  [108, 'IPPROTO_COMP'],
  [115, 'IPPROTO_L2TP'],
  [132, 'IPPROTO_SCTP'],
  [136, 'IPPROTO_UDPLITE'],
  [137, 'IPPROTO_MPLS'],
  [143, 'IPPROTO_ETHERNET'],
  [255, 'IPPROTO_RAW'],
  [262, 'IPPROTO_MPTCP'],
]);

export const NETLINK_PROTOCOLS = valueNames([
  [0, 'NETLINK_ROUTE'],
  [1, 'NETLINK_UNUSED'],
  [2, 'NETLINK_USERSOCK'],
  [3, 'NETLINK_FIREWALL'],
  [4, 'NETLINK_SOCK_DIAG'],
  [5, 'NETLINK_NFLOG'],
  [6, 'NETLINK_XFRM'],
  [7, 'NETLINK_SELINUX'],
  [8, 'NETLINK_ISCSI'],
  [9, 'NETLINK_AUDIT'],
  [10, 'NETLINK_FIB_LOOKUP'],
  [11, 'NETLINK_CONNECTOR'],
  [12, 'NETLINK_NETFILTER'],
  [13, 'NETLINK_IP6_FW'],
  [14, 'NETLINK_DNRTMSG'],
  [15, 'NETLINK_KOBJECT_UEVENT'],
  [16, 'NETLINK_GENERIC'],
  [18, 'NETLINK_SCSITRANSPORT'],
  [19, 'NETLINK_ECRYPTFS'],
  [20, 'NETLINK_RDMA'],
  [21, 'NETLINK_CRYPTO'],
  [22, 'NETLINK_SMC'],
]);

export const ETH_PROTOCOLS = valueNames([
  [0x0003, 'ETH_P_ALL'],
  [0x0800, 'ETH_P_IP'],
  [0x0806, 'ETH_P_ARP'],
  [0x86dd, 'ETH_P_IPV6'],
  [0x8100, 'ETH_P_8021Q'],
]);

export const MSG_FLAGS: Xlat = [
  [0x1, 'MSG_OOB'],
  [0x2, 'MSG_PEEK'],
  [0x4, 'MSG_DONTROUTE'],
  [0x8, 'MSG_CTRUNC'],
  [0x10, 'MSG_PROBE'],
  [0x20, 'MSG_TRUNC'],
  [0x40, 'MSG_DONTWAIT'],
  [0x80, 'MSG_EOR'],
  [0x100, 'MSG_WAITALL'],
  [0x200, 'MSG_FIN'],
  [0x400, 'MSG_SYN'],
  [0x800, 'MSG_CONFIRM'],
  [0x1000, 'MSG_RST'],
  [0x2000, 'MSG_ERRQUEUE'],
  [0x4000, 'MSG_NOSIGNAL'],
  [0x8000, 'MSG_MORE'],
  [0x10000, 'MSG_WAITFORONE'],
  [0x20000, 'MSG_SENDPAGE_NOTLAST'],
  [0x40000, 'MSG_BATCH'],
  [0x80000, 'MSG_NO_SHARED_FRAGS'],
  [0x2000000, 'MSG_SOCK_DEVMEM'],
  [0x4000000, 'MSG_ZEROCOPY'],
  [0x20000000, 'MSG_FASTOPEN'],
  [0x40000000, 'MSG_CMSG_CLOEXEC'],
  [0x80000000, 'MSG_CMSG_COMPAT'],
];

export const SHUTDOWN_HOW = valueNames([
  [0, 'SHUT_RD'],
  [1, 'SHUT_WR'],
  [2, 'SHUT_RDWR'],
]);

export const SOL_SOCKET = 1;
export const SOCKET_LEVELS = valueNames([
  [0, 'SOL_IP'],
  [1, 'SOL_SOCKET'],
  [6, 'SOL_TCP'],
  [17, 'SOL_UDP'],
  [41, 'SOL_IPV6'],
  [58, 'SOL_ICMPV6'],
  [132, 'SOL_SCTP'],
  [136, 'SOL_UDPLITE'],
  [255, 'SOL_RAW'],
  [263, 'SOL_PACKET'],
  [264, 'SOL_ATM'],
  [266, 'SOL_IRDA'],
  [267, 'SOL_NETBEUI'],
  [268, 'SOL_LLC'],
  [269, 'SOL_DCCP'],
  [270, 'SOL_NETLINK'],
  [271, 'SOL_TIPC'],
  [272, 'SOL_RXRPC'],
  [273, 'SOL_PPPOL2TP'],
  [274, 'SOL_BLUETOOTH'],
  [275, 'SOL_PNPIPE'],
  [276, 'SOL_RDS'],
  [277, 'SOL_IUCV'],
  [278, 'SOL_CAIF'],
  [279, 'SOL_ALG'],
  [280, 'SOL_NFC'],
  [281, 'SOL_KCM'],
  [282, 'SOL_TLS'],
  [283, 'SOL_XDP'],
  [284, 'SOL_MPTCP'],
  [285, 'SOL_MCTP'],
  [286, 'SOL_SMC'],
  [287, 'SOL_VSOCK'],
]);

/** SOL_SOCKET option names (x86_64 and generic). */
export const SO_OPTIONS = valueNames([
  [1, 'SO_DEBUG'],
  [2, 'SO_REUSEADDR'],
  [3, 'SO_TYPE'],
  [4, 'SO_ERROR'],
  [5, 'SO_DONTROUTE'],
  [6, 'SO_BROADCAST'],
  [7, 'SO_SNDBUF'],
  [8, 'SO_RCVBUF'],
  [9, 'SO_KEEPALIVE'],
  [10, 'SO_OOBINLINE'],
  [11, 'SO_NO_CHECK'],
  [12, 'SO_PRIORITY'],
  [13, 'SO_LINGER'],
  [14, 'SO_BSDCOMPAT'],
  [15, 'SO_REUSEPORT'],
  [16, 'SO_PASSCRED'],
  [17, 'SO_PEERCRED'],
  [18, 'SO_RCVLOWAT'],
  [19, 'SO_SNDLOWAT'],
  [20, 'SO_RCVTIMEO_OLD'],
  [21, 'SO_SNDTIMEO_OLD'],
  [22, 'SO_SECURITY_AUTHENTICATION'],
  [23, 'SO_SECURITY_ENCRYPTION_TRANSPORT'],
  [24, 'SO_SECURITY_ENCRYPTION_NETWORK'],
  [25, 'SO_BINDTODEVICE'],
  [26, 'SO_ATTACH_FILTER'],
  [27, 'SO_DETACH_FILTER'],
  [28, 'SO_PEERNAME'],
  [29, 'SO_TIMESTAMP_OLD'],
  [30, 'SO_ACCEPTCONN'],
  [31, 'SO_PEERSEC'],
  [32, 'SO_SNDBUFFORCE'],
  [33, 'SO_RCVBUFFORCE'],
  [34, 'SO_PASSSEC'],
  [35, 'SO_TIMESTAMPNS_OLD'],
  [36, 'SO_MARK'],
  [37, 'SO_TIMESTAMPING_OLD'],
  [38, 'SO_PROTOCOL'],
  [39, 'SO_DOMAIN'],
  [40, 'SO_RXQ_OVFL'],
  [41, 'SO_WIFI_STATUS'],
  [42, 'SO_PEEK_OFF'],
  [43, 'SO_NOFCS'],
  [44, 'SO_LOCK_FILTER'],
  [45, 'SO_SELECT_ERR_QUEUE'],
  [46, 'SO_BUSY_POLL'],
  [47, 'SO_MAX_PACING_RATE'],
  [48, 'SO_BPF_EXTENSIONS'],
  [49, 'SO_INCOMING_CPU'],
  [50, 'SO_ATTACH_BPF'],
  [51, 'SO_ATTACH_REUSEPORT_CBPF'],
  [52, 'SO_ATTACH_REUSEPORT_EBPF'],
  [53, 'SO_CNX_ADVICE'],
  [54, 'SCM_TIMESTAMPING_OPT_STATS'],
  [55, 'SO_MEMINFO'],
  [56, 'SO_INCOMING_NAPI_ID'],
  [57, 'SO_COOKIE'],
  [58, 'SCM_TIMESTAMPING_PKTINFO'],
  [59, 'SO_PEERGROUPS'],
  [60, 'SO_ZEROCOPY'],
  [61, 'SO_TXTIME'],
  [62, 'SO_BINDTOIFINDEX'],
  [63, 'SO_TIMESTAMP_NEW'],
  [64, 'SO_TIMESTAMPNS_NEW'],
  [65, 'SO_TIMESTAMPING_NEW'],
  [66, 'SO_RCVTIMEO_NEW'],
  [67, 'SO_SNDTIMEO_NEW'],
  [68, 'SO_DETACH_REUSEPORT_BPF'],
  [69, 'SO_PREFER_BUSY_POLL'],
  [70, 'SO_BUSY_POLL_BUDGET'],
  [71, 'SO_NETNS_COOKIE'],
  [72, 'SO_BUF_LOCK'],
  [73, 'SO_RESERVE_MEM'],
  [74, 'SO_TXREHASH'],
  [75, 'SO_RCVMARK'],
]);

export const TCP_OPTIONS = valueNames([
  [1, 'TCP_NODELAY'],
  [2, 'TCP_MAXSEG'],
  [3, 'TCP_CORK'],
  [4, 'TCP_KEEPIDLE'],
  [5, 'TCP_KEEPINTVL'],
  [6, 'TCP_KEEPCNT'],
  [7, 'TCP_SYNCNT'],
  [8, 'TCP_LINGER2'],
  [9, 'TCP_DEFER_ACCEPT'],
  [10, 'TCP_WINDOW_CLAMP'],
  [11, 'TCP_INFO'],
  [12, 'TCP_QUICKACK'],
  [13, 'TCP_CONGESTION'],
  [14, 'TCP_MD5SIG'],
  [16, 'TCP_THIN_LINEAR_TIMEOUTS'],
  [17, 'TCP_THIN_DUPACK'],
  [18, 'TCP_USER_TIMEOUT'],
  [19, 'TCP_REPAIR'],
  [20, 'TCP_REPAIR_QUEUE'],
  [21, 'TCP_QUEUE_SEQ'],
  [22, 'TCP_REPAIR_OPTIONS'],
  [23, 'TCP_FASTOPEN'],
  [24, 'TCP_TIMESTAMP'],
  [25, 'TCP_NOTSENT_LOWAT'],
  [26, 'TCP_CC_INFO'],
  [27, 'TCP_SAVE_SYN'],
  [28, 'TCP_SAVED_SYN'],
  [29, 'TCP_REPAIR_WINDOW'],
  [30, 'TCP_FASTOPEN_CONNECT'],
  [31, 'TCP_ULP'],
  [32, 'TCP_MD5SIG_EXT'],
  [33, 'TCP_FASTOPEN_KEY'],
  [34, 'TCP_FASTOPEN_NO_COOKIE'],
  [35, 'TCP_ZEROCOPY_RECEIVE'],
  [36, 'TCP_INQ'],
  [37, 'TCP_TX_DELAY'],
]);

export const IP_OPTIONS = valueNames([
  [1, 'IP_TOS'],
  [2, 'IP_TTL'],
  [3, 'IP_HDRINCL'],
  [4, 'IP_OPTIONS'],
  [5, 'IP_ROUTER_ALERT'],
  [6, 'IP_RECVOPTS'],
  [7, 'IP_RETOPTS'],
  [8, 'IP_PKTINFO'],
  [9, 'IP_PKTOPTIONS'],
  [10, 'IP_MTU_DISCOVER'],
  [11, 'IP_RECVERR'],
  [12, 'IP_RECVTTL'],
  [13, 'IP_RECVTOS'],
  [14, 'IP_MTU'],
  [15, 'IP_FREEBIND'],
  [16, 'IP_IPSEC_POLICY'],
  [17, 'IP_XFRM_POLICY'],
  [18, 'IP_PASSSEC'],
  [19, 'IP_TRANSPARENT'],
  [24, 'IP_BIND_ADDRESS_NO_PORT'],
  [32, 'IP_MULTICAST_IF'],
  [33, 'IP_MULTICAST_TTL'],
  [34, 'IP_MULTICAST_LOOP'],
  [35, 'IP_ADD_MEMBERSHIP'],
  [36, 'IP_DROP_MEMBERSHIP'],
]);

export const NETLINK_OPTIONS = valueNames([
  [1, 'NETLINK_ADD_MEMBERSHIP'],
  [2, 'NETLINK_DROP_MEMBERSHIP'],
  [3, 'NETLINK_PKTINFO'],
  [4, 'NETLINK_BROADCAST_ERROR'],
  [5, 'NETLINK_NO_ENOBUFS'],
  [6, 'NETLINK_RX_RING'],
  [7, 'NETLINK_TX_RING'],
  [8, 'NETLINK_LISTEN_ALL_NSID'],
  [9, 'NETLINK_LIST_MEMBERSHIPS'],
  [10, 'NETLINK_CAP_ACK'],
  [11, 'NETLINK_EXT_ACK'],
  [12, 'NETLINK_GET_STRICT_CHK'],
]);

export const IPV6_OPTIONS = valueNames([
  [1, 'IPV6_ADDRFORM'],
  [2, 'IPV6_2292PKTINFO'],
  [16, 'IPV6_UNICAST_HOPS'],
  [17, 'IPV6_MULTICAST_IF'],
  [18, 'IPV6_MULTICAST_HOPS'],
  [19, 'IPV6_MULTICAST_LOOP'],
  [20, 'IPV6_ADD_MEMBERSHIP'],
  [21, 'IPV6_DROP_MEMBERSHIP'],
  [23, 'IPV6_MTU_DISCOVER'],
  [24, 'IPV6_MTU'],
  [25, 'IPV6_RECVERR'],
  [26, 'IPV6_V6ONLY'],
  [49, 'IPV6_RECVPKTINFO'],
  [50, 'IPV6_PKTINFO'],
  [67, 'IPV6_TCLASS'],
]);
