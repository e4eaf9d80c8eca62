/**
 * Just enough protobuf for straceback-hook: a proto3 field writer and the two
 * TracerManager requests the hook sends, encoded by hand so that the hook
 * loads no protobuf library (it runs on every container start).
 *
 * Field numbers are those of proto/straceback/v1/tracer_manager.proto;
 * test/hook.test.ts decodes what is encoded here with that file.
 */

const WIRE_VARINT = 0;
const WIRE_LEN = 2;

/** Appends protobuf fields to a growing byte list. Proto3 default values are left out, as protoc does. */
export class ProtoWriter {
  private bytes: number[] = [];
  private chunks: Buffer[] = [];

  /** Unsigned LEB128; a negative number is written as its 64-bit two's complement (10 bytes), as int32 requires. */
  varint(v: number | bigint): this {
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw new RangeError(`varint: ${v} is not a safe integer`);
      if (v < 0) return this.varint(BigInt.asUintN(64, BigInt(v)));
      while (v >= 0x80) {
        this.bytes.push((v % 0x80) | 0x80);
        v = Math.floor(v / 0x80);
      }
      this.bytes.push(v);
      return this;
    }
    if (v < 0n) v = BigInt.asUintN(64, v);
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
    return this;
  }

  private tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  private raw(b: Buffer): this {
    if (this.bytes.length) this.chunks.push(Buffer.from(this.bytes));
    this.bytes = [];
    this.chunks.push(b);
    return this;
  }

  /** Length-delimited bytes, written even when empty. */
  bytesField(field: number, b: Buffer): this {
    return this.tag(field, WIRE_LEN).varint(b.length).raw(b);
  }

  /** A string field (UTF-8); "" is the default and left out unless `always`. */
  string(field: number, s: string, always = false): this {
    if (s === '' && !always) return this;
    return this.bytesField(field, Buffer.from(s, 'utf8'));
  }

  /** int32/int64/uint32/uint64; 0 left out unless `always` (an `optional` field that is set). */
  int(field: number, v: number | bigint, always = false): this {
    if (!always && (v === 0 || v === 0n)) return this;
    return this.tag(field, WIRE_VARINT).varint(v);
  }

  bool(field: number, v: boolean): this {
    if (!v) return this;
    return this.tag(field, WIRE_VARINT).varint(1);
  }

  /** map<string, string>: one nested entry message (key = 1, value = 2) per pair. */
  stringMap(field: number, map: Record<string, string>): this {
    for (const [k, v] of Object.entries(map)) {
      this.bytesField(field, new ProtoWriter().string(1, k, true).string(2, v, true).finish());
    }
    return this;
  }

  finish(): Buffer {
    if (this.bytes.length) this.chunks.push(Buffer.from(this.bytes));
    this.bytes = [];
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
  }
}

/** straceback.v1.AddContainerRequest. */
export interface AddContainerMessage {
  id: string;
  pid: number;
  bundle?: string;
  name?: string;
  runtime?: string;
  annotations?: Record<string, string>;
  ringBytes?: number | bigint;
  beforeExec?: boolean;
}

export function encodeAddContainerRequest(m: AddContainerMessage): Buffer {
  return new ProtoWriter()
    .string(1, m.id)
    .int(2, m.pid)
    .string(3, m.bundle ?? '')
    .string(4, m.name ?? '')
    .string(5, m.runtime ?? '')
    .stringMap(6, m.annotations ?? {})
    .int(7, m.ringBytes ?? 0)
    .bool(8, m.beforeExec ?? false)
    .finish();
}

/** straceback.v1.RemoveContainerRequest; exit_code is `optional`: written (even 0) only when given. */
export function encodeRemoveContainerRequest(m: { id: string; exitCode?: number }): Buffer {
  const w = new ProtoWriter().string(1, m.id);
  if (m.exitCode !== undefined) w.int(2, m.exitCode, true);
  return w.finish();
}
