import { lstatSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Makes sure the data directory exists, creating it and missing parents one level at a time.
 * Returns the problem ("dataDir <path>: <reason>"), or undefined when the directory is there.
 *
 * Deliberately not `mkdirSync(dir, { recursive: true })`: Node's recursive mkdir steps back to the
 * parent on ENOENT and forward again once the parent exists, with no limit. Under /proc (or a
 * dangling symlink) the parent exists yet mkdir of the child keeps answering ENOENT, so the call
 * never returns and burns a core. Here every path is tried once, so the walk always ends.
 */
export function ensureDataDir(dataDir: string): string | undefined {
  const missing: string[] = [];
  let current = resolve(dataDir);
  for (;;) {
    try {
      if (statSync(current).isDirectory()) break;
      return `dataDir ${dataDir}: ${current} is not a directory`;
    } catch (error) {
      const code = errorCode(error);
      const parent = dirname(current);
      // ENOTDIR: a file higher up; walking back finds it and names it.
      if ((code === 'ENOENT' || code === 'ENOTDIR') && parent !== current) {
        missing.push(current);
        current = parent;
        continue;
      }
      return `dataDir ${dataDir}: cannot use ${current}: ${fsReason(error)}`;
    }
  }
  for (const path of missing.reverse()) {
    try {
      mkdirSync(path);
    } catch (error) {
      if (errorCode(error) !== 'EEXIST')
        return `dataDir ${dataDir}: cannot create ${path}: ${fsReason(error)}`;
      // Made meanwhile by someone else (fine), or something that is not a directory.
      try {
        if (!statSync(path).isDirectory()) return `dataDir ${dataDir}: ${path} is not a directory`;
      } catch (statError) {
        const dangling = lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink();
        return dangling
          ? `dataDir ${dataDir}: ${path} is a symbolic link to a missing target`
          : `dataDir ${dataDir}: cannot use ${path}: ${fsReason(statError)}`;
      }
    }
  }
  return undefined;
}

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** "no such file or directory (ENOENT)" from "ENOENT: no such file or directory, mkdir '/x'". */
export function fsReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = errorCode(error);
  const text = /^[A-Z0-9_]+: ([^,]+)/.exec(message)?.[1];
  return text && code ? `${text} (${code})` : message;
}
