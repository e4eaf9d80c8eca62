/**
 * The SQLite dump schema, version 1 (docs/interface.md "SQLite dump schema").
 *
 * A dump is one plain SQLite 3 file that any `sqlite3` shell opens without an
 * extension: one row per container in `container`, one row per paired
 * syscall event (recorder/rows.ts EventRow) in `syscall`, and views for the
 * everyday questions. Times are unix epoch nanoseconds (INTEGER, 64-bit);
 * `datetime(ts_ns / 1e9, 'unixepoch', 'subsec')` turns one into text.
 *
 * Decisions worth knowing when querying:
 * - `syscall.id` is EventRow.seq: the event's position in its container's
 *   history (1-based, time order). `ORDER BY id` is time order.
 * - `syscall.args` is the strace-rendered argument list without the
 *   parentheses, exactly what the text format prints between them.
 * - `syscall.flags` is filled only for open, openat, openat2 and creat: the
 *   argument after the path in `args`, as the text format prints it
 *   (`O_RDONLY|O_CLOEXEC`). It is computed when the dump is written, not
 *   parsed in SQL, because a path may contain any character. openat2's
 *   argument is a struct: its `flags=` member is taken. creat has no flags
 *   argument: its rows get `O_WRONLY|O_CREAT|O_TRUNC`, which creat means.
 *   NULL for every other call, and when the arguments were not recorded
 *   (resumed calls).
 * - `ret` is the raw (signed) return value, NULL while unfinished; `error`
 *   the errno name (ENOENT) when the call failed, else NULL. The views show
 *   `fd` = ret only when the call did not fail.
 * - `argv` is a JSON array of strings (execve/execveat), NULL otherwise;
 *   `container.labels` a JSON object. SQLite's JSON functions read both,
 *   e.g. `select value from execs, json_each(execs.argv)`.
 * - Unfinished calls (exit not recorded) have `unfinished` = 1 and NULL
 *   `dur_ns`, `ret`; resumed calls (entry not recorded) have `resumed` = 1,
 *   empty `args` and NULL path/argv/address.
 * - `syscall.caps`: the capabilities the kernel refused while the call ran,
 *   names separated by spaces as the text format shows them in brackets
 *   (`CAP_SYS_ADMIN`), NULL when none was.
 * - `syscall.ret_detail`: what the text format prints in parentheses after
 *   the return value when it comes from data the call wrote rather than from
 *   the value: poll's revents (`[{fd=4, revents=POLLIN}]`). NULL otherwise.
 * - `event` holds the process events (recorder/rows.ts ProcessRow): signals
 *   the container's threads acted on (kind 'signal', `detail` the siginfo as
 *   strace prints it) and threads that ended (kind 'exit', `detail`
 *   "exited with 3" or "killed by SIGSEGV"; `group_dead` = 1 on a process's
 *   last thread). `event.id` counts these on their own, in time order; merge
 *   them with the calls by `ts_ns`.
 * - `container.ended` / `end_signal`: how the container's init process
 *   (`container.pid`) ended, when its history holds that exit
 *   ("exited with 3", "killed by SIGSEGV (core dumped)"; the signal's name).
 *
 * Version 1 grew these by addition only (the `event` table, the `caps`,
 * `ret_detail`, `ended` and `end_signal` columns): readers of earlier
 * version-1 dumps find them missing and carry on without them.
 */

export const SCHEMA_VERSION = 1;

/** Tables, created before the rows go in. */
export const SCHEMA_TABLES_SQL = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE container (
  id                TEXT PRIMARY KEY,
  name              TEXT,
  pod               TEXT,
  namespace         TEXT,
  runtime           TEXT,
  pid               INTEGER,
  mntns             TEXT,              -- mount namespace inode, decimal
  state             TEXT,              -- 'running' or 'exited' when dumped
  bundle            TEXT,
  started_ns        INTEGER,           -- unix epoch ns
  exited_ns         INTEGER,           -- unix epoch ns, NULL while running
  exit_code         INTEGER,
  labels            TEXT,              -- JSON object
  events            INTEGER,           -- syscall rows of this container in this dump
  overwritten       INTEGER,           -- events pushed out of the ring before the dump
  lost              INTEGER,           -- events the kernel could not record
  complete_since_ns INTEGER,           -- unix epoch ns from which the history has no gap
  ended             TEXT,              -- 'exited with 3', 'killed by SIGSEGV': init's exit, NULL if not in the history
  end_signal        TEXT               -- the signal that killed init (SIGSEGV), else NULL
);

