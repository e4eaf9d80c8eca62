/**
 * Rows appended to an SQLite table as B-tree pages written straight into the
 * database file, for the one bulk write of a dump: its syscall table.
 *
 * Going through SQL, a row costs better-sqlite3's binding of each value and
 * SQLite's virtual machine (about 1 us a row here for the syscall table's 22
 * columns); a dump's rows come in increasing rowid order into a table that
 * is empty, so they can be laid out as the file format defines
 * (https://www.sqlite.org/fileformat2.html) directly: each row a record in a
 * leaf cell, leaves filled one after another at the end of the file, the
 * interior pages above them built once the last row is in.
 *
 * The file must be closed by SQLite while this writes (no connection holds
 * it), with the table created, empty, and its root page known. finish()
 * writes the tree's top node into that root page and the new page count into
 * the file's header; SQLite then reads the table as its own (the tests run
 * PRAGMA integrity_check on what this writes).
 *
 * A row is written a value at a time, last column first, straight into the
 * leaf from the end of its free space towards its start (cells may lie in
 * any order in a page; only their pointers are sorted), so it is never
 * copied: text as UTF-8, integers in the smallest serial type, 0 and 1 as the
 * types without a body (schema format 4). A row that does not fit in what is
 * left of the leaf is written again into a fresh one, and one too big for a
 * page into a scratch buffer, from which it is split into its cell and a
 * chain of overflow pages.
 */
import fs from 'node:fs';

/** Header offsets of the database file (page 1). */
const HDR_PAGE_SIZE = 16;
const HDR_RESERVED = 20;
const HDR_CHANGE_COUNTER = 24;
const HDR_PAGE_COUNT = 28;
const HDR_FREELIST = 36;
const HDR_SCHEMA_FORMAT = 44;
const HDR_ENCODING = 56;
const HDR_VALID_FOR = 92;

const LEAF_TABLE = 0x0d;
const INTERIOR_TABLE = 0x05;

/**
 * A B-tree page's header, on a page zeroed before its cells went in (so no
 * free blocks and no fragmented bytes): its type, its cell count and where
 * its cell content starts (0 for 65536).
 */
function pageHeader(page: Buffer, type: number, cells: number, content: number): void {
  page[0] = type;
  page.writeUInt16BE(cells, 3);
  page.writeUInt16BE(content === 65536 ? 0 : content, 5);
}

/** Bytes of a varint holding v (0 <= v < 2^53). */
function varintLen(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  let n = 4;
  for (v = Math.floor(v / 0x10000000); v > 0; v = Math.floor(v / 0x80)) n++;
  return n;
}

/** Writes v (0 <= v < 2^53, so at most 8 bytes) as a varint at off: big-endian groups of 7 bits, the high bit set on all but the last. */
function putVarint(buf: Uint8Array, off: number, v: number): number {
  if (v < 0x80) {
    buf[off] = v;
    return 1;
  }
  if (v < 0x4000) {
    buf[off] = 0x80 | (v >>> 7);
    buf[off + 1] = v & 0x7f;
    return 2;
  }
  const n = varintLen(v);
  let x = v;
  buf[off + n - 1] = x % 0x80;
  for (let i = n - 2; i >= 0; i--) {
    x = Math.floor(x / 0x80);
    buf[off + i] = 0x80 | x % 0x80;
  }
  return n;
}

const B47 = 2n ** 47n;
const TWO32 = 2 ** 32;
/** Node's Buffer method behind write(s, off, 'utf8'), without the argument checks. */
const utf8Write = (Buffer.prototype as unknown as { utf8Write?: (this: Buffer, s: string, off: number, len: number) => number }).utf8Write;

/** What the file's header says, read before the rows are appended. */
export interface DbFileInfo {
  pageSize: number;
  /** Pages in the file. */
  pageCount: number;
  /** 0 and 1 may be stored as the serial types without a body (schema format 4). */
  bodyless01: boolean;
}

const MAGIC = 'SQLite format 3\0';

