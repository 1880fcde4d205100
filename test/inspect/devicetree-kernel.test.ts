// Device-tree decoding against the rules of Linux's drivers/of/address.c and irq.c, on the constructs
// of test/vm/arm64/dt/lsvfio-virt.dtsi (nested ranges with different cell sizes, a 3-cell flags bus,
// entries no window maps, an interrupt nexus, interrupts-extended, a second-level controller) plus
// ISA, PCI and malformed cases; and the kernel's word (/sys/kernel/irq, the device name) preferred.
import { describe, expect, it } from 'vitest'
import { DT_BASE, readDtResources } from '../../src/inspect/devicetree.js'
import { withKernelIrqs } from '../../src/inspect/devicetree-irq.js'
import { FsError } from '../../src/inspect/fs.js'
import { be, DtFs, ROOT, str } from '../helpers/dtfs.js'

const none = new Uint8Array(0)
const PL061 = {
  '/pl061@9030000/compatible': str('arm,pl061', 'arm,primecell'),
  '/pl061@9030000/phandle': be(0x8004),
  '/pl061@9030000/interrupt-controller': none,
  '/pl061@9030000/#interrupt-cells': be(2),
}
const B = '/bus@a002000'
const CS = `${B}/cs-bus@10000000`
const FL = `${CS}/flags-bus@2,0`
const NESTED = {
  [`${B}/#address-cells`]: be(1),
  [`${B}/#size-cells`]: be(1),
  [`${B}/ranges`]: be(0x10000000, 0, 0xa002000, 0x800),
  [`${CS}/#address-cells`]: be(2),
  [`${CS}/#size-cells`]: be(1),
  [`${CS}/ranges`]: be(1, 0, 0x10000200, 0x200, 2, 0, 0x10000400, 0x400),
  [`${CS}/chip@1,0/reg`]: be(1, 0, 0x200, 3, 0, 0x100),
  [`${CS}/chip@1,0/reg-names`]: str('regs', 'unmapped'),
  [`${CS}/chip@1,0/interrupts`]: be(0, 0x21, 4),
  [`${FL}/#address-cells`]: be(3),
  [`${FL}/#size-cells`]: be(1),
  [`${FL}/ranges`]: be(0x200, 0, 0, 2, 0, 0x400),
  [`${FL}/flagged@200,0,200/reg`]: be(0x200, 0, 0x200, 0x200, 0x100, 0, 0, 0x10),
  [`${FL}/flagged@200,0,200/interrupts-extended`]: be(0x8002, 0, 0x23, 1, 0x8004, 5, 2),
}
const M = '/intmux@a002800'
const NEXUS = {
  '/intc@8000000/#address-cells': be(2), // QEMU's GIC has it: its interrupt-map entries carry 2 parent address cells
  [`${M}/#address-cells`]: be(1),
  [`${M}/#size-cells`]: be(1),
  [`${M}/ranges`]: be(0, 0, 0xa002800, 0x600),
  [`${M}/#interrupt-cells`]: be(1),
  [`${M}/interrupt-map-mask`]: be(0xffffff00, 3),
  [`${M}/interrupt-map`]: be(0x000, 1, 0x8002, 0, 0, 0, 0x24, 4, 0x000, 2, 0x8004, 6, 1, 0x200, 1, 0x8002, 0, 0, 0, 0x25, 1, 0x400, 1, 0x8002, 0, 0, 0, 0x26, 1),
  [`${M}/port@0/reg`]: be(0, 0x200),
  [`${M}/port@0/interrupts`]: be(1, 2),
  [`${M}/port@200/reg`]: be(0x200, 0x200),
  [`${M}/port@200/interrupts`]: be(1),
  [`${M}/sub@400/#address-cells`]: be(1),
  [`${M}/sub@400/#size-cells`]: be(1),
  [`${M}/sub@400/ranges`]: none,
  [`${M}/sub@400/port@400/reg`]: be(0x400, 0x200),
  [`${M}/sub@400/port@400/interrupts`]: be(1),
}
const dt = (extra: Record<string, Uint8Array> = {}, abs: Record<string, string> = {}): DtFs => new DtFs({ ...ROOT, ...PL061, ...NESTED, ...NEXUS, ...extra }, abs)
const at = (p: string, fs = dt(), name?: string): ReturnType<typeof readDtResources> => readDtResources(fs, DT_BASE + p, name)

