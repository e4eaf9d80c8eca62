/** Boot clock (what the kernel stamps records with) to wall clock. */
import { native } from './native';

/** realtime - boottime, in ns; sampled once per process. */
let offset: bigint | undefined;

export function bootToWallOffsetNs(): bigint {
  if (offset === undefined) offset = native().clockOffsetNs();
  return offset;
}

export function bootToWallNs(bootNs: bigint, off: bigint = bootToWallOffsetNs()): bigint {
  return bootNs + off;
}
