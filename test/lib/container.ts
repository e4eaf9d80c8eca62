/**
 * A made-up container row for dumps that tests and benchmarks write.
 */
import { ContainerInfo } from '../../recorder/daemon/api';

/** A running container with every optional field empty, unless the fields given say otherwise. */
export function containerInfo(fields: Partial<ContainerInfo> = {}): ContainerInfo {
  return {
    id: 'c1',
    name: 'c1',
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
