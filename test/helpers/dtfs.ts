// An in-memory FsReader laid out like /sys/firmware/devicetree/base, for the device-tree decoding tests.
import { DT_BASE } from '../../src/inspect/devicetree.js'
import { FsError, type FsReader, type NodeStat } from '../../src/inspect/fs.js'

export const be = (...cells: number[]): Uint8Array => {
  const b = Buffer.alloc(cells.length * 4)
  cells.forEach((c, i) => b.writeUInt32BE(c, i * 4))
  return new Uint8Array(b)
}
export const str = (...s: string[]): Uint8Array => new Uint8Array(Buffer.from(s.map((x) => `${x}\0`).join(''), 'latin1'))

/** Properties by path (relative to DT_BASE); directories are implied; 'EIO' makes a read fail. */
export class DtFs implements FsReader {
  readonly reads: string[] = []
  private files = new Map<string, Uint8Array | 'EIO'>()
  private dirs = new Set<string>([DT_BASE])

  /** `props` relative to DT_BASE; `abs` (e.g. /sys/kernel/irq/N/hwirq) as they are. */
  constructor(props: Record<string, Uint8Array | 'EIO'>, abs: Record<string, string> = {}) {
    const all: [string, Uint8Array | 'EIO'][] = [...Object.entries(props).map(([p, v]): [string, Uint8Array | 'EIO'] => [DT_BASE + p, v]), ...Object.entries(abs).map(([p, v]): [string, Uint8Array] => [p, new Uint8Array(Buffer.from(v, 'latin1'))])]
    for (const [abs, v] of all) {
      this.files.set(abs, v)
      for (let d = abs.slice(0, abs.lastIndexOf('/')); d.length > 1 && d !== DT_BASE; d = d.slice(0, d.lastIndexOf('/'))) this.dirs.add(d)
    }
  }
  readBytes(path: string): Uint8Array | null {
    this.reads.push(path)
    const v = this.files.get(path)
    if (v === 'EIO') throw new FsError('EIO', path)
    return v ?? null
  }
  readText(path: string): string | null {
    const b = this.readBytes(path)
    return b === null ? null : Buffer.from(b).toString('latin1')
  }
  readLink(): string | null {
    return null
  }
  list(dir: string): string[] | null {
    if (!this.dirs.has(dir)) return null
    const names = new Set<string>()
    for (const p of [...this.files.keys(), ...this.dirs]) if (p.startsWith(`${dir}/`)) names.add(p.slice(dir.length + 1).split('/')[0] ?? '')
    return [...names].sort()
  }
  stat(): NodeStat | null {
    return null
  }
}


/** QEMU virt's root and GICv2 (phandle 0x8002). */
export const GIC = {
  '/intc@8000000/compatible': str('arm,cortex-a15-gic'),
  '/intc@8000000/#interrupt-cells': be(3),
  '/intc@8000000/interrupt-controller': new Uint8Array(0),
  '/intc@8000000/phandle': be(0x8002),
}
export const ROOT = { '/#address-cells': be(2), '/#size-cells': be(2), '/interrupt-parent': be(0x8002), '/compatible': str('linux,dummy-virt'), ...GIC }
