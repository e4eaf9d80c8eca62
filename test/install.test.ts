/**
 * `straceback install | uninstall` run as a user runs them, into temporary
 * --root dirs; the unit checked with systemd-analyze verify as shipped and as
 * installed.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN_PATH, DOCS_PATH, HOOKS_D_PATH, HOOK_PATH, UNIT_MARKER, UNIT_PATH, renderUnit } from '../recorder/install';
import { repoRoot } from '../recorder/paths';

const repo = repoRoot();
const cli = path.join(repo, 'bin', 'straceback');
const shippedUnit = path.join(repo, 'systemd', 'straceback.service');
const TARGETS = [BIN_PATH, HOOK_PATH, DOCS_PATH, UNIT_PATH, HOOKS_D_PATH];

const run = (args: string[]) => spawnSync(cli, args, { encoding: 'utf8', timeout: 60_000 });
const lines = (text: string) => text.split('\n').filter((l) => l !== '');

const made: string[] = [];
const tempDir = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
};

test.after.always(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** Every entry under root with its type, mode, mtime and content or link target. */
function snapshot(root: string): Record<string, string> {
  const seen: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir)) {
      const p = path.join(dir, name);
      const st = fs.lstatSync(p, { bigint: true });
      const what = st.isSymbolicLink() ? `-> ${fs.readlinkSync(p)}` : st.isFile() ? fs.readFileSync(p, 'utf8') : 'dir';
      seen[path.relative(root, p)] = `${st.mode.toString(8)} ${st.mtimeNs} ${what}`;
      if (st.isDirectory()) walk(p);
    }
  };
  walk(root);
  return seen;
}

/**
 * systemd-analyze verify also checks that ExecStart's program exists, so it
 * runs in a private mount namespace whose /usr/local/bin is binDir: the host's
 * is never touched. Any message at all (unknown key, bad value) is a failure.
 */