/** Reads the header of a closed SQLite file and checks it is one a RowidTableAppender can write into. */
export function readDbFileInfo(fd: number): DbFileInfo {
  const h = Buffer.alloc(100);
  if (fs.readSync(fd, h, 0, 100, 0) !== 100 || h.toString('latin1', 0, 16) !== MAGIC) throw new Error('not an SQLite database');
  const raw = h.readUInt16BE(HDR_PAGE_SIZE);
  const pageSize = raw === 1 ? 65536 : raw;
  if (h.readUInt8(HDR_RESERVED) !== 0) throw new Error('pages with reserved bytes are not supported');
  if (h.readUInt32BE(HDR_ENCODING) !== 1) throw new Error('the database is not UTF-8');
  if (h.readUInt32BE(HDR_FREELIST) !== 0) throw new Error('the database has free pages');
  const size = fs.fstatSync(fd).size;
  if (size % pageSize !== 0) throw new Error(`file size ${size} is not a multiple of the page size ${pageSize}`);
  const pageCount = size / pageSize;
  if (h.readUInt32BE(HDR_CHANGE_COUNTER) !== h.readUInt32BE(HDR_VALID_FOR) || h.readUInt32BE(HDR_PAGE_COUNT) !== pageCount) {
    throw new Error('the header does not hold the page count');
  }
  return { pageSize, pageCount, bodyless01: h.readUInt32BE(HDR_SCHEMA_FORMAT) >= 4 };
}

/** Where the row being written goes: into the leaf, or into the scratch buffer (too big for what a page keeps). */
const LEAF = 0;
const SCRATCH = 1;

/**
 * Appends rows to the empty rowid table whose root is page `root` of the
 * SQLite file open as fd (described by info). Rows come one at a time, with
 * increasing rowids:
 *
 *   do {
 *     t.begin();
 *     t.text(lastColumn); ... t.int(secondColumn); t.nul(); // the rowid's column
 *   } while (!t.end(rowid));
 *
 * end() is false when the row must be written again (into a fresh leaf, or
 * into the scratch buffer), with the same values. Completed pages are written
 * in runs of up to 1 MiB.
 */
export class RowidTableAppender {
  /** Rows appended. */
  rows = 0;
  /** The last rowid appended. */
  lastRowid = -Infinity;
  private readonly ps: number;
  private readonly bodyless01: boolean;
  private nextPage: number;
  /** The leaf being filled, its page number, cells and where its cell content starts. */
  private readonly leaf: Buffer;
  private leafNo: number;
  private cells = 0;
  private content: number;
  /** Each completed leaf (or interior node being built): page number and largest rowid. */
  private children: number[] = [];
  private maxKeys: number[] = [];
  /** The first leaf's page (the root, until a second leaf is needed): kept to be moved then. */
  private firstLeaf: Buffer | null = null;
  /** Pages placed in a window of consecutive pages, written together (made when a second page is). */
  private win: Buffer | null = null;
  private readonly winPages: number;
  private winStart: number;
  private winUsed = 0;
  /** Largest payload kept whole in a leaf cell, and the least kept when it spills (fileformat2 §1.6). */
  private readonly maxLocal: number;
  private readonly minLocal: number;

  /** The row being written: where to, its bytes' lowest offset so far, the least it may reach, whether it went below. */
  private target: typeof LEAF | typeof SCRATCH = LEAF;
  private buf: Buffer;
  private dv: DataView;
  private p = 0;
  private lo = 0;
  private over = false;
  /** The record's end (its last byte + 1) in buf. */
  private recEnd = 0;
  /** Serial types, last column's first. */
  private readonly types: number[] = [];
  private nt = 0;
  /** Rows too big for a page are written here (made for the first one). */
  private scratch: Buffer | null = null;

  constructor(
    private readonly fd: number,
    private readonly info: DbFileInfo,
    private readonly root: number,
  ) {
    this.ps = info.pageSize;
    this.bodyless01 = info.bodyless01;
    this.nextPage = info.pageCount + 1;
    this.leaf = Buffer.alloc(this.ps);
    this.buf = this.leaf;
    this.dv = new DataView(this.leaf.buffer, this.leaf.byteOffset, this.leaf.byteLength);
    // The first leaf is the root page itself: a table of one leaf is then complete as it is.
    this.leafNo = root;
    this.content = this.ps;
    this.winPages = Math.max(1, Math.floor((1 << 20) / this.ps));
    this.winStart = this.nextPage;
    const u = this.ps;
    this.maxLocal = u - 35;
    this.minLocal = Math.floor(((u - 12) * 32) / 255) - 23;
    // The table must be empty: its root a leaf without cells.
    const page = Buffer.alloc(8);
    fs.readSync(fd, page, 0, 8, (root - 1) * this.ps);
    if (root < 2 || root > info.pageCount || page[0] !== LEAF_TABLE || page.readUInt16BE(3) !== 0) throw new Error(`page ${root} is not the root of an empty table`);
  }