describe('reg through every ranges level (of_translate_address)', () => {
  it('three levels with 1, 2 and 3 address cells; an entry on an unmapped chip select stops the resources', () => {
    expect(at(`${CS}/chip@1,0`).reg).toMatchObject([
      { name: 'regs', address: 0x1_0000_0000n, size: 0x200n, cpuAddress: 0xa002200n, bus: 'default', untranslatable: null, resource: true },
      { name: 'unmapped', address: 0x3_0000_0000n, cpuAddress: null, untranslatable: `no window of ${CS} ranges covers it`, resource: false },
    ])
  })

  it('a bus with three address cells is a flags bus: windows match only equal flags, which the translation keeps', () => {
    expect(at(`${FL}/flagged@200,0,200`).reg).toMatchObject([
      { address: 0x200n, size: 0x200n, cpuAddress: 0xa002600n, bus: 'default-flags', flags: 0x200, resource: true },
      { address: 0n, size: 0x10n, cpuAddress: null, bus: 'default-flags', flags: 0x100, resource: false, untranslatable: `no window of ${FL} ranges covers it (default-flags bus: the flags must match too)` },
    ])
  })

  it('empty ranges are identity; #size-cells 0 on the way up is a bad cell count', () => {
    expect(at(`${M}/sub@400/port@400`).reg?.[0]).toMatchObject({ cpuAddress: 0xa002c00n })
    expect(at(`${M}/sub@400/port@400`, dt({ [`${M}/#size-cells`]: be(0) })).reg?.[0]).toMatchObject({ cpuAddress: null, untranslatable: `bad cell count under ${M} (#address-cells 1, #size-cells 0)` })
  })

  it('ISA: <space address> with I/O and memory windows told apart by bit 0', () => {
    const fs = dt({
      '/isa/#address-cells': be(2),
      '/isa/#size-cells': be(1),
      '/isa/ranges': be(1, 0, 0, 0x3f000000, 0x10000, 0, 0, 0, 0x3e000000, 0x10000),
      '/isa/uart@i3f8/reg': be(1, 0x3f8, 8),
      '/isa/mem@0/reg': be(0, 0x100, 0x10),
    })
    expect(at('/isa/uart@i3f8', fs).reg?.[0]).toMatchObject({ bus: 'isa', flags: 1, address: 0x3f8n, cpuAddress: 0x3f0003f8n })
    expect(at('/isa/mem@0', fs).reg?.[0]).toMatchObject({ bus: 'isa', flags: 0, cpuAddress: 0x3e000100n })
  })

  it('PCI: a memory-space address goes through the host bridge window of its space, config space never does', () => {
    const fs = dt({
      '/pcie@10000000/device_type': str('pci'),
      '/pcie@10000000/#address-cells': be(3),
      '/pcie@10000000/#size-cells': be(2),
      '/pcie@10000000/ranges': be(0x01000000, 0, 0, 0, 0x3eff0000, 0, 0x10000, 0x02000000, 0, 0x10000000, 0, 0x10000000, 0, 0x2eff0000),
      '/pcie@10000000/dev@3,0/reg': be(0x1800, 0, 0, 0, 0, 0x02001810, 0, 0x10001000, 0, 0x1000),
    })
    expect(at('/pcie@10000000/dev@3,0', fs).reg).toMatchObject([
      { bus: 'pci', flags: 0x1800, cpuAddress: null, untranslatable: 'no window of /pcie@10000000 ranges covers it (pci bus: the flags must match too)' },
      { bus: 'pci', flags: 0x02001810, cpuAddress: 0x10001000n, resource: false },
    ])
  })

  it("the device name (of_device_make_bus_id) is the kernel's translation of reg 0 and wins", () => {
    expect(at(`${CS}/chip@1,0`, dt(), 'a002200.chip').reg?.[0]).toMatchObject({ cpuAddress: 0xa002200n, source: 'kernel' })
    const differs = at(`${CS}/chip@1,0`, dt({ [`${CS}/ranges`]: be(1, 0, 0x10000300, 0x200) }), 'a002200.chip').reg?.[0]
    expect(differs).toMatchObject({ cpuAddress: 0xa002200n, source: 'kernel', untranslatable: null })
    expect(at(`${CS}/chip@1,0`, dt(), 'a002200.other').reg?.[0]).toMatchObject({ source: 'devicetree' })
  })
})

