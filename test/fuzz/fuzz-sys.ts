// A hostile kernel for the fuzzer: a Sys whose every answer comes from a seeded generator. Alone it
// answers at random (random fds, -errno, bytes, argsz that grows on every call); over a real recorded
// snapshot it mostly answers as that kernel did and corrupts a fraction of the replies, which reaches
// deeper code than random bytes would.
import type { IoctlArg, Sys } from '../../src/kernel/sys.js'

/** xorshift32: small, fast, and the whole case replays from its seed. */
export class Rng {
  private s: number

  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9
  }

  next(): number {
    let x = this.s
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    this.s = x >>> 0
    return this.s
  }

  /** integer in [0, n) */
  int(n: number): number {
    return this.next() % Math.max(1, n)
  }

  chance(p: number): boolean {
    return this.next() / 0x100000000 < p
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T
  }

  /** a u32 that is often an edge value */
  u32(): number {
    return this.chance(0.3) ? this.pick([0, 1, 4, 8, 12, 16, 20, 24, 32, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff8]) : this.next()
  }
}

const ERRNOS = [1, 2, 5, 9, 12, 13, 14, 16, 19, 22, 25, 28, 61, 71, 95, 4095]

/** Writes hostile bytes into an ioctl buffer: random, or a plausible header with wild fields. */
export function corrupt(rng: Rng, buf: Uint8Array, calls: number): void {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  const set32 = (off: number, v: number): void => {
    if (off + 4 <= buf.length) dv.setUint32(off, v >>> 0, true)
  }
  switch (rng.int(6)) {
    case 0:
      for (let i = 0; i < buf.length; i++) buf[i] = rng.int(256)
      break
    case 1:
      // argsz that grows on every call: the two-pass protocol must give up, not loop
      set32(0, buf.length + 8 * (calls + 1) + rng.int(64))
      break
    case 2:
      set32(0, rng.u32())
      break
    case 3:
      // flags with every bit, counts and cap_offset wild (device/region/iommu info layouts)
      set32(4, rng.u32())
      set32(8, rng.u32())
      set32(12, rng.u32())
      set32(16, rng.u32())
      break
    case 4:
      // a cap chain: headers at random offsets pointing anywhere, loops included
      for (let k = 0; k < 1 + rng.int(6); k++) {
        const at = rng.int(Math.max(1, buf.length - 8))
        if (at + 8 > buf.length) break
        dv.setUint16(at, rng.int(8), true)
        dv.setUint16(at + 2, rng.int(3), true)
        set32(at + 4, rng.chance(0.5) ? rng.int(buf.length + 16) : rng.u32())
      }
      set32(12, rng.int(buf.length + 8))
      set32(16, rng.int(buf.length + 8))
      break
    default:
      // a few flipped bytes
      for (let k = 0; k < 1 + rng.int(4); k++) if (buf.length > 0) buf[rng.int(buf.length)] = rng.int(256)
  }
}

export class FuzzSys implements Sys {
  private calls = 0

  /** inner: the kernel to distort (a replay of a real one), or null for answers at random. */
  constructor(
    private readonly rng: Rng,
    private readonly inner: Sys | null,
    /** probability that an answer is distorted when there is an inner kernel */
    private readonly p = 0.15,
  ) {}

  private distort(): boolean {
    return this.inner === null || this.rng.chance(this.p)
  }

  open(path: string, mode: 'r' | 'rw'): number {
    const real = this.inner?.open(path, mode) ?? 3
    if (!this.distort()) return real
    return this.rng.chance(0.5) ? -this.rng.pick(ERRNOS) : real < 0 ? 3 + this.rng.int(5000) : real
  }

  close(fd: number): void {
    this.inner?.close(fd)
  }

  ioctl(fd: number, request: number, arg: IoctlArg): number {
    this.calls++
    const real = this.inner?.ioctl(fd, request, arg) ?? 0
    if (!this.distort()) return real
    if (arg.kind === 'buf' || arg.kind === 'bufptr') corrupt(this.rng, arg.buf, this.calls)
    if (arg.kind === 'bufptr') corrupt(this.rng, arg.data, this.calls)
    switch (this.rng.int(5)) {
      case 0:
        return -this.rng.pick(ERRNOS)
      case 1:
        return -28 // ENOSPC: the hot-reset protocol's "ask again with more room"
      case 2:
        return this.rng.int(70000) // a positive result: a fake fd or extension value
      default:
        return real < 0 && this.rng.chance(0.5) ? 0 : real
    }
  }

  pread(fd: number, buf: Uint8Array, pos: bigint): number {
    const real = this.inner?.pread(fd, buf, pos) ?? buf.length
    if (!this.distort()) return real
    if (this.rng.chance(0.3)) return -this.rng.pick(ERRNOS)
    for (let i = 0; i < buf.length; i++) if (this.rng.chance(0.1)) buf[i] = this.rng.int(256)
    // a short read, or one that claims more than was asked
    return this.rng.chance(0.5) ? this.rng.int(buf.length + 1) : buf.length + this.rng.int(16)
  }
}