  /** Starts a row (again, after end() said false). */
  begin(): void {
    this.nt = 0;
    this.over = false;
    if (this.target === LEAF) {
      if (this.buf !== this.leaf) {
        this.buf = this.leaf;
        this.dv = new DataView(this.leaf.buffer, this.leaf.byteOffset, this.leaf.byteLength);
      }
      this.p = this.content;
      // Room for the cell's pointer too.
      this.lo = 8 + 2 * (this.cells + 1);
    } else {
      const scratch = (this.scratch ??= Buffer.allocUnsafe(4 * this.ps));
      if (this.buf !== scratch) {
        this.buf = scratch;
        this.dv = new DataView(scratch.buffer, scratch.byteOffset, scratch.byteLength);
      }
      this.p = scratch.length;
      this.lo = 0;
    }
    this.recEnd = this.p;
  }

  /** n bytes below p, if there is room: their offset, else -1 (the row is over). */
  private take(n: number): number {
    const at = this.p - n;
    if (at < this.lo || this.over) {
      this.over = true;
      return -1;
    }
    this.p = at;
    return at;
  }

  nul(): void {
    this.types[this.nt++] = 0;
  }

  /** An integer (a number that is not one is stored as a REAL, as SQLite stores such a bound double). */
  int(v: number): void {
    let at: number;
    if (v >= 0 && v <= 127 && (v | 0) === v) {
      if (v <= 1 && this.bodyless01) {
        this.types[this.nt++] = 8 + v;
        return;
      }
      if ((at = this.take(1)) >= 0) this.buf[at] = v;
      this.types[this.nt++] = 1;
    } else if (!Number.isSafeInteger(v)) {
      if (Number.isInteger(v)) return this.big(BigInt(v));
      if ((at = this.take(8)) >= 0) this.dv.setFloat64(at, v);
      this.types[this.nt++] = 7;
    } else if (v >= -128 && v <= 127) {
      if ((at = this.take(1)) >= 0) this.dv.setInt8(at, v);
      this.types[this.nt++] = 1;
    } else if (v >= -32768 && v <= 32767) {
      if ((at = this.take(2)) >= 0) this.dv.setInt16(at, v);
      this.types[this.nt++] = 2;
    } else if (v >= -8388608 && v <= 8388607) {
      if ((at = this.take(3)) >= 0) {
        this.dv.setInt8(at, v >> 16);
        this.dv.setUint16(at + 1, v & 0xffff);
      }
      this.types[this.nt++] = 3;
    } else if (v >= -2147483648 && v <= 2147483647) {
      if ((at = this.take(4)) >= 0) this.dv.setInt32(at, v);
      this.types[this.nt++] = 4;
    } else if (v >= -140737488355328 && v <= 140737488355327) {
      if ((at = this.take(6)) >= 0) {
        const hi = Math.floor(v / TWO32);
        this.dv.setInt16(at, hi);
        this.dv.setUint32(at + 2, v - hi * TWO32);
      }
      this.types[this.nt++] = 5;
    } else {
      this.big(BigInt(v));
    }
  }

  /** A 64-bit integer (taken modulo 2^64 as a signed value, as SQLite binds an int64). */
  big(v: bigint): void {
    if (v >= -B47 && v < B47) return this.int(Number(v));
    const at = this.take(8);
    if (at >= 0) this.dv.setBigInt64(at, v);
    this.types[this.nt++] = 6;
  }

