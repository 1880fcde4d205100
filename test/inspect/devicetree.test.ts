// Device-tree reg/interrupts decoding (src/inspect/devicetree.ts) over an in-memory FsReader laid out
// like /sys/firmware/devicetree/base: cell counts, ranges translation, interrupt parents, GIC decoding.
import { describe, expect, it } from 'vitest'
import { DT_BASE, readDtResources } from '../../src/inspect/devicetree.js'
import { be, DtFs, ROOT, str } from '../helpers/dtfs.js'

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
      { index: 0, name: 'ctrl', cells: [0x600, 0x200], address: 0x600n, size: 0x200n, cpuAddress: 0xa003600n, bus: 'default', flags: null, untranslatable: null, resource: true, source: 'devicetree' },
      { index: 1, name: 'data', cells: [0x800, 0x100], address: 0x800n, size: 0x100n, cpuAddress: 0xa003800n, bus: 'default', flags: null, untranslatable: null, resource: true, source: 'devicetree' },
    ])
  })

  it('finds the GIC through the inherited interrupt-parent and decodes SPI number, ID and trigger', () => {
    const r = readDtResources(new DtFs({ ...ROOT, ...SOC }), DT_BASE + DUAL)
    const common = { controller: '/intc@8000000', controllerCompatible: ['arm,cortex-a15-gic'], nexus: [], unresolved: null, kernel: null, source: 'devicetree' }
    expect(r.interrupts).toEqual([
      { index: 0, name: 'tx', cells: [0, 0x2b, 1], controllerCells: [0, 0x2b, 1], gic: { kind: 'SPI', number: 43, hwirq: 75, trigger: 'edge-rising' }, ...common },
      { index: 1, name: 'rx', cells: [0, 0x2c, 4], controllerCells: [0, 0x2c, 4], gic: { kind: 'SPI', number: 44, hwirq: 76, trigger: 'level-high' }, ...common },
    ])
  })

  it('a root-level node: 2+2 cells, identity translation, PPI decoding', () => {
    const fs = new DtFs({ ...ROOT, '/timer/reg': be(0, 0x9010000, 0, 0x1000), '/timer/interrupts': be(1, 13, 0xf04) })
    const r = readDtResources(fs, `${DT_BASE}/timer`)
    expect(r.reg).toMatchObject([{ index: 0, name: null, cells: [0, 0x9010000, 0, 0x1000], address: 0x9010000n, size: 0x1000n, cpuAddress: 0x9010000n }])
    expect(r.interrupts?.[0]?.gic).toEqual({ kind: 'PPI', number: 13, hwirq: 29, trigger: 'level-high' })
  })

  it('an address no range maps, and a bus without ranges, are not translated', () => {
    const outside = readDtResources(new DtFs({ ...ROOT, ...SOC, [`${DUAL}/reg`]: be(0x2000, 0x10) }), DT_BASE + DUAL)
    expect(outside.reg?.[0]).toMatchObject({ address: 0x2000n, cpuAddress: null, untranslatable: 'no window of /soc/bus@a003000 ranges covers it', resource: false })
    const noRanges = { ...ROOT, ...SOC }
    delete (noRanges as Record<string, Uint8Array>)['/soc/bus@a003000/ranges']
    expect(readDtResources(new DtFs(noRanges), DT_BASE + DUAL).reg?.[0]).toMatchObject({ address: 0x600n, cpuAddress: null, untranslatable: '/soc/bus@a003000 has no ranges (not translatable)' })
  })

  it('interrupts-extended: each entry with its own controller; a non-GIC controller keeps raw cells', () => {
    const fs = new DtFs({
      ...ROOT,
      '/gpio@9030000/#interrupt-cells': be(2),
      '/gpio@9030000/interrupt-controller': new Uint8Array(0),
      '/gpio@9030000/compatible': str('arm,pl061', 'arm,primecell'),
      '/gpio@9030000/phandle': be(0x8004),
      '/keys/interrupts-extended': be(0x8002, 0, 7, 4, 0x8004, 3, 2),
    })
    expect(readDtResources(fs, `${DT_BASE}/keys`).interrupts).toMatchObject([
      { index: 0, name: null, controller: '/intc@8000000', cells: [0, 7, 4], gic: { kind: 'SPI', number: 7, hwirq: 39, trigger: 'level-high' } },
      { index: 1, name: null, controller: '/gpio@9030000', controllerCompatible: ['arm,pl061', 'arm,primecell'], cells: [3, 2], gic: null },
    ])
  })

  it('an unknown interrupt parent keeps every cell in one entry instead of guessing', () => {
    const fs = new DtFs({ '/#address-cells': be(2), '/dev/interrupts': be(0, 5, 4) })
    expect(readDtResources(fs, `${DT_BASE}/dev`).interrupts).toMatchObject([{ index: 0, name: null, controller: null, cells: [0, 5, 4], gic: null, unresolved: 'no interrupt parent with #interrupt-cells' }])
  })

  it('a PCI child has phys.hi/mid/lo cells, not an address', () => {
    const fs = new DtFs({
      ...ROOT,
      '/pcie@10000000/device_type': str('pci'),
      '/pcie@10000000/#address-cells': be(3),
      '/pcie@10000000/#size-cells': be(2),
      '/pcie@10000000/ethernet@0,0/reg': be(0x10000, 0, 0, 0, 0),
    })
    expect(readDtResources(fs, `${DT_BASE}/pcie@10000000/ethernet@0,0`).reg).toMatchObject([{ index: 0, name: null, cells: [0x10000, 0, 0, 0, 0], address: null, size: null, cpuAddress: null, bus: 'pci', flags: 0x10000, resource: false }])
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
