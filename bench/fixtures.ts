/**
 * What the sink benchmarks write as the dump's container row: a made-up
 * container named "bench", running unless the fields given say otherwise.
 */
import { ContainerInfo } from '../recorder/daemon/api';

export function benchContainer(fields: Partial<ContainerInfo> = {}): ContainerInfo {
  return {
    id: 'bench',
    name: 'bench',
    pod: null,
    namespace: null,
    runtime: null,
    pid: 1,
    mntns: '0',
    state: 'running',
    startedAt: new Date().toISOString(),
    exitedAt: null,
    exitCode: null,
    events: 0,
    overwritten: 0,
    lost: 0,
    completeSince: null,
    bundle: null,
    labels: {},
    ...fields,
  };
}