  /**
   * Text, stored as UTF-8 (lone surrogates become U+FFFD). ASCII, most of a
   * dump's text, is copied a character at a time from its end: for strings
   * this short that is several times faster than a call into Buffer's
   * encoder.
   */
  text(s: string): void {
    const n = s.length;
    let at = this.take(n);
    if (at >= 0) {
      const buf = this.buf;
      for (let i = n - 1; i >= 0; i--) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          // Not ASCII: its UTF-8 length first, then the encoder.
          this.p += n;
          const len = Buffer.byteLength(s, 'utf8');
          if ((at = this.take(len)) >= 0) {
            if (utf8Write) utf8Write.call(buf, s, at, len);
            else buf.write(s, at, len, 'utf8');
          }
          this.types[this.nt++] = len * 2 + 13;
          return;
        }
        buf[at + i] = c;
      }
    }
    this.types[this.nt++] = n * 2 + 13;
  }

  textOrNull(s: string | null): void {
    if (s === null) this.types[this.nt++] = 0;
    else this.text(s);
  }

  /** Text already encoded (a value repeated in every row). */
  utf8(b: Buffer): void {
    const n = b.length;
    const at = this.take(n);
    if (at >= 0) {
      const buf = this.buf;
      for (let i = 0; i < n; i++) buf[at + i] = b[i];
    }
    this.types[this.nt++] = n * 2 + 13;
  }

  /**
   * Ends the row `rowid` (a safe integer above the last one): its header and
   * the cell's prefix go in front of the values. False when it has to be
   * written again: it did not fit in what was left of the leaf (which is then
   * complete), or it is too big for a page (it goes to the scratch buffer).
   */
  end(rowid: number): boolean {
    if (!(rowid > this.lastRowid) || !Number.isSafeInteger(rowid)) throw new Error(`rowid ${rowid} after ${this.lastRowid}: rows must come in increasing rowid order`);
    const types = this.types;
    const nt = this.nt;
    const buf = this.buf;
    if (!this.over) {
      // The serial types, the last column's first since they go in from the end.
      let hdrBytes = 0;
      let i = 0;
      if (this.p - this.lo >= nt) {
        // Room for them all if each takes one byte, as all but long text's do.
        let p = this.p;
        for (; i < nt; i++) {
          const t = types[i];
          if (t >= 0x80) break;
          buf[--p] = t;
        }
        hdrBytes = this.p - p;
        this.p = p;
      }
      for (; i < nt; i++) {
        const t = types[i];
        if (t < 0x80) {
          const at = this.take(1);
          if (at < 0) break;
          buf[at] = t;
          hdrBytes++;
        } else {
          const n = varintLen(t);
          const at = this.take(n);
          if (at < 0) break;
          putVarint(buf, at, t);
          hdrBytes += n;
        }
      }
      // The header's size counts its own varint.
      let hdrLen = hdrBytes + 1;
      while (varintLen(hdrLen) !== hdrLen - hdrBytes) hdrLen++;
      const payload = this.recEnd - this.p + (hdrLen - hdrBytes);
      const pre = hdrLen - hdrBytes + varintLen(payload) + varintLen(rowid);
      const at = this.take(pre);
      if (at >= 0) {
        let o = at + putVarint(buf, at, payload);
        o += putVarint(buf, o, rowid);
        putVarint(buf, o, hdrLen);
        if (this.target === LEAF) {
          if (payload <= this.maxLocal) {
            this.lastRowid = rowid;
            this.leaf.writeUInt16BE(at, 8 + 2 * this.cells);
            this.cells++;
            this.content = at;
            this.rows++;
            return true;
          }
        } else {
          this.spill(rowid, at, payload, pre - (hdrLen - hdrBytes));
          this.target = LEAF;
          return true;
        }
      }
    }
    // Written again: into a fresh leaf if this one held cells, else (or when it spills) into the scratch buffer.
    if (this.target === LEAF && this.cells > 0 && !this.tooBig()) {
      this.completeLeaf();
    } else if (this.target === SCRATCH) {
      this.scratch = Buffer.allocUnsafe(this.scratch!.length * 2);
    } else {
      this.target = SCRATCH;
    }
    return false;
  }

  /** The row being ended needs overflow pages: its payload is over maxLocal, or it did not fit in an empty leaf. */
  private tooBig(): boolean {
    return !this.over && this.recEnd - this.p > this.maxLocal;
  }

  /** The row in scratch[at, recEnd), of `payload` bytes after a prefix of prefixLen: its cell in the leaf, the rest in overflow pages. */
  private spill(rowid: number, at: number, payload: number, prefixLen: number): void {
    let local = payload;
    if (payload > this.maxLocal) {
      const k = this.minLocal + ((payload - this.minLocal) % (this.ps - 4));
      local = k <= this.maxLocal ? k : this.minLocal;
    }
    const spills = local < payload;
    const cellLen = prefixLen + local + (spills ? 4 : 0);
    if (this.cells > 0 && 8 + 2 * (this.cells + 1) > this.content - cellLen) this.completeLeaf();
    this.lastRowid = rowid;
    const cell = this.content - cellLen;
    const leaf = this.leaf;
    const scratch = this.scratch!;
    scratch.copy(leaf, cell, at, at + prefixLen + local);
    if (spills) {
      leaf.writeUInt32BE(this.nextPage, cell + prefixLen + local);
      this.writeOverflow(scratch, at + prefixLen + local, at + prefixLen + payload);
    }
    leaf.writeUInt16BE(cell, 8 + 2 * this.cells);
    this.cells++;
    this.content = cell;
    this.rows++;
  }

  private place(no: number, page: Buffer): void {
    let slot = no - this.winStart;
    if (slot >= this.winPages) {
      this.flushWindow();
      slot = no - this.winStart;
    }
    if (slot < 0 || slot >= this.winPages) {
      this.writeAt(page, 0, this.ps, no);
      return;
    }
    page.copy((this.win ??= Buffer.allocUnsafe(this.winPages * this.ps)), slot * this.ps, 0, this.ps);
    if (slot + 1 > this.winUsed) this.winUsed = slot + 1;
  }

  private writeAt(buf: Buffer, off: number, len: number, pageNo: number): void {
    let done = 0;
    while (done < len) done += fs.writeSync(this.fd, buf, off + done, len - done, (pageNo - 1) * this.ps + done);
  }

  /**
   * Writes the window's pages. A page numbered within it but not complete yet
   * (the leaf being filled) is written again, whole, when it is.
   */
  private flushWindow(): void {
    if (this.winUsed > 0) this.writeAt(this.win!, 0, this.winUsed * this.ps, this.winStart);
    this.winStart += this.winUsed;
    this.winUsed = 0;
    if (this.winStart < this.nextPage) this.winStart = this.nextPage;
  }

  private completeLeaf(): void {
    const leaf = this.leaf;
    pageHeader(leaf, LEAF_TABLE, this.cells, this.content);
    if (this.leafNo === this.root) this.firstLeaf = Buffer.from(leaf);
    else this.place(this.leafNo, leaf);
    this.children.push(this.leafNo);
    this.maxKeys.push(this.lastRowid);
    this.leafNo = this.nextPage++;
    this.cells = 0;
    this.content = this.ps;
    leaf.fill(0);
  }

  /** The part of a payload past its cell, in a chain of overflow pages numbered from nextPage on. */
  private writeOverflow(buf: Buffer, from: number, to: number): void {
    const room = this.ps - 4;
    const page = Buffer.alloc(this.ps);
    for (let off = from; off < to; off += room) {
      const no = this.nextPage++;
      const n = Math.min(room, to - off);
      page.fill(0);
      page.writeUInt32BE(off + n < to ? this.nextPage : 0, 0);
      buf.copy(page, 4, off, off + n);
      this.place(no, page);
    }
  }

  /**
   * Writes the last leaf and the interior pages, the top one into the root
   * page, and the new page count into the header. Returns the page count.
   */
  finish(): number {
    if (this.rows === 0) return this.info.pageCount;
    this.completeLeaf();
    // completeLeaf gave out a page number for a leaf that will not come.
    this.nextPage--;
    let nodes = this.children;
    let keys = this.maxKeys;
    if (nodes.length > 1) {
      // The first leaf moves out of the root page, which takes the top of the tree.
      const moved = this.nextPage++;
      this.place(moved, this.firstLeaf!);
      nodes[0] = moved;
    } else {
      this.writeAt(this.firstLeaf!, 0, this.ps, this.root);
    }
    while (nodes.length > 1) [nodes, keys] = this.interiorLevel(nodes, keys);
    this.flushWindow();
    const pages = this.nextPage - 1;
    const count = Buffer.alloc(4);
    count.writeUInt32BE(pages, 0);
    fs.writeSync(this.fd, count, 0, 4, HDR_PAGE_COUNT);
    return pages;
  }

  /**
   * One level of interior pages over `nodes` (two or more); a level of one
   * page is the top, written into the root. The children are spread evenly
   * over the fewest pages that hold them with every key at its longest, so
   * no page is left with a single child.
   */
  private interiorLevel(nodes: number[], keys: number[]): [number[], number[]] {
    const ps = this.ps;
    const most = Math.floor((ps - 12) / (2 + 4 + 9)) + 1;
    const pages = Math.ceil(nodes.length / most);
    const top = pages === 1;
    const upper: number[] = [];
    const upperKeys: number[] = [];
    const page = Buffer.alloc(ps);
    let i = 0;
    for (let k = 0; k < pages; k++) {
      const last = i + Math.floor(nodes.length / pages) + (k < nodes.length % pages ? 1 : 0) - 1;
      page.fill(0);
      let content = ps;
      let cells = 0;
      // A cell (child, its largest key) for each child but the last, which is the right-most pointer.
      for (; i < last; i++) {
        content -= 4 + varintLen(keys[i]);
        page.writeUInt32BE(nodes[i], content);
        putVarint(page, content + 4, keys[i]);
        page.writeUInt16BE(content, 12 + 2 * cells);
        cells++;
      }
      pageHeader(page, INTERIOR_TABLE, cells, content);
      page.writeUInt32BE(nodes[last], 8);
      const no = top ? this.root : this.nextPage++;
      if (top) this.writeAt(page, 0, ps, no);
      else this.place(no, page);
      upper.push(no);
      upperKeys.push(keys[last]);
      i = last + 1;
    }
    return [upper, upperKeys];
  }
}
