/**
 * `straceback install | uninstall`: the two commands, the systemd unit, the
 * OCI hook config and a docs link, all pointing into this checkout, and
 * back out again. Every target lies under --root. The whole plan is checked
 * before anything is touched, so a conflict changes nothing; a second run
 * changes nothing either. Only what carries our mark is ever replaced or
 * removed: a link into this checkout, a unit with UNIT_MARKER, a hooks.d
 * file whose hook is HOOK_PATH.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from './cli-util';
import { repoRoot } from './paths';
import { pinDirFor, DEFAULT_RUN_DIR } from './daemon/daemon';
import { releasePins } from './recorder';

export const UNIT_NAME = 'straceback.service';
export const BIN_PATH = '/usr/local/bin/straceback';
export const HOOK_PATH = '/usr/local/bin/straceback-hook';
export const DOCS_PATH = '/usr/local/share/doc/straceback';
export const UNIT_PATH = `/etc/systemd/system/${UNIT_NAME}`;
/** Read by podman and CRI-O (OCI hooks 1.0.0). */
export const HOOKS_D_PATH = '/etc/containers/oci/hooks.d/straceback.json';
export const UNIT_MARKER = '# X-Straceback-Managed: straceback install';

/** systemd's default PATH for services: a node outside it needs Environment=PATH. */
const SYSTEMD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** What ProtectHome= hides. */
const HOME_DIRS = ['/home', '/root', '/run/user'];

export interface InstallOptions {
  root: string;
  dryRun: boolean;
  force: boolean;
  enable: boolean;
  now: boolean;
  out?: (line: string) => void;
}

export interface UninstallOptions {
  root: string;
  dryRun: boolean;
  out?: (line: string) => void;
}

interface LinkItem {
  kind: 'link';
  /** Path as the installed system sees it. */
  target: string;
  /** Absolute path in this checkout. */
  source: string;
}

interface FileItem {
  kind: 'file';
  target: string;
  content: string;
  mode: number;
  /** Whether a file with this text is one we wrote. */
  ours(text: string): boolean;
}

type Item = LinkItem | FileItem;

/** What is at a target now. */
type Found =
  | { state: 'absent' }
  | { state: 'same' }
  | { state: 'ours'; was: string }
  | { state: 'foreign'; was: string }
  | { state: 'directory' };

interface Step {
  item: Item;
  /** The target under --root. */
  at: string;
  found: Found;
}

/** "installed X" when done, "would install X" in a dry run. */
const did = (dryRun: boolean, verb: string, past: string) => (dryRun ? `would ${verb}` : past);

const wasOf = (f: Found) => ('was' in f ? f.was : 'a directory');

const isUnder = (p: string, dir: string) => p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/** "EACCES: permission denied, open '/x'" -> "permission denied (EACCES)". */
function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const m = /^[A-Z0-9]+: ([^,]+)/.exec(e.message ?? '');
  return e.code && m ? `${m[1]} (${e.code})` : String(e.message ?? err);
}

function fsStep<T>(what: string, p: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new Error(`${what} ${p}: ${reason(err)}`);
  }
}

