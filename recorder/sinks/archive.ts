/** Changes to an archive (an SQLite dump in the state dir) after it was written. */
import Database from 'better-sqlite3';

/**
 * Gives an archived container a new id in its archive: the container row and
 * every table that refers to it by container_id, in one transaction.
 */
export function renameArchivedContainer(file: string, from: string, to: string): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
    db.transaction(() => {
      db.prepare('UPDATE container SET id = ? WHERE id = ?').run(to, from);
      for (const t of tables) {
        const cols = db.prepare(`PRAGMA table_info("${t.replace(/"/g, '""')}")`).all() as { name: string }[];
        if (cols.some((c) => c.name === 'container_id')) {
          db.prepare(`UPDATE "${t.replace(/"/g, '""')}" SET container_id = ? WHERE container_id = ?`).run(to, from);
        }
      }
    })();
  } catch (err) {
    throw new Error(`renaming container ${from} to ${to} in ${file}: ${(err as Error).message}`);
  } finally {
    db.close();
  }
}
