// Device-tree reg/interrupts decoding (src/inspect/devicetree.ts) over an in-memory FsReader laid out
// like /sys/firmware/devicetree/base: cell counts, ranges translation, interrupt parents, GIC decoding.
import { describe, expect, it } from 'vitest'
import { DT_BASE, readDtResources } from '../../src/inspect/devicetree.js'
import { FsError, type FsReader, type NodeStat } from '../../src/inspect/fs.js'

const be = (...cells: number[]): Uint8Array => {
  const b = Buffer.alloc(cells.length * 4)
  cells.forEach((c, i) => b.writeUInt32BE(c, i * 4))
  return new Uint8Array(b)
}
const str = (...s: string[]): Uint8Array => new Uint8Array(Buffer.from(s.map((x) => `${x}\0`).join(''), 'latin1'))

/** Properties by path (relative to DT_BASE); directories are implied; 'EIO' makes a read fail. */
class DtFs implements FsReader {
  readonly reads: string[] = []
  private files = new Map<string, Uint8Array | 'EIO'>()
  private dirs = new Set<string>([DT_BASE])

  constructor(props: Record<string, Uint8Array | 'EIO'>) {
    for (const [p, v] of Object.entries(props)) {
      const abs = DT_BASE + p
      this.files.set(abs, v)
      for (let d = abs.slice(0, abs.lastIndexOf('/')); d.length > DT_BASE.length; d = d.slice(0, d.lastIndexOf('/'))) this.dirs.add(d)
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

const GIC = {
  '/intc@8000000/compatible': str('arm,cortex-a15-gic'),
  '/intc@8000000/#interrupt-cells': be(3),
  '/intc@8000000/interrupt-controller': new Uint8Array(0),
  '/intc@8000000/phandle': be(0x8002),
}
const ROOT = { '/#address-cells': be(2), '/#size-cells': be(2), '/interrupt-parent': be(0x8002), '/compatible': str('linux,dummy-virt'), ...GIC }
const DUAL = '/soc/bus@a003000/dual@600'
const SOC = {
  '/soc/compatible': str('simple-bus'),
  '/soc/#address-cells': be(2),
  '/soc/#size-cells': be(2),
  '/soc/ranges': new Uint8Array(0),
  '/soc/bus@a003000/#address-cells': be(1),
  '/soc/bus@a003000/#size-cells': be(1),
  '/soc/bus@a003000/ranges': be(0x0, 0x0, 0xa003000, 0x1000),
  [`${DUAL}/compatible`]: str('acme,dual-port'),
  [`${DUAL}/reg`]: be(0x600, 0x200, 0x800, 0x100),
  [`${DUAL}/reg-names`]: str('ctrl', 'data'),
  [`${DUAL}/interrupts`]: be(0, 0x2b, 1, 0, 0x2c, 4),
  [`${DUAL}/interrupt-names`]: str('tx', 'rx'),
}

describe('readDtResources', () => {
  it('decodes reg with the parent bus cells and translates it through ranges', () => {
    const r = readDtResources(new DtFs({ ...ROOT, ...SOC }), DT_BASE + DUAL)
    expect(r.reg).toEqual([
      { index: 0, name: 'ctrl', cells: [0x600, 0x200], address: 0x600n, size: 0x200n, cpuAddress: 0xa003600n },
      { index: 1, name: 'data', cells: [0x800, 0x100], address: 0x800n, size: 0x100n, cpuAddress: 0xa003800n },
    ])
  })

  it('finds the GIC through the inherited interrupt-parent and decodes SPI number, ID and trigger', () => {
    const r = readDtResources(new DtFs({ ...ROOT, ...SOC }), DT_BASE + DUAL)
    expect(r.interrupts).toEqual([
      { index: 0, name: 'tx', controller: '/intc@8000000', cells: [0, 0x2b, 1], gic: { kind: 'SPI', number: 43, hwirq: 75, trigger: 'edge-rising' } },
      { index: 1, name: 'rx', controller: '/intc@8000000', cells: [0, 0x2c, 4], gic: { kind: 'SPI', number: 44, hwirq: 76, trigger: 'level-high' } },
    ])
  })

  it('a root-level node: 2+2 cells, identity translation, PPI decoding', () => {
    const fs = new DtFs({ ...ROOT, '/timer/reg': be(0, 0x9010000, 0, 0x1000), '/timer/interrupts': be(1, 13, 0xf04) })
    const r = readDtResources(fs, `${DT_BASE}/timer`)
    expect(r.reg).toEqual([{ index: 0, name: null, cells: [0, 0x9010000, 0, 0x1000], address: 0x9010000n, size: 0x1000n, cpuAddress: 0x9010000n }])
    expect(r.interrupts?.[0]?.gic).toEqual({ kind: 'PPI', number: 13, hwirq: 29, trigger: 'level-high' })
  })

  it('an address no range maps, and a bus without ranges, are not translated', () => {
    const outside = readDtResources(new DtFs({ ...ROOT, ...SOC, [`${DUAL}/reg`]: be(0x2000, 0x10) }), DT_BASE + DUAL)
    expect(outside.reg?.[0]).toMatchObject({ address: 0x2000n, cpuAddress: null })
    const noRanges = { ...ROOT, ...SOC }
    delete (noRanges as Record<string, Uint8Array>)['/soc/bus@a003000/ranges']
    expect(readDtResources(new DtFs(noRanges), DT_BASE + DUAL).reg?.[0]).toMatchObject({ address: 0x600n, cpuAddress: null })
  })

  it('interrupts-extended: each entry with its own controller; a non-GIC controller keeps raw cells', () => {
    const fs = new DtFs({
      ...ROOT,
      '/gpio@9030000/#interrupt-cells': be(2),
      '/gpio@9030000/compatible': str('arm,pl061', 'arm,primecell'),
      '/gpio@9030000/phandle': be(0x8004),
      '/keys/interrupts-extended': be(0x8002, 0, 7, 4, 0x8004, 3, 2),
    })
    expect(readDtResources(fs, `${DT_BASE}/keys`).interrupts).toEqual([
      { index: 0, name: null, controller: '/intc@8000000', cells: [0, 7, 4], gic: { kind: 'SPI', number: 7, hwirq: 39, trigger: 'level-high' } },
      { index: 1, name: null, controller: '/gpio@9030000', cells: [3, 2], gic: null },
    ])
  })

  it('an unknown interrupt parent keeps every cell in one entry instead of guessing', () => {
    const fs = new DtFs({ '/#address-cells': be(2), '/dev/interrupts': be(0, 5, 4) })
    expect(readDtResources(fs, `${DT_BASE}/dev`).interrupts).toEqual([{ index: 0, name: null, controller: null, cells: [0, 5, 4], gic: null }])
  })

  it('a PCI child has phys.hi/mid/lo cells, not an address', () => {
    const fs = new DtFs({
      ...ROOT,
      '/pcie@10000000/device_type': str('pci'),
      '/pcie@10000000/#address-cells': be(3),
      '/pcie@10000000/#size-cells': be(2),
      '/pcie@10000000/ethernet@0,0/reg': be(0x10000, 0, 0, 0, 0),
    })
    expect(readDtResources(fs, `${DT_BASE}/pcie@10000000/ethernet@0,0`).reg).toEqual([{ index: 0, name: null, cells: [0x10000, 0, 0, 0, 0], address: null, size: null, cpuAddress: null }])
  })

  it('absent properties are null; an unreadable one leaves only its field unknown', () => {
    expect(readDtResources(new DtFs({ ...ROOT, '/gpio-keys/compatible': str('gpio-keys') }), `${DT_BASE}/gpio-keys`)).toEqual({ reg: null, interrupts: null })
    const r = readDtResources(new DtFs({ ...ROOT, ...SOC, [`${DUAL}/reg`]: 'EIO' }), DT_BASE + DUAL)
    expect(r.reg).toBeNull()
    expect(r.interrupts).toHaveLength(2)
    expect(readDtResources(new DtFs(ROOT), '/not/under/the/dt')).toEqual({ reg: null, interrupts: null })
  })

  it('looks a phandle up once per reader: the second device costs no new walk', () => {
    const fs = new DtFs({ ...ROOT, '/a/interrupt-parent': be(0x8002), '/a/interrupts': be(0, 1, 1), '/b/interrupt-parent': be(0x8002), '/b/interrupts': be(0, 2, 1) })
    readDtResources(fs, `${DT_BASE}/a`)
    const n = fs.reads.length
    readDtResources(fs, `${DT_BASE}/b`)
    expect(fs.reads.filter((p) => p.endsWith('/phandle')).length).toBe(fs.reads.slice(0, n).filter((p) => p.endsWith('/phandle')).length)
  })
})
