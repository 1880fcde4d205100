// Witness parsers on text captured from a real boot (test/vm/testdata/6.12-full/SOURCE.txt says how).
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  loadLspci,
  parseDevVfioListing,
  parseLspci,
  parseRegionLine,
  parseSysfsResourceLine,
  parseWitness,
  type LspciDevice,
  type Witness,
} from './witness.js'

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata/6.12-full')
const read = (f: string): string => readFileSync(path.join(DIR, f), 'utf8')

function dev(list: readonly LspciDevice[], bdf: string): LspciDevice {
  const d = list.find((x) => x.address === bdf)
  if (d === undefined) throw new Error(`${bdf} not parsed`)
  return d
}

const M = 1n << 20n
const K = 1n << 10n

describe('parseLspci on lspci -vvv -nn -k -D -xxx from the 6.12 full boot', () => {
  let l: LspciDevice[]
  let w: Witness
  beforeAll(() => {
    l = parseLspci(read('lspci.txt'))
    w = parseWitness(read('witness.json'))
  })

  it('finds every device sysfs lists, in the same order', () => {
    expect(l).toHaveLength(25)
    expect(l.map((d) => d.address)).toEqual(w.devices.map((d) => d.address))
    for (const d of l) expect(d.other, `${d.address} unparsed lines`).toEqual([])
  })

  it('reads the header line: class with prog-if, IDs, revision', () => {
    const edu = dev(l, '0000:00:03.0')
    expect(edu).toMatchObject({ classCode: 0x00ff00, vendorId: 0x1234, deviceId: 0x11e8, revision: 0x10 })
    expect(edu.subsystem).toEqual({ vendorId: 0x1af4, deviceId: 0x1100 })
    // "... SATA Controller [AHCI mode] [8086:2922] (rev 02) (prog-if 01 [AHCI 1.0])": brackets in the name
    expect(dev(l, '0000:00:1f.2')).toMatchObject({ classCode: 0x010601, vendorId: 0x8086, deviceId: 0x2922, revision: 2 })
    expect(dev(l, '0000:01:00.0').classCode).toBe(0x010802)
    for (const d of l) {
      const s = w.devices.find((x) => x.address === d.address)
      expect([d.vendorId, d.deviceId, d.classCode], d.address).toEqual([s?.vendorId, s?.deviceId, s?.classCode])
    }
  })

  it('reads driver, IOMMU group, command bits, interrupt, bridge buses', () => {
    const edu = dev(l, '0000:00:03.0')
    expect(edu).toMatchObject({ driverInUse: 'vfio-pci', iommuGroup: 1, interrupt: { pin: 'A', irq: 11 } })
    expect(edu.command).toEqual({ io: true, mem: true, busMaster: false })
    expect(dev(l, '0000:00:1f.0').driverInUse).toBeNull()
    expect(dev(l, '0000:04:00.0').bus).toEqual({ primary: 4, secondary: 5, subordinate: 5 })
    expect(dev(l, '0000:07:02.0').physicalSlot).toBe('2-2')
    for (const d of l) {
      const s = w.devices.find((x) => x.address === d.address)
      expect(d.driverInUse, d.address).toBe(s?.driver ?? null)
      expect(d.iommuGroup, d.address).toBe(s?.iommuGroup ?? null)
    }
  })

  it('reads regions: memory/I/O, 32/64-bit, prefetchable, ROM', () => {
    expect(dev(l, '0000:00:03.0').regions).toEqual([
      { index: 0, kind: 'mem', start: 0xfea00000n, size: M, is64: false, prefetch: false, disabled: false, disabledByCmd: false, virtual: false, unassigned: false, ignored: false },
    ])
    const ivshmem = dev(l, '0000:00:05.0').regions
    expect(ivshmem.map((r) => [r.index, r.size, r.is64, r.prefetch])).toEqual([
      [0, 256n, false, false],
      [2, 256n * M, true, true],
    ])
    const vnet = dev(l, '0000:00:07.0').regions
    expect(vnet.map((r) => [r.index, r.kind, r.start, r.size, r.disabled])).toEqual([
      [0, 'io', 0xf180n, 32n, false],
      [1, 'mem', 0xfeb46000n, 4n * K, false],
      [4, 'mem', 0xf0a00000n, 16n * K, false],
      [6, 'rom', 0xfeb00000n, 256n * K, true], // the ROM's own enable bit is clear
    ])
    expect(dev(l, '0000:02:00.0').regions.map((r) => r.index)).toEqual([0, 1, 2, 3, 6])
  })

  it('agrees with sysfs resource lines on every BAR and ROM', () => {
    let n = 0
    for (const d of l) {
      const s = w.devices.find((x) => x.address === d.address)
      for (const r of d.regions) {
        const res = s?.resources[r.index]
        expect(res, `${d.address} resource ${r.index}`).toBeDefined()
        expect([res?.start, res?.size], `${d.address} region ${r.index}`).toEqual([r.start, r.size])
        expect(res?.kind, `${d.address} region ${r.index}`).toBe(r.kind === 'io' ? 'io' : 'mem')
        n++
      }
    }
    expect(n).toBe(42) // = grep -c 'Region [0-9]\|Expansion ROM' lspci.txt
  })

  it('reads capabilities with IDs from the config dump, MSI and MSI-X counts', () => {
    const edu = dev(l, '0000:00:03.0').capabilities
    expect(edu).toHaveLength(1)
    expect(edu?.[0]).toMatchObject({ offset: 0x40, id: 0x05, extended: false, msi: { enabled: false, count: 1, max: 1, maskable: false, is64: true } })
    const nvme = dev(l, '0000:01:00.0').capabilities ?? []
    expect(nvme.map((c) => [c.offset, c.id])).toEqual([
      [0x40, 0x11],
      [0x80, 0x10],
      [0x60, 0x01],
    ])
    expect(nvme[0]?.msix).toEqual({ enabled: false, count: 65, masked: false, table: { bar: 0, offset: 0x2000 }, pba: { bar: 0, offset: 0x3000 } })
    expect(nvme[1]?.express).toEqual({ version: 2, type: 'Endpoint' })
    const vnet = dev(l, '0000:00:07.0').capabilities ?? []
    expect(vnet[0]?.msix).toEqual({ enabled: false, count: 4, masked: false, table: { bar: 1, offset: 0 }, pba: { bar: 1, offset: 0x800 } })
    expect(vnet.slice(1).every((c) => c.id === 0x09)).toBe(true) // vendor-specific
    // a root port in use by pcieport has MSI-X enabled
    expect(dev(l, '0000:00:10.0').capabilities?.find((c) => c.msix)?.msix?.enabled).toBe(true)
  })

  it('gives extended capability IDs only with the 4 KiB dump (loadLspci)', async () => {
    const e1000e = dev(l, '0000:02:00.0').capabilities?.filter((c) => c.extended)
    expect(e1000e?.[1]).toMatchObject({ offset: 0x140, version: 1, id: null, name: 'Device Serial Number 52-54-00-ff-ff-12-34-57' })
    const full = await loadLspci(DIR)
    const ext = (bdf: string): (number | null)[] => (dev(full, bdf).capabilities ?? []).filter((c) => c.extended).map((c) => c.id)
    expect(ext('0000:02:00.0')).toEqual([0x0001, 0x0003]) // AER, DSN
    expect(ext('0000:00:10.0')).toEqual([0x0001, 0x000d]) // AER, ACS
    expect(dev(full, '0000:01:00.0').config).toHaveLength(4096)
    expect(dev(full, '0000:00:03.0').config).toHaveLength(256) // conventional: no extended space
  })

  it('has the same config bytes as sysfs', () => {
    for (const d of l) {
      const s = w.devices.find((x) => x.address === d.address)
      expect(d.config, d.address).toHaveLength(256)
      expect(Buffer.from(d.config).equals(Buffer.from(s?.config?.subarray(0, 256) ?? [])), d.address).toBe(true)
    }
  })
})

