// Durable state for `flatnet up`: every object and the store's resourceVersion in an embedded SQLite database,
// written in one transaction per change, so a restart (or a kill -9) keeps every allocation.

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { keyOf } from '../core/objects.js';
import type { StoreEvent } from '../core/store.js';
import type { KubeObject } from '../core/types.js';
import type { ApiLayerEntry, LayerChange } from '../controllers/desired-layer.js';

export class SqliteState {
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly setMeta: Database.Statement;
  private readonly upsertApi: Database.Statement;
  private readonly removeApi: Database.Statement;

  private constructor(readonly path: string) {
    this.db = new Database(path);
    // WAL survives the process being killed at any point; NORMAL sync is durable against process crashes.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS objects (key TEXT PRIMARY KEY, json TEXT NOT NULL)');
    this.db.exec('CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
    this.upsert = this.db.prepare('INSERT INTO objects (key, json) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET json = excluded.json');
    this.remove = this.db.prepare('DELETE FROM objects WHERE key = ?');
    // The API layer of the desired state (controllers/desired-layer.ts): json NULL is a tombstone for a file's object.
    this.db.exec('CREATE TABLE IF NOT EXISTS api_objects (key TEXT PRIMARY KEY, json TEXT, file_version TEXT)');
    this.upsertApi = this.db.prepare(
      'INSERT INTO api_objects (key, json, file_version) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET json = excluded.json, file_version = excluded.file_version',
    );
    this.removeApi = this.db.prepare('DELETE FROM api_objects WHERE key = ?');
    this.setMeta = this.db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value');
  }

  /** Opens (creating if needed) the state database in `dir`. */
  static open(dir: string): SqliteState {
    mkdirSync(dir, { recursive: true });
    return new SqliteState(join(dir, 'state.db'));
  }

  load(): { objects: KubeObject[]; resourceVersion: number; apiLayer: [string, ApiLayerEntry][] } {
    const rows = this.db.prepare('SELECT json FROM objects ORDER BY key').all() as { json: string }[];
    const rv = this.db.prepare("SELECT value FROM meta WHERE name = 'resourceVersion'").get() as { value: string } | undefined;
    const api = this.db.prepare('SELECT key, json, file_version FROM api_objects ORDER BY key').all() as { key: string; json: string | null; file_version: string | null }[];
    return {
      objects: rows.map((r) => JSON.parse(r.json) as KubeObject),
      resourceVersion: rv ? Number(rv.value) : 0,
      apiLayer: api.map((r) => [r.key, { ...(r.json !== null ? { object: JSON.parse(r.json) as KubeObject } : {}), fileVersion: r.file_version }]),
    };
  }

  /**
   * Writes one batch of store events, the new resourceVersion and the API layer's changes atomically. Synchronous:
   * when it returns, the batch survives the process being killed.
   */
  save(events: StoreEvent[], resourceVersion: number, layerChanges: LayerChange[] = []): void {
    const tx = this.db.transaction(() => {
      for (const e of events) {
        if (e.type === 'DELETED') this.remove.run(keyOf(e.object));
        else this.upsert.run(keyOf(e.object), JSON.stringify(e.object));
      }
      for (const c of layerChanges) {
        if (c.entry) this.upsertApi.run(c.key, c.entry.object ? JSON.stringify(c.entry.object) : null, c.entry.fileVersion);
        else this.removeApi.run(c.key);
      }
      this.setMeta.run('resourceVersion', String(resourceVersion));
    });
    tx();
  }

  close(): void {
    this.db.close();
  }
}
