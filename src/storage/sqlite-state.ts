// Durable state for `flatnet up`: every object and the store's resourceVersion in an embedded SQLite database,
// written in one transaction per change, so a restart (or a kill -9) keeps every allocation.

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { keyOf } from '../core/objects.js';
import type { StoreEvent } from '../core/store.js';
import type { KubeObject } from '../core/types.js';

export class SqliteState {
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly setMeta: Database.Statement;

  private constructor(readonly path: string) {
    this.db = new Database(path);
    // WAL survives the process being killed at any point; NORMAL sync is durable against process crashes.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS objects (key TEXT PRIMARY KEY, json TEXT NOT NULL)');
    this.db.exec('CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
    this.upsert = this.db.prepare('INSERT INTO objects (key, json) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET json = excluded.json');
    this.remove = this.db.prepare('DELETE FROM objects WHERE key = ?');
    this.setMeta = this.db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value');
  }

  /** Opens (creating if needed) the state database in `dir`. */
  static open(dir: string): SqliteState {
    mkdirSync(dir, { recursive: true });
    return new SqliteState(join(dir, 'state.db'));
  }

  load(): { objects: KubeObject[]; resourceVersion: number } {
    const rows = this.db.prepare('SELECT json FROM objects ORDER BY key').all() as { json: string }[];
    const rv = this.db.prepare("SELECT value FROM meta WHERE name = 'resourceVersion'").get() as { value: string } | undefined;
    return { objects: rows.map((r) => JSON.parse(r.json) as KubeObject), resourceVersion: rv ? Number(rv.value) : 0 };
  }

  /** Writes one batch of store events and the new resourceVersion atomically. */
  save(events: StoreEvent[], resourceVersion: number): void {
    const tx = this.db.transaction(() => {
      for (const e of events) {
        if (e.type === 'DELETED') this.remove.run(keyOf(e.object));
        else this.upsert.run(keyOf(e.object), JSON.stringify(e.object));
      }
      this.setMeta.run('resourceVersion', String(resourceVersion));
    });
    tx();
  }

  close(): void {
    this.db.close();
  }
}