describe('parseLspci on the variants', () => {
  it('non-root: 64-byte dumps and <access denied> capabilities', () => {
    const l = parseLspci(read('lspci-nonroot.txt'))
    expect(l).toHaveLength(25)
    const edu = dev(l, '0000:00:03.0')
    expect(edu.capabilities).toBeNull()
    expect(edu.config).toHaveLength(64)
    expect(edu.regions).toHaveLength(1)
    expect(dev(l, '0000:00:04.0').capabilities).toEqual([]) // Status: Cap-, nothing to deny
  })

  it('poked config: [disabled], [virtual], [disabled by cmd]', () => {
    const l = parseLspci(read('lspci-poked.txt'))
    const testdev = dev(l, '0000:00:04.0')
    expect(testdev.command).toEqual({ io: false, mem: false, busMaster: false })
    expect(testdev.regions.map((r) => [r.index, r.virtual, r.disabled, r.start])).toEqual([
      [0, true, false, 0xfeb44000n], // BAR0 zeroed in config, still known to the kernel
      [1, false, true, 0xf000n],
    ])
    const vnet = dev(l, '0000:00:07.0').regions
    expect(vnet.filter((r) => r.kind !== 'rom').every((r) => r.disabled)).toBe(true)
    expect(vnet.find((r) => r.kind === 'rom')).toMatchObject({ disabled: false, disabledByCmd: true, size: 256n * K })
  })

  it('parseRegionLine ignores lines that are not regions', () => {
    expect(parseRegionLine('\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0')).toBeNull()
    expect(parseRegionLine('\tMemory behind bridge: fe800000-fe9fffff [size=2M] [32-bit]')).toBeNull()
  })
})