/** One word of a unit file setting: '%' (specifiers), backslash and '"' escaped, quoted if it has blanks. */
function unitWord(text: string): string {
  const escaped = text.replace(/\\/g, '\\\\').replace(/%/g, '%%').replace(/"/g, '\\"');
  return /\s/.test(text) ? `"${escaped}"` : escaped;
}

/**
 * The unit as installed: the shipped one, plus what the location of the
 * checkout and of node need. systemd runs the service with its own PATH, and
 * ProtectHome=yes hides /home, /root and /run/user: code there is bound in
 * read-only over an empty tmpfs instead.
 */
export function renderUnit(template: string, env: { repo: string; nodeDir: string }): string {
  let unit = template;
  if (!SYSTEMD_PATH.split(':').includes(env.nodeDir)) {
    const exec = /^ExecStart=.*$/m;
    if (!exec.test(unit)) throw new Error('the shipped unit has no ExecStart= line');
    const setting = `Environment=${unitWord(`PATH=${env.nodeDir}:${SYSTEMD_PATH}`)}`;
    unit = unit.replace(exec, (line) => `${line}\n# Added by straceback install: node is in ${env.nodeDir}.\n${setting}`);
  }
  const binds: string[] = [];
  for (const dir of [env.repo, env.nodeDir]) {
    if (HOME_DIRS.some((h) => isUnder(dir, h)) && !binds.some((b) => isUnder(dir, b))) binds.push(dir);
  }
  if (binds.length) {
    const protect = /^ProtectHome=yes$/m;
    if (!protect.test(unit)) throw new Error('the shipped unit has no ProtectHome=yes line');
    // ':' would split a bind into source:destination.
    const words = binds.map((b) => unitWord(b).replace(/:/g, '\\:')).join(' ');
    unit = unit.replace(protect, `# Added by straceback install: the code lives in a home directory.\nProtectHome=tmpfs\nBindReadOnlyPaths=${words}`);
  }
  return unit;
}

/** The hooks.d config as installed: the shipped one, running the installed hook. */
export function renderHookConfig(template: string): string {
  const config = JSON.parse(template) as { hook?: { path?: string } };
  if (!config.hook || typeof config.hook !== 'object') throw new Error('the shipped hooks.d config has no "hook" object');
  config.hook.path = HOOK_PATH;
  return `${JSON.stringify(config, null, 2)}\n`;
}

function hookConfigIsOurs(text: string): boolean {
  try {
    return (JSON.parse(text) as { hook?: { path?: unknown } })?.hook?.path === HOOK_PATH;
  } catch {
    return false;
  }
}

function readSource(repo: string, rel: string): string {
  return fsStep('reading', path.join(repo, rel), () => fs.readFileSync(path.join(repo, rel), 'utf8'));
}

function needSource(repo: string, rel: string, executable: boolean): string {
  const p = path.join(repo, rel);
  try {
    fs.accessSync(p, executable ? fs.constants.X_OK : fs.constants.R_OK);
  } catch (err) {
    throw new Error(`${p}: ${reason(err)}; is this checkout complete and built (npm run build)?`);
  }
  return p;
}

function items(repo: string): Item[] {
  return [
    { kind: 'link', target: BIN_PATH, source: needSource(repo, 'bin/straceback', true) },
    { kind: 'link', target: HOOK_PATH, source: needSource(repo, 'bin/straceback-hook', true) },
    { kind: 'link', target: DOCS_PATH, source: needSource(repo, 'docs', true) },
    {
      kind: 'file',
      target: UNIT_PATH,
      content: renderUnit(readSource(repo, 'systemd/straceback.service'), { repo, nodeDir: path.dirname(process.execPath) }),
      mode: 0o644,
      ours: (text) => text.split('\n').includes(UNIT_MARKER),
    },
    {
      kind: 'file',
      target: HOOKS_D_PATH,
      content: renderHookConfig(readSource(repo, 'hooks/hooks.d/straceback.json')),
      mode: 0o644,
      ours: hookConfigIsOurs,
    },
  ];
}

/** Where two texts first differ, for "updated … (was …)". */
function firstDifference(old: string, now: string): string {
  const a = old.split('\n');
  const b = now.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      const line = a[i] === undefined ? 'end of file' : JSON.stringify(a[i].length > 60 ? `${a[i].slice(0, 60)}…` : a[i]);
      return `an older version, line ${i + 1}: ${line}`;
    }
  }
  return 'an older version';
}

function inspect(item: Item, at: string, repo: string): Found {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(at);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    throw new Error(`looking at ${at}: ${reason(err)}`);
  }
  if (st.isDirectory()) return { state: 'directory' };
  if (st.isSymbolicLink()) {
    const to = fsStep('reading the link', at, () => fs.readlinkSync(at));
    if (item.kind === 'link' && to === item.source) return { state: 'same' };
    const resolved = path.resolve(path.dirname(at), to);
    if (item.kind === 'link' && isUnder(resolved, repo)) return { state: 'ours', was: `a link to ${to}` };
    return { state: 'foreign', was: `a link to ${to}` };
  }
  if (item.kind === 'link' || !st.isFile()) return { state: 'foreign', was: st.isFile() ? 'a file' : 'not a regular file' };
  const text = fsStep('reading', at, () => fs.readFileSync(at, 'utf8'));
  if (!item.ours(text)) return { state: 'foreign', was: 'a file straceback install did not write' };
  if (text === item.content && (st.mode & 0o7777) === item.mode) return { state: 'same' };
  if (text === item.content) return { state: 'ours', was: `mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}` };
  return { state: 'ours', was: firstDifference(text, item.content) };
}

function checkRoot(root: string): string {
  const abs = path.resolve(root);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch (err) {
    throw new UsageError(`--root ${root}: ${reason(err)}`);
  }
  if (!st.isDirectory()) throw new UsageError(`--root ${root}: not a directory`);
  return abs;
}

const under = (root: string, p: string) => (root === '/' ? p : path.join(root, p));

/** mkdir -p, one level at a time so an error names the directory that could not be made. */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
  for (const d of missing) {
    fsStep('creating the directory', d, () => {
      fs.mkdirSync(d);
      fs.chmodSync(d, 0o755); // the umask may have narrowed it
    });
  }
}

