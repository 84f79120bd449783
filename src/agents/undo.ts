/**
 * Undo: the transcript holds, for every file the agent wrote, its previous content. Restoring
 * writes those back (or removes files the agent created), newest change first, and records which
 * changes were undone so they are never undone twice.
 */
import {mkdir, rm, writeFile} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import type {FileRecord} from './transcript.js';

export interface Change {
  record: FileRecord;
  /** Index among the session's file records. */
  index: number;
}

function live(files: readonly FileRecord[], undone: ReadonlySet<number>): Change[] {
  return files.map((record, index) => ({record, index})).filter(({record, index}) => record.applied && !undone.has(index));
}

/** The last `writes` changes not yet undone. */
export function lastWrites(files: readonly FileRecord[], undone: ReadonlySet<number>, writes: number): Change[] {
  const l = live(files, undone);
  return l.slice(Math.max(0, l.length - Math.max(0, writes)));
}

/** Every change made after tool step `step` (0: all of them). */
export function changesAfter(files: readonly FileRecord[], undone: ReadonlySet<number>, step: number): Change[] {
  return live(files, undone).filter((c) => c.record.step > step);
}

/** Writes the previous contents back, newest first; returns the paths restored. */
export async function restoreChanges(workspace: string, changes: readonly Change[]): Promise<string[]> {
  const restored = new Set<string>();
  for (const {record} of [...changes].reverse()) {
    const abs = join(workspace, record.path);
    if (record.before === null) await rm(abs, {force: true});
    else {
      await mkdir(dirname(abs), {recursive: true});
      await writeFile(abs, record.before, 'utf8');
    }
    restored.add(record.path);
  }
  return [...restored];
}
