// Hand-written little-endian byte builders for ABI tests. Deliberately independent of src/kernel/abi:
// a fixture built with the code under test would agree with its bugs.

/** Bytes from hex text: "28 00 00 00  0f 00" (whitespace and `|` separators ignored, `#` starts a comment). */
export function hex(text: string): Uint8Array {
  const digits = text
    .split('\n')
    .map((line) => line.replace(/#.*/, ''))
    .join(' ')
    .replace(/[\s|]/g, '')
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`bad hex fixture: ${text}`)
  const out = new Uint8Array(digits.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16)
  return out
}

/** Appends little-endian fields; `at(n)` zero-pads up to absolute offset n (never backwards). */
export class Bytes {
  private readonly data: number[] = []

  get length(): number {
    return this.data.length
  }

  u8(v: number): this {
    this.data.push(v & 0xff)
    return this
  }

  u16(v: number): this {
    return this.u8(v).u8(v >>> 8)
  }

  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16)
  }

  u64(v: bigint): this {
    const x = BigInt.asUintN(64, v)
    return this.u32(Number(x & 0xffff_ffffn)).u32(Number(x >> 32n))
  }

  /** A capability header {u16 id, u16 version, u32 next}. */
  cap(id: number, version: number, next: number): this {
    return this.u16(id).u16(version).u32(next)
  }

  at(offset: number): this {
    if (offset < this.data.length) throw new Error(`at(${offset}) would go back from ${this.data.length}`)
    while (this.data.length < offset) this.data.push(0)
    return this
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.data)
  }
}

/** Deterministic PRNG (mulberry32) for property tests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
