/**
 * deploy/kubernetes/: every manifest validates against the Kubernetes API
 * schemas (kubernetes-models, offline), and the DaemonSet has what a node
 * tracer needs: host pids, privileges, the host paths the hooks and the
 * daemon share, a readiness probe on /healthz, and the shipped hooks.d file.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../recorder/paths';

const DIR = path.join(repoRoot(), 'deploy', 'kubernetes');

interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

function manifests(): Manifest[] {
  const out: Manifest[] = [];
  for (const f of fs.readdirSync(DIR).filter((n) => n.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(DIR, f), 'utf8'))) {
      if (doc.errors.length) throw new Error(`${f}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const body = doc.toJS();
      if (body) out.push({ file: f, apiVersion: body.apiVersion, kind: body.kind, body });
    }
  }
  return out;
}

// The model classes of the kinds we ship, by apiVersion/kind.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const models: Record<string, new (data: unknown) => { validate(): void }> = {
  'v1/Namespace': require('kubernetes-models/v1').Namespace,
  'v1/ConfigMap': require('kubernetes-models/v1').ConfigMap,
  'apps/v1/DaemonSet': require('kubernetes-models/apps/v1').DaemonSet,
};

function validate(m: Manifest): void {
  const Model = models[`${m.apiVersion}/${m.kind}`];
  if (!Model) throw new Error(`${m.file}: no schema for ${m.apiVersion} ${m.kind}`);
  new Model(m.body).validate();
}

test('every manifest validates against the Kubernetes schema', (t) => {
  const all = manifests();
  t.deepEqual(all.map((m) => m.kind).sort(), ['ConfigMap', 'DaemonSet', 'Namespace']);
  for (const m of all) t.notThrows(() => validate(m), `${m.file} ${m.kind}`);
});

test('the validation catches a broken manifest', (t) => {
  const ds = manifests().find((m) => m.kind === 'DaemonSet')!;
  const broken = structuredClone(ds);
  broken.body.spec.template.spec.hostPID = 'yes';
  t.throws(() => validate(broken), { message: /hostPID must be boolean/ });
  const noImage = structuredClone(ds);
  delete noImage.body.spec.template.spec.containers[0].name;
  t.throws(() => validate(noImage), { message: /name/ });
});

test('the DaemonSet: host pids, privileged, shared host paths, readiness on /healthz', (t) => {
  const ds = manifests().find((m) => m.kind === 'DaemonSet')!.body;
  const pod = ds.spec.template.spec;
  t.true(pod.hostPID);
  const daemon = pod.containers.find((c: { name: string }) => c.name === 'straceback');
  t.true(daemon.securityContext.privileged);
  t.deepEqual(daemon.command.slice(-1), ['daemon']);
  t.regex(daemon.readinessProbe.exec.command.join(' '), /--unix-socket \/run\/straceback\/api\.sock http:\/\/localhost\/healthz/);
  const hostPaths = new Map<string, string>(pod.volumes.filter((v: { hostPath?: unknown }) => v.hostPath).map((v: { name: string; hostPath: { path: string } }) => [v.name, v.hostPath.path]));
  const mounted = (c: { volumeMounts: { name: string; mountPath: string }[] }) => new Map(c.volumeMounts.map((m) => [hostPaths.get(m.name), m.mountPath]));
  const m = mounted(daemon);
  t.is(m.get('/run/straceback'), '/run/straceback', 'the hooks on the host reach the sockets');
  t.is(m.get('/var/lib/straceback'), '/var/lib/straceback', 'archives on the host');
  t.is(m.get('/sys/fs/bpf'), '/sys/fs/bpf');
  t.is(m.get('/run'), '/host/run', 'runtime state dirs for discovery');
  for (const d of daemon.args.filter((a: string) => a.startsWith('--discover='))) t.true(d.startsWith('--discover=/host/run/'));
  const init = pod.initContainers.find((c: { name: string }) => c.name === 'install-hook');
  const im = mounted(init);
  t.is(im.get('/etc/containers/oci/hooks.d'), '/host/etc/containers/oci/hooks.d', 'CRI-O reads hooks.d on the host');
  t.is(im.get('/opt/straceback'), '/host/opt/straceback');
});

test("the ConfigMap's hooks.d file is the shipped one, with the host install path", (t) => {
  const cm = manifests().find((m) => m.kind === 'ConfigMap')!.body;
  const inCluster = JSON.parse(cm.data['straceback.json']);
  const shipped = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'hooks', 'hooks.d', 'straceback.json'), 'utf8'));
  t.is(inCluster.hook.path, '/opt/straceback/bin/straceback-hook');
  t.true(inCluster.hook.env.some((e: string) => e.startsWith('PATH=/opt/straceback/node/bin:')));
  delete inCluster.hook.path;
  delete inCluster.hook.env;
  delete shipped.hook.path;
  delete shipped.hook.env;
  t.deepEqual(inCluster, shipped);
});
