// Reads the CLI's -f inputs (files, directories searched recursively, `-` for stdin) and parses every document,
// collecting the problems of all inputs at once; the only file-system I/O on the way from manifests to a cluster.

import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Problem } from '../../core/errors.js';
import { ManifestCache, ManifestDoc, parseManifests } from '../../core/manifests.js';

/** File extensions read from directories, as kubectl's resource builder recognizes them. */
export const MANIFEST_EXTENSIONS = ['.json', '.yaml', '.yml'] as const;

/** The name stdin documents are reported under. */
export const STDIN_NAME = '<stdin>';

export interface ReadInputsResult {
  docs: ManifestDoc[];
  problems: Problem[];
  /** Every file read, in reading order (stdin excluded): what a watcher should watch. */
  files: string[];
}

async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function ioMessage(path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${path}: no such file or directory`;
  if (code === 'EACCES' || code === 'EPERM') return `${path}: permission denied`;
  if (code === 'EISDIR') return `${path}: is a directory`;
  return `${path}: ${(e as Error).message}`;
}

/** The manifest files under `dir`, recursively, sorted by name at each level so the order is deterministic. */
async function walk(dir: string, visited: Set<string>, out: string[], problems: Problem[]): Promise<void> {
  // A symlink loop would otherwise recurse forever.
  const real = await realpath(dir);
  if (visited.has(real)) return;
  visited.add(real);
  const names = (await readdir(dir)).sort();
  for (const name of names) {
    const p = join(dir, name);
    let s;
    try {
      s = await stat(p);
    } catch (e) {
      problems.push({ error: { message: ioMessage(p, e) } });
      continue;
    }
    if (s.isDirectory()) await walk(p, visited, out, problems);
    else if ((MANIFEST_EXTENSIONS as readonly string[]).includes(extname(name))) out.push(p);
  }
}

/**
 * Reads and parses every input. `paths` are files (read whatever their extension), directories (every .yaml,
 * .yml and .json file below them) or `-` for stdin (read once, reported as `<stdin>`). A file reached twice is
 * read once. Problems (missing paths, unreadable files, malformed documents) are collected from all inputs;
 * the caller must not apply anything when there are any.
 *
 * @example
 * const { docs, problems, files } = await readInputs(['manifests/', 'extra.yaml']);
 */
export async function readInputs(paths: string[], readStdin: () => Promise<string> = readProcessStdin, cache?: ManifestCache): Promise<ReadInputsResult> {
  const result: ReadInputsResult = { docs: [], problems: [], files: [] };
  const readFiles = new Set<string>();
  const visitedDirs = new Set<string>();
  let stdinRead = false;
  const parse = (text: string, name: string) => {
    const { docs, problems } = parseManifests(text, name, cache);
    result.docs.push(...docs);
    result.problems.push(...problems);
  };
  const readOne = async (file: string) => {
    let real: string;
    try {
      real = await realpath(file);
      if (readFiles.has(real)) return;
      readFiles.add(real);
      const text = await readFile(file, 'utf8');
      result.files.push(file);
      parse(text, file);
    } catch (e) {
      result.problems.push({ error: { message: ioMessage(file, e) } });
    }
  };

  for (const path of paths) {
    if (path === '-') {
      if (stdinRead) {
        result.problems.push({ error: { message: '-: standard input can be read only once' } });
        continue;
      }
      stdinRead = true;
      parse(await readStdin(), STDIN_NAME);
      continue;
    }
    let s;
    try {
      s = await stat(path);
    } catch (e) {
      result.problems.push({ error: { message: ioMessage(path, e) } });
      continue;
    }
    if (!s.isDirectory()) {
      await readOne(path);
      continue;
    }
    const files: string[] = [];
    const problemsBefore = result.problems.length;
    try {
      await walk(path, visitedDirs, files, result.problems);
    } catch (e) {
      result.problems.push({ error: { message: ioMessage(path, e) } });
      continue;
    }
    if (files.length === 0 && result.problems.length === problemsBefore)
      result.problems.push({ error: { message: `${path}: no manifest files in directory (recognized file extensions are ${MANIFEST_EXTENSIONS.join(', ')})` } });
    for (const f of files) await readOne(f);
  }
  return result;
}