function verify(unitFile: string, binDir: string) {
  const r = spawnSync(
    'unshare',
    ['-m', '--propagation', 'private', 'sh', '-c', 'mount --bind "$1" /usr/local/bin && exec systemd-analyze verify "$2"', 'sh', binDir, unitFile],
    { encoding: 'utf8', timeout: 60_000 },
  );
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

/** A /usr/local/bin holding only the launcher link, for the unit as shipped. */
function launcherBinDir(): string {
  const dir = tempDir('sb-bin-');
  fs.symlinkSync(path.join(repo, 'bin', 'straceback'), path.join(dir, 'straceback'));
  return dir;
}

/** A copy of the shipped unit with one line changed, under the name verify needs. */
function unitVariant(from: RegExp, to: string): string {
  const text = fs.readFileSync(shippedUnit, 'utf8');
  if (!from.test(text)) throw new Error(`${from} is not in the shipped unit`);
  const file = path.join(tempDir('sb-unit-'), 'straceback.service');
  fs.writeFileSync(file, text.replace(from, to));
  return file;
}

test('the unit as shipped passes systemd-analyze verify without a message', (t) => {
  const r = verify(shippedUnit, launcherBinDir());
  t.is(r.output, '');
  t.is(r.status, 0);
});

test('systemd-analyze verify as used here reports a misspelt directive and a bad value', (t) => {
  // Proves the check above can fail: verify exits 0 on these, only its message tells.
  const typo = verify(unitVariant(/^ProtectHome=yes$/m, 'ProtectHomme=yes'), launcherBinDir());
  t.regex(typo.output, /Unknown key 'ProtectHomme'/);
  const value = verify(unitVariant(/^ProtectSystem=strict$/m, 'ProtectSystem=strictly'), launcherBinDir());
  t.regex(value.output, /Failed to parse protect system value, ignoring: strictly/);
});

test('the unit keeps the hardening a BPF tracer can live with', (t) => {
  const unit = fs.readFileSync(shippedUnit, 'utf8');
  t.regex(unit, /^ExecStart=\/usr\/local\/bin\/straceback daemon /m);
  t.regex(unit, /^CapabilityBoundingSet=CAP_BPF CAP_PERFMON CAP_SYS_ADMIN CAP_SYS_PTRACE CAP_DAC_READ_SEARCH$/m);
  t.regex(unit, /^RuntimeDirectory=straceback$/m);
  t.regex(unit, /^RuntimeDirectoryMode=0700$/m);
  t.regex(unit, /^StateDirectory=straceback$/m);
  t.regex(unit, /^ReadWritePaths=-\/sys\/fs\/bpf$/m);
  t.notRegex(unit, /^MemoryDenyWriteExecute=/m, "V8's JIT needs writable code");
  t.notRegex(unit, /^PrivateUsers=/m, 'BPF needs capabilities in the host user namespace');
  t.true(unit.split('\n').includes(UNIT_MARKER));
});

test('install into an empty root, then again: the second run changes nothing', (t) => {
  const root = tempDir('sb-root-');
  const first = run(['install', '--root', root]);
  t.is(first.status, 0, first.stderr);
  t.deepEqual(lines(first.stdout), TARGETS.map((p) => `installed ${root}${p}`));
  t.is(first.stderr, '');

  t.is(fs.readlinkSync(path.join(root, BIN_PATH)), path.join(repo, 'bin', 'straceback'));
  t.is(fs.readlinkSync(path.join(root, HOOK_PATH)), path.join(repo, 'bin', 'straceback-hook'));
  t.is(fs.readlinkSync(path.join(root, DOCS_PATH)), path.join(repo, 'docs'));
  const unitFile = path.join(root, UNIT_PATH);
  t.is(fs.statSync(unitFile).mode & 0o7777, 0o644);
  t.is(fs.statSync(path.join(root, HOOKS_D_PATH)).mode & 0o7777, 0o644);
  t.is(fs.statSync(path.join(root, '/etc/containers/oci/hooks.d')).mode & 0o7777, 0o755);
  const unit = fs.readFileSync(unitFile, 'utf8');
  t.is(unit, renderUnit(fs.readFileSync(shippedUnit, 'utf8'), { repo, nodeDir: path.dirname(process.execPath) }));
  // As installed, with the root's own /usr/local/bin: its links lead into this checkout.
  const v = verify(unitFile, path.join(root, '/usr/local/bin'));
  t.is(v.output, '');
  t.is(v.status, 0);

  const before = snapshot(root);
  const second = run(['install', '--root', root]);
  t.is(second.status, 0, second.stderr);
  t.deepEqual(lines(second.stdout), TARGETS.map((p) => `already installed: ${root}${p}`));
  t.deepEqual(snapshot(root), before);
});

test('the installed hooks.d config is OCI hooks 1.0.0 running the installed hook at prestart and poststop', (t) => {
  const root = tempDir('sb-root-');
  t.is(run(['install', '--root', root]).status, 0);
  const config = JSON.parse(fs.readFileSync(path.join(root, HOOKS_D_PATH), 'utf8'));
  t.is(config.version, '1.0.0');
  t.is(config.hook.path, HOOK_PATH);
  t.deepEqual([...config.stages].sort(), ['poststop', 'prestart']);
  t.is(config.when.always, true);
  t.is(fs.realpathSync(path.join(root, config.hook.path)), fs.realpathSync(path.join(repo, 'bin', 'straceback-hook')));
});

test('uninstall removes what install made; a second uninstall is a no-op', (t) => {
  const root = tempDir('sb-root-');
  t.is(run(['install', '--root', root]).status, 0);
  const first = run(['uninstall', '--root', root]);
  t.is(first.status, 0, first.stderr);
  t.deepEqual(lines(first.stdout), TARGETS.map((p) => `removed ${root}${p}`));
  for (const p of TARGETS) t.false(fs.existsSync(path.join(root, p)) || isLink(path.join(root, p)), p);

  const before = snapshot(root);
  const second = run(['uninstall', '--root', root]);
  t.is(second.status, 0, second.stderr);
  t.deepEqual(lines(second.stdout), TARGETS.map((p) => `not installed: ${root}${p}`));
  t.deepEqual(snapshot(root), before);
});

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

test('a file or link at a target that is not ours: install exits 1 and changes nothing; --force replaces it', (t) => {
  const root = tempDir('sb-root-');
  const unitFile = path.join(root, UNIT_PATH);
  fs.mkdirSync(path.dirname(unitFile), { recursive: true });
  fs.writeFileSync(unitFile, '[Service]\nExecStart=/usr/bin/someone-else\n');
  fs.mkdirSync(path.join(root, '/usr/local/bin'), { recursive: true });
  fs.symlinkSync('/bin/true', path.join(root, BIN_PATH));
  const before = snapshot(root);

  const r = run(['install', '--root', root]);
  t.is(r.status, 1);
  t.is(r.stdout, '');
  t.true(r.stderr.includes(`${unitFile} exists and is not straceback's`), r.stderr);
  t.true(r.stderr.includes(`${root}${BIN_PATH} exists and is not straceback's (a link to /bin/true)`), r.stderr);
  t.regex(r.stderr, /--force/);
  t.deepEqual(snapshot(root), before);

  // uninstall leaves them alone too
  const u = run(['uninstall', '--root', root]);
  t.is(u.status, 0, u.stderr);
  t.true(lines(u.stdout).includes(`kept ${unitFile}: straceback install did not make it (a file straceback install did not write)`), u.stdout);
  t.deepEqual(snapshot(root), before);

  const forced = run(['install', '--root', root, '--force']);
  t.is(forced.status, 0, forced.stderr);
  t.true(lines(forced.stdout).includes(`updated ${root}${BIN_PATH} (was a link to /bin/true)`), forced.stdout);
  t.true(lines(forced.stdout).includes(`updated ${unitFile} (was a file straceback install did not write)`), forced.stdout);
  t.true(fs.readFileSync(unitFile, 'utf8').includes(UNIT_MARKER));
});

test('an older version of our own file is updated, and says what was there', (t) => {
  const root = tempDir('sb-root-');
  t.is(run(['install', '--root', root]).status, 0);
  const unitFile = path.join(root, UNIT_PATH);
  const lineCount = fs.readFileSync(unitFile, 'utf8').split('\n').length;
  fs.appendFileSync(unitFile, 'Nice=5\n');
  fs.chmodSync(path.join(root, HOOKS_D_PATH), 0o600);
  const r = run(['install', '--root', root]);
  t.is(r.status, 0, r.stderr);
  t.true(lines(r.stdout).includes(`updated ${unitFile} (was an older version, line ${lineCount}: "Nice=5")`), r.stdout);
  t.true(lines(r.stdout).includes(`updated ${root}${HOOKS_D_PATH} (was mode 0600)`), r.stdout);
  t.false(fs.readFileSync(unitFile, 'utf8').includes('Nice=5'));
  t.is(fs.statSync(path.join(root, HOOKS_D_PATH)).mode & 0o7777, 0o644);
});

test('--dry-run says what would change and changes nothing', (t) => {
  const root = tempDir('sb-root-');
  const empty = snapshot(root);
  const r = run(['install', '--root', root, '--dry-run']);
  t.is(r.status, 0, r.stderr);
  t.deepEqual(lines(r.stdout), TARGETS.map((p) => `would install ${root}${p}`));
  t.deepEqual(snapshot(root), empty);

  t.is(run(['install', '--root', root]).status, 0);
  const installed = snapshot(root);
  const u = run(['uninstall', '--root', root, '--dry-run']);
  t.is(u.status, 0, u.stderr);
  t.deepEqual(lines(u.stdout), TARGETS.map((p) => `would remove ${root}${p}`));
  t.deepEqual(snapshot(root), installed);
});

test('--enable under --root enables the unit offline; uninstall disables it first', (t) => {
  const root = tempDir('sb-root-');
  const wants = path.join(root, '/etc/systemd/system/multi-user.target.wants/straceback.service');
  const r = run(['install', '--root', root, '--enable']);
  t.is(r.status, 0, r.stderr);
  t.is(lines(r.stdout).at(-1), `enabled straceback.service in ${root} (started at boot)`);
  t.is(fs.readlinkSync(wants), UNIT_PATH);
  const again = run(['install', '--root', root, '--enable']);
  t.is(lines(again.stdout).at(-1), 'already enabled: straceback.service');
  const u = run(['uninstall', '--root', root]);
  t.is(u.status, 0, u.stderr);
  t.true(lines(u.stdout).includes('disabled straceback.service'), u.stdout);
  t.false(isLink(wants));
});

test('--now outside a running systemd is a usage error; a missing --root is one too', (t) => {
  const root = tempDir('sb-root-');
  const r = run(['install', '--root', root, '--now']);
  t.is(r.status, 2);
  t.regex(r.stderr, /--now .* needs systemd running as PID 1 and --root \//);
  t.deepEqual(snapshot(root), {});
  const missing = run(['install', '--root', path.join(root, 'nope')]);
  t.is(missing.status, 2);
  t.regex(missing.stderr, /--root .*nope: no such file or directory/);
});

test('a read-only root: exit 1 with the path that could not be written', (t) => {
  const root = tempDir('sb-root-');
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o ro tmpfs "$1" && exec "$2" install --root "$1"', 'sh', root, cli], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  t.is(r.status, 1, r.stderr);
  t.is(r.stderr, `straceback: creating the directory ${root}/usr: read-only file system (EROFS)\n`);
});

test('with containerd present, install points to the containerd snippet instead of editing its config', (t) => {
  const root = tempDir('sb-root-');
  fs.mkdirSync(path.join(root, 'etc', 'containerd'), { recursive: true });
  const r = run(['install', '--root', root]);
  t.is(r.status, 0, r.stderr);
  t.regex(lines(r.stdout).at(-1)!, new RegExp(`^containerd reads no hooks dir: add the hooks from ${repo}/hooks/containerd/ `));
  t.false(fs.existsSync(path.join(root, 'etc', 'containerd', 'config.toml')));
});

test('install and uninstall --help', (t) => {
  for (const cmd of ['install', 'uninstall']) {
    const r = run([cmd, '--help']);
    t.is(r.status, 0, r.stderr);
    t.regex(r.stdout, /--root/);
    t.regex(r.stdout, /--dry-run/);
  }
  t.regex(run(['install', '--help']).stdout, /--force[\s\S]*--enable[\s\S]*--now/);
  t.regex(run(['--help']).stdout, /install[\s\S]*uninstall/);
});

test('code in a home directory: the unit binds it read-only into an empty /home and finds node', (t) => {
  const nodeDir = '/root/.nvm/versions/node/v20.20.0/bin';
  const unit = renderUnit(fs.readFileSync(shippedUnit, 'utf8'), { repo: '/home/al ice/straceback', nodeDir });
  t.regex(unit, /^ProtectHome=tmpfs$/m);
  t.notRegex(unit, /^ProtectHome=yes$/m);
  t.true(unit.includes(`\nBindReadOnlyPaths="/home/al ice/straceback" ${nodeDir}\n`));
  t.true(unit.includes(`\nEnvironment=PATH=${nodeDir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n`));
  const file = path.join(tempDir('sb-unit-'), 'straceback.service');
  fs.writeFileSync(file, unit);
  const v = verify(file, launcherBinDir());
  t.is(v.output, '');
  t.is(v.status, 0);
  // Outside home directories, with node in systemd's PATH, the unit is installed as shipped.
  t.is(renderUnit(fs.readFileSync(shippedUnit, 'utf8'), { repo: '/opt/straceback', nodeDir: '/usr/bin' }), fs.readFileSync(shippedUnit, 'utf8'));
});