CREATE TABLE syscall (
  id           INTEGER PRIMARY KEY,    -- EventRow.seq: time order
  container_id TEXT NOT NULL,
  ts_ns        INTEGER NOT NULL,       -- unix epoch ns at entry (at exit for a resumed call)
  dur_ns       INTEGER,                -- NULL if unfinished or resumed
  cpu          INTEGER NOT NULL,
  pid          INTEGER NOT NULL,
  tid          INTEGER NOT NULL,
  comm         TEXT NOT NULL,
  nr           INTEGER NOT NULL,
  name         TEXT NOT NULL,
  args         TEXT NOT NULL,          -- strace-rendered, no parentheses
  ret          INTEGER,                -- NULL if unfinished
  error        TEXT,                   -- errno name or NULL
  unfinished   INTEGER NOT NULL,       -- 0/1: exit not recorded
  resumed      INTEGER NOT NULL,       -- 0/1: entry not recorded
  path         TEXT,                   -- first path or string argument
  argv         TEXT,                   -- JSON array (execve, execveat)
  address      TEXT,                   -- socket address (IPv4, IPv6, unix path, @abstract)
  port         INTEGER,
  flags        TEXT,                   -- open flags text (open, openat, openat2, creat)
  caps         TEXT,                   -- capabilities refused during the call, space-separated, or NULL
  ret_detail   TEXT                    -- what strace shows in parentheses after ret from data the call wrote (poll's revents), or NULL
);

CREATE TABLE event (
  id           INTEGER PRIMARY KEY,    -- ProcessRow.seq: time order among the events
  container_id TEXT NOT NULL,
  ts_ns        INTEGER NOT NULL,       -- unix epoch ns
  cpu          INTEGER NOT NULL,
  pid          INTEGER NOT NULL,
  tid          INTEGER NOT NULL,
  comm         TEXT NOT NULL,
  kind         TEXT NOT NULL,          -- 'signal' or 'exit'
  signo        INTEGER,                -- the signal delivered, or the one that killed the thread
  signame      TEXT,
  si_code      INTEGER,                -- signals
  detail       TEXT NOT NULL,          -- siginfo as strace prints it, or 'exited with 3' / 'killed by SIGSEGV'
  disposition  TEXT,                   -- signals: 'handler', 'default' or 'ignore'
  exit_code    INTEGER,                -- exits: the status of a thread that exited
  killed_by    TEXT,                   -- exits: the signal that killed the thread
  core_dumped  INTEGER NOT NULL,       -- 0/1
  group_dead   INTEGER NOT NULL        -- 0/1: the process's last thread
);
`;

/**
 * Views, created after the rows went in. No index on syscall: a dump is
 * written every time and queried a few times, and a full scan is cheaper
 * than building an index at every dump. Measured on a 406,000-row dump:
 * an index on name took 120-140 ms to build (8 % of the whole dump), while
 * `opens` scanning the table without it took 30 ms; `errors` scans the
 * same way (about 0.1 s per million rows). None on time either: a dump
 * holds one container and its ids are in time order.
 */
export const SCHEMA_VIEWS_SQL = `

CREATE VIEW execs AS
  SELECT id, container_id, ts_ns, pid, tid, comm, path, argv, ret, error
  FROM syscall WHERE name IN ('execve', 'execveat');

CREATE VIEW opens AS
  SELECT id, container_id, ts_ns, pid, tid, comm, name, path, flags,
         CASE WHEN error IS NULL THEN ret END AS fd, error
  FROM syscall WHERE name IN ('open', 'openat', 'openat2', 'creat');

CREATE VIEW connects AS
  SELECT id, container_id, ts_ns, pid, tid, comm, name, address, port, ret, error
  FROM syscall WHERE name IN ('connect', 'accept', 'accept4', 'bind');

CREATE VIEW errors AS
  SELECT id, container_id, ts_ns, pid, tid, comm, name, args, path, ret, error
  FROM syscall WHERE error IS NOT NULL;
`;

/** The whole schema as one SQL text (what an empty dump holds). */
export const SCHEMA_SQL = SCHEMA_TABLES_SQL + SCHEMA_VIEWS_SQL;

/** Column order of the syscall INSERT (sqlite.ts binds values in this order). */
export const SYSCALL_COLUMNS = [
  'id',
  'container_id',
  'ts_ns',
  'dur_ns',
  'cpu',
  'pid',
  'tid',
  'comm',
  'nr',
  'name',
  'args',
  'ret',
  'error',
  'unfinished',
  'resumed',
  'path',
  'argv',
  'address',
  'port',
  'flags',
  'caps',
  'ret_detail',
] as const;

export const EVENT_COLUMNS = [
  'id',
  'container_id',
  'ts_ns',
  'cpu',
  'pid',
  'tid',
  'comm',
  'kind',
  'signo',
  'signame',
  'si_code',
  'detail',
  'disposition',
  'exit_code',
  'killed_by',
  'core_dumped',
  'group_dead',
] as const;

export const CONTAINER_COLUMNS = [
  'id',
  'name',
  'pod',
  'namespace',
  'runtime',
  'pid',
  'mntns',
  'state',
  'bundle',
  'started_ns',
  'exited_ns',
  'exit_code',
  'labels',
  'events',
  'overwritten',
  'lost',
  'complete_since_ns',
  'ended',
  'end_signal',
] as const;

/** Calls whose rows feed the opens view, and where their path argument sits. */
export const OPEN_PATH_ARG: ReadonlyMap<string, number> = new Map([
  ['open', 0],
  ['openat', 1],
  ['openat2', 1],
  ['creat', 0],
]);

/** creat(path, mode) is open(path, O_WRONLY|O_CREAT|O_TRUNC, mode). */
export const CREAT_FLAGS = 'O_WRONLY|O_CREAT|O_TRUNC';

/**
 * The n-th (0-based) top-level argument of an strace-rendered argument list,
 * or null if there are fewer. Quoted strings (with backslash escapes and a
 * trailing `...`), [arrays] and {structs} count as one argument.
 */
export function nthArg(args: string, n: number): string | null {
  if (args === '') return null;
  let depth = 0;
  let index = 0;
  let start = 0;
  const len = args.length;
  for (let i = 0; i < len; i++) {
    const c = args.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < len; i++) {
        const d = args.charCodeAt(i);
        if (d === 92 /* \ */) i++;
        else if (d === 34) break;
      }
    } else if (c === 91 /* [ */ || c === 123 /* { */ || c === 40 /* ( */) {
      depth++;
    } else if (c === 93 /* ] */ || c === 125 /* } */ || c === 41 /* ) */) {
      depth--;
    } else if (c === 44 /* , */ && depth === 0) {
      if (index === n) return args.slice(start, i).trim();
      index++;
      start = i + 1;
    }
  }
  return index === n ? args.slice(start).trim() : null;
}

/** The value of the syscall.argv column: the argv captured, as a JSON array, or null. */
export function argvColumn(argv: readonly string[] | null): string | null {
  return argv === null ? null : JSON.stringify(argv);
}

/** The value of the syscall.caps column: the capabilities refused, space-separated, or null for none. */
export function capsColumn(caps: readonly string[] | undefined): string | null {
  return caps && caps.length ? caps.join(' ') : null;
}

/** The value of the syscall.flags column for a row (null for calls other than the opens). */
export function openFlags(name: string, args: string): string | null {
  const at = OPEN_PATH_ARG.get(name);
  if (at === undefined) return null;
  if (args === '') return null;
  if (name === 'creat') return CREAT_FLAGS;
  const arg = nthArg(args, at + 1);
  if (arg === null || name !== 'openat2' || !arg.startsWith('{')) return arg;
  // struct open_how: {flags=O_RDONLY|O_CLOEXEC, mode=0, resolve=0}
  const m = /[{ ]flags=([^,}]*)/.exec(arg);
  return m ? m[1].trim() : arg;
}