/** Replaces `at` in one rename, so a reader never sees it half written or missing. */
function put(item: Item, at: string): void {
  makeDirs(path.dirname(at));
  const tmp = path.join(path.dirname(at), `.${path.basename(at)}.straceback-${process.pid}`);
  fsStep('writing', at, () => {
    fs.rmSync(tmp, { force: true });
    try {
      if (item.kind === 'link') {
        fs.symlinkSync(item.source, tmp);
      } else {
        fs.writeFileSync(tmp, item.content, { mode: item.mode });
        fs.chmodSync(tmp, item.mode); // the umask may have narrowed it
      }
      fs.renameSync(tmp, at);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
  });
}

/** systemd is the running init: the sd_booted() test. */
function systemdRuns(): boolean {
  return fs.existsSync('/run/systemd/system');
}

interface Systemctl {
  /** The prefix of every call: --root=DIR unless talking to the running systemd. */
  args: string[];
  live: boolean;
}

function systemctlFor(root: string): Systemctl {
  const live = root === '/' && systemdRuns();
  return { live, args: live ? [] : [`--root=${root}`] };
}

function systemctl(sc: Systemctl, args: string[], check = true): { status: number; stdout: string } {
  const r = spawnSync('systemctl', [...sc.args, ...args], { encoding: 'utf8' });
  if (r.error) throw new Error(`systemctl ${args.join(' ')}: ${reason(r.error)}`);
  if (check && r.status !== 0) {
    throw new Error(`systemctl ${[...sc.args, ...args].join(' ')} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim()}`);
  }
  return { status: r.status ?? 1, stdout: r.stdout.trim() };
}

function containerdPresent(root: string): boolean {
  return ['/etc/containerd', '/usr/bin/containerd', '/usr/local/bin/containerd'].some((p) => fs.existsSync(under(root, p)));
}

export async function installCommand(opts: InstallOptions): Promise<number> {
  const out = opts.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const root = checkRoot(opts.root);
  const sc = systemctlFor(root);
  if (opts.now && !sc.live) {
    throw new UsageError('--now starts the daemon, which needs systemd running as PID 1 and --root /; use --enable to enable it for the next boot');
  }
  const repo = repoRoot();
  const steps: Step[] = items(repo).map((item) => {
    const at = under(root, item.target);
    return { item, at, found: inspect(item, at, repo) };
  });

  const blocked = steps.filter((s) => s.found.state === 'directory' || (s.found.state === 'foreign' && !opts.force));
  if (blocked.length) {
    const lines = blocked.map((s) =>
      s.found.state === 'directory'
        ? `${s.at} is a directory; straceback install puts a ${s.item.kind} there: move it away`
        : `${s.at} exists and is not straceback's (${wasOf(s.found)}): move it away, or use --force to replace it`,
    );
    throw new Error(`install${opts.dryRun ? ' (dry run)' : ''} would overwrite what is not ours, so nothing was changed:\n  ${lines.join('\n  ')}`);
  }

  let unitChanged = false;
  let changed = false;
  for (const s of steps) {
    const f = s.found;
    if (f.state === 'same') {
      out(`already installed: ${s.at}`);
      continue;
    }
    if (!opts.dryRun) put(s.item, s.at);
    out(f.state === 'absent' ? `${did(opts.dryRun, 'install', 'installed')} ${s.at}` : `${did(opts.dryRun, 'update', 'updated')} ${s.at} (was ${wasOf(f)})`);
    changed = true;
    if (s.item.target === UNIT_PATH) unitChanged = true;
  }

  if (unitChanged && sc.live) {
    if (!opts.dryRun) systemctl(sc, ['daemon-reload']);
    out(`${did(opts.dryRun, 'run', 'ran')} systemctl daemon-reload`);
  }
  if (opts.enable || opts.now) {
    enable(sc, root, opts, out);
  } else if (changed && sc.live) {
    out(`start it at boot and now with: systemctl enable --now ${UNIT_NAME} (or straceback install --now)`);
  }
  if (containerdPresent(root)) {
    out(`containerd reads no hooks dir: add the hooks from ${path.join(repo, 'hooks', 'containerd')}/ to its config yourself (${under(root, '/etc/containerd/config.toml')} is left as it is)`);
  }
  return 0;
}

function enable(sc: Systemctl, root: string, opts: InstallOptions, out: (line: string) => void): void {
  // In a dry run the unit may not be there yet for systemctl to read: then it is not enabled.
  const enabled = fs.existsSync(under(root, UNIT_PATH)) && systemctl(sc, ['is-enabled', UNIT_NAME], false).stdout === 'enabled';
  if (enabled) {
    out(`already enabled: ${UNIT_NAME}`);
  } else {
    if (!opts.dryRun) systemctl(sc, ['enable', UNIT_NAME]);
    out(`${did(opts.dryRun, 'enable', 'enabled')} ${UNIT_NAME}${sc.live ? '' : ` in ${root}`} (started at boot)`);
  }
  if (!opts.now) return;
  if (systemctl(sc, ['is-active', UNIT_NAME], false).stdout === 'active') {
    out(`already running: ${UNIT_NAME} (systemctl restart ${UNIT_NAME} applies a changed unit or new code)`);
  } else {
    if (!opts.dryRun) systemctl(sc, ['start', UNIT_NAME]);
    out(`${did(opts.dryRun, 'start', 'started')} ${UNIT_NAME}`);
  }
}

export async function uninstallCommand(opts: UninstallOptions): Promise<number> {
  const out = opts.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const root = checkRoot(opts.root);
  const sc = systemctlFor(root);
  const repo = repoRoot();
  // What to remove is decided by what is there, not by what this checkout would install now.
  const targets: { item: Item; at: string }[] = [
    { item: { kind: 'link', target: BIN_PATH, source: path.join(repo, 'bin/straceback') }, at: under(root, BIN_PATH) },
    { item: { kind: 'link', target: HOOK_PATH, source: path.join(repo, 'bin/straceback-hook') }, at: under(root, HOOK_PATH) },
    { item: { kind: 'link', target: DOCS_PATH, source: path.join(repo, 'docs') }, at: under(root, DOCS_PATH) },
    {
      item: { kind: 'file', target: UNIT_PATH, content: '', mode: 0o644, ours: (text) => text.split('\n').includes(UNIT_MARKER) },
      at: under(root, UNIT_PATH),
    },
    { item: { kind: 'file', target: HOOKS_D_PATH, content: '', mode: 0o644, ours: hookConfigIsOurs }, at: under(root, HOOKS_D_PATH) },
  ];
  let unitRemoved = false;
  for (const { item, at } of targets) {
    const f = inspect(item, at, repo);
    if (f.state === 'absent') {
      out(`not installed: ${at}`);
      continue;
    }
    if (f.state === 'directory' || f.state === 'foreign') {
      out(`kept ${at}: straceback install did not make it (${f.state === 'directory' ? 'a directory' : f.was})`);
      continue;
    }
    if (item.target === UNIT_PATH) {
      disable(sc, opts.dryRun, out);
      unitRemoved = true;
    }
    if (!opts.dryRun) fsStep('removing', at, () => fs.rmSync(at));
    out(`${did(opts.dryRun, 'remove', 'removed')} ${at}`);
  }
  if (unitRemoved && sc.live) {
    if (!opts.dryRun) systemctl(sc, ['daemon-reload']);
    out(`${did(opts.dryRun, 'run', 'ran')} systemctl daemon-reload`);
  }
  // The stopped daemon left its programs and rings pinned (recording) for a restart that will not come.
  if (path.resolve(root) === '/') {
    const pins = pinDirFor(DEFAULT_RUN_DIR);
    if (fs.existsSync(pins)) {
      try {
        if (!opts.dryRun) releasePins(pins);
        out(`${did(opts.dryRun, 'release', 'released')} the pinned BPF programs and rings in ${pins}`);
      } catch (err) {
        out(`kept ${pins}: ${(err as Error).message}`);
      }
    }
  }
  const state = under(root, '/var/lib/straceback');
  if (fs.existsSync(state)) out(`kept ${state}: the archives of exited containers (remove it yourself when they are not needed)`);
  return 0;
}

/** Stops and disables the unit before its file goes, so no dangling wants link is left. */
function disable(sc: Systemctl, dryRun: boolean, out: (line: string) => void): void {
  let enabled: boolean;
  try {
    enabled = systemctl(sc, ['is-enabled', UNIT_NAME], false).stdout === 'enabled';
  } catch {
    return; // no systemctl: nothing can have enabled it
  }
  if (sc.live && systemctl(sc, ['is-active', UNIT_NAME], false).stdout === 'active') {
    if (!dryRun) systemctl(sc, ['stop', UNIT_NAME]);
    out(`${did(dryRun, 'stop', 'stopped')} ${UNIT_NAME}`);
  }
  if (enabled) {
    if (!dryRun) systemctl(sc, ['disable', UNIT_NAME]);
    out(`${did(dryRun, 'disable', 'disabled')} ${UNIT_NAME}`);
  }
}