describe('sysfs witness', () => {
  const w = parseWitness(read('witness.json'))

  it('parses resource lines into start/size/flags', () => {
    const ivshmem = w.devices.find((d) => d.address === '0000:00:05.0')
    expect(ivshmem?.resources[2]).toMatchObject({ start: 0xe0000000n, size: 256n * M, kind: 'mem', prefetch: true, is64: true })
    expect(ivshmem?.resources[1]).toMatchObject({ size: 0n, kind: 'none' })
    const line = '0x000000000000f000 0x000000000000f0ff 0x0000000000040101'
    expect(read('witness.json')).toContain(line) // pci-testdev's I/O BAR, as the kernel printed it
    expect(parseSysfsResourceLine(line, 1)).toMatchObject({ start: 0xf000n, end: 0xf0ffn, size: 256n, kind: 'io' })
  })

  it('has driver, driver_override, reset_method, MSI vectors', () => {
    const nvme = w.devices.find((d) => d.address === '0000:01:00.0')
    expect(nvme).toMatchObject({ driver: 'vfio-pci', driverOverride: 'vfio-pci', resetMethods: ['flr', 'bus'], msiIrqs: [] })
    expect(w.devices.find((d) => d.address === '0000:02:00.0')?.resetMethods).toEqual(['pm', 'bus'])
    expect(w.devices.find((d) => d.address === '0000:00:03.0')?.resetMethods).toEqual([])
    const rp = w.devices.find((d) => d.address === '0000:00:10.0')
    expect(rp).toMatchObject({ driver: 'pcieport', driverOverride: null })
    expect(rp?.msiIrqs.map((m) => m.mode)).toEqual(['msix'])
    expect(w.devices.find((d) => d.address === '0000:05:01.0')?.parent).toBe('0000:04:00.0')
    expect(w.devices.find((d) => d.address === '0000:00:03.0')?.parent).toBeNull()
  })

  it('has IOMMU groups and /dev/vfio nodes that agree with ls -ln', () => {
    const byDev = new Map(w.groups.flatMap((g) => g.devices.map((d) => [d, g.id] as const)))
    expect(byDev.get('0000:05:02.0')).toBe(byDev.get('0000:04:00.0'))
    expect(w.groups.find((g) => g.devices.includes('0000:00:03.0'))?.reservedRegions).toEqual([
      { start: 0xfee00000n, end: 0xfeefffffn, type: 'msi' },
    ])
    const ls = parseDevVfioListing(read('dev-vfio.txt'))
    expect(ls.map((n) => n.name).sort()).toEqual(w.devVfio.map((n) => n.name).sort())
    for (const n of ls) {
      const j = w.devVfio.find((x) => x.name === n.name)
      expect(`${n.major}:${n.minor}`, n.name).toBe(j?.rdev)
    }
    expect(ls.find((n) => n.name === 'vfio')).toMatchObject({ mode: 'crw-rw-rw-', major: 10, minor: 196 })
  })
})
