import fs from 'node:fs';
import path from 'node:path';

let root: string | undefined;

/** The repository root: the nearest folder above this file with package.json. */
export function repoRoot(): string {
  if (root) return root;
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = up;
  }
  root = dir;
  return dir;
}