describe('interrupts as of_irq_parse_one / of_irq_parse_raw resolve them', () => {
  it('interrupts-extended: a GIC SPI and a PL061 line, each with its controller named', () => {
    expect(at(`${FL}/flagged@200,0,200`).interrupts).toMatchObject([
      { controller: '/intc@8000000', cells: [0, 0x23, 1], gic: { kind: 'SPI', number: 0x23, hwirq: 67, trigger: 'edge-rising' }, nexus: [] },
      { controller: '/pl061@9030000', controllerCompatible: ['arm,pl061', 'arm,primecell'], cells: [5, 2], controllerCells: [5, 2], gic: null },
    ])
  })

  it('a nexus maps <unit address, line> under its mask, to the GIC (2 parent address cells) or the PL061 (none)', () => {
    expect(at(`${M}/port@0`).interrupts).toMatchObject([
      { cells: [1], controller: '/intc@8000000', nexus: [M], controllerCells: [0, 0x24, 4], gic: { kind: 'SPI', number: 0x24, trigger: 'level-high' } },
      { cells: [2], controller: '/pl061@9030000', nexus: [M], controllerCells: [6, 1], gic: null },
    ])
    expect(at(`${M}/port@200`).interrupts?.[0]).toMatchObject({ controllerCells: [0, 0x25, 1] })
    // the parent is inherited through sub@400 (no #interrupt-cells); its unit address picks the entry
    expect(at(`${M}/sub@400/port@400`).interrupts?.[0]).toMatchObject({ nexus: [M], controllerCells: [0, 0x26, 1], gic: { number: 0x26 } })
    // the mask keeps 0x2xx apart from 0x4xx and ignores the low byte
    expect(at(`${M}/port@200`, dt({ [`${M}/port@200/reg`]: be(0x2f0, 0x10) })).interrupts?.[0]).toMatchObject({ controllerCells: [0, 0x25, 1] })
  })

  it('no map entry matches, a disabled target, a missing reg: unresolved, with the reason', () => {
    expect(at(`${M}/port@200`, dt({ [`${M}/port@200/interrupts`]: be(3) })).interrupts?.[0]).toMatchObject({ controller: M, unresolved: `no entry of ${M} interrupt-map matches`, gic: null })
    expect(at(`${M}/port@0`, dt({ '/pl061@9030000/status': str('disabled') })).interrupts?.[1]).toMatchObject({ unresolved: `no entry of ${M} interrupt-map matches` })
    expect(at(`${M}/noreg`, dt({ [`${M}/noreg/interrupts`]: be(1) })).interrupts?.[0]).toMatchObject({ unresolved: `${M} maps by unit address and the node has no reg` })
  })

  it('a controller without interrupt-controller passes the specifier on to its own parent, as the kernel does', () => {
    const props = Object.entries({ ...ROOT, ...PL061, ...NESTED }).filter(([k]) => !k.endsWith('pl061@9030000/interrupt-controller'))
    const q = readDtResources(new DtFs(Object.fromEntries(props)), `${DT_BASE}${FL}/flagged@200,0,200`).interrupts?.[1]
    expect(q).toMatchObject({ controller: '/intc@8000000', cells: [5, 2], gic: null })
  })

  it("the kernel's mapping from /sys/kernel/irq is named only with evidence; else the DT decoding is the source", () => {
    const irq = (n: number, hw: number, type: string, chip = '', actions = ''): Record<string, string> => ({
      [`/sys/kernel/irq/${n}/hwirq`]: `${hw}\n`,
      [`/sys/kernel/irq/${n}/type`]: `${type}\n`,
      [`/sys/kernel/irq/${n}/chip_name`]: `${chip}\n`,
      [`/sys/kernel/irq/${n}/actions`]: `${actions}\n`,
    })
    const base = { ...irq(6, 5, 'edge', '', 'IPI'), ...irq(19, 0, 'edge', 'GICv2m-PCI-MSIX-0000:00:01.0'), ...irq(24, 67, 'edge'), ...irq(25, 5, 'edge') }
    const decode = (abs: Record<string, string>) => {
      const fs = dt({}, abs)
      return withKernelIrqs(fs, 'a002600.flagged', at(`${FL}/flagged@200,0,200`, fs).interrupts ?? [])
    }
    const [gic, gpio] = decode(base)
    expect(gic).toMatchObject({ kernel: { virq: 24, hwirq: 67, type: 'edge', chip: null }, source: 'kernel' })
    // a PL061 line 5 and the SGI (IPI) 5 look alike in /sys/kernel/irq: no claim without evidence
    expect(gpio).toMatchObject({ kernel: null, source: 'devicetree' })
    // vfio-platform's handler names the device while it is open: that is evidence
    const [, named] = decode({ ...base, ...irq(25, 5, 'edge', '', 'vfio-irq[25](a002600.flagged)') })
    expect(named).toMatchObject({ kernel: { virq: 25, hwirq: 5 }, source: 'kernel' })
    // two GIC-looking IRQs with one ID (another domain's line 67): no claim
    expect(decode({ ...base, ...irq(40, 67, 'level') })[0]).toMatchObject({ kernel: null, source: 'devicetree' })
  })
})

describe('the kernel mapping when /sys/kernel/irq cannot be read', () => {
  it('is unknown, not an error', () => {
    const fs = new DtFs({ ...ROOT, ...PL061, ...NESTED }, { '/sys/kernel/irq/7/hwirq': '67\n' })
    const real = fs.readText.bind(fs)
    fs.readText = (p: string) => (p.endsWith('/hwirq') ? (() => { throw new FsError('ENODATA', p) })() : real(p))
    const q = withKernelIrqs(fs, 'a002600.flagged', readDtResources(fs, `${DT_BASE}${FL}/flagged@200,0,200`).interrupts ?? [])
    expect(q.map((x) => [x.kernel, x.source])).toEqual([[null, 'devicetree'], [null, 'devicetree']])
  })
})
