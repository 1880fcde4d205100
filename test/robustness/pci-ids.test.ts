// The lazy pci.ids lookup (byte searches, a chunk at a time) must name exactly what a plain full parse
// of the file names: checked on hand-made edge cases and, when present, on the system's pci.ids.
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { loadSystemPciIds, PCI_IDS_PATHS, PciIds } from '../../src/inspect/pci-ids.js'

/** The straightforward parse (what lsvfio did before): every line into maps. */
function reference(text: string): { vendors: Map<string, string>; devices: Map<string, string>; classes: Map<string, string> } {
  const vendors = new Map<string, string>()
  const devices = new Map<string, string>()
  const classes = new Map<string, string>()
  let vendor = ''
  let cls = ''
  let sub = ''
  let inClasses = false
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    if (line.startsWith('C ')) {
      inClasses = true
      cls = line.slice(2, 4)
      classes.set(cls, line.slice(6).trim())
    } else if (!inClasses) {
      if (line[0] !== '\t') {
        vendor = line.slice(0, 4)
        vendors.set(vendor, line.slice(6).trim())
      } else if (line[1] !== '\t') devices.set(vendor + line.slice(1, 5), line.slice(7).trim())
    } else if (line[0] === '\t' && line[1] !== '\t') {
      sub = line.slice(1, 3)
      classes.set(cls + sub, line.slice(5).trim())
    }
  }
  return { vendors, devices, classes }
}

const SAMPLE = [
  '0001  First vendor on line one',
  '\t0001  Its device',
  '# a comment inside the vendor section',
  '0010  Allied',
  '# comment inside a block',
  '\t8139  AT-2500TX',
  '\t\t0010 8139  a subsystem line that must not be taken for a device',
  '',
  '1af4  Red Hat, Inc.',
  '\t1000  Virtio network device',
  '\t1041  Virtio 1.0 network device',
  '1b36  Red Hat, Inc.',
  '\t0001  QEMU PCI-PCI bridge',
  '\t000e  QEMU PCIe-to-PCI bridge',
  '8086  Intel Corporation',
  '\t29c0  82G33/G31/P35/P31 Express DRAM Controller',
  'ffff  Illegal Vendor ID',
  '',
  '# List of known device classes',
  'C 00  Unclassified device',
  '\t00  Non-VGA unclassified device',
  'C 02  Network controller',
  '\t00  Ethernet controller',
  '\t\t00  some prog-if',
  'C 06  Bridge',
  '\t04  PCI bridge',
  '',
].join('\n')

describe('PciIds', () => {
  it('names vendors, devices and classes as the full parse does, on edge cases', () => {
    const ids = new PciIds(SAMPLE)
    const ref = reference(SAMPLE)
    expect(ids.vendor(0x0001)).toBe('First vendor on line one')
    expect(ids.device(0x0010, 0x8139)).toBe('AT-2500TX')
    // 0001 is a device of vendor 0001 and of 1b36, never of 0010 or 1af4.
    expect(ids.device(0x0010, 0x0001)).toBeNull()
    expect(ids.device(0x1af4, 0x0001)).toBeNull()
    expect(ids.device(0x1b36, 0x0001)).toBe('QEMU PCI-PCI bridge')
    // a subsystem line's second id is not a device of the vendor
    expect(ids.device(0x0010, 0x0010)).toBeNull()
    expect(ids.device(0xffff, 0x0000)).toBeNull()
    expect(ids.vendor(0x1234)).toBeNull()
    expect(ids.className(0x060400)).toBe('PCI bridge')
    expect(ids.className(0x069900)).toBe('Bridge')
    expect(ids.className(0x990000)).toBeNull()
    for (const [k, v] of ref.vendors) expect(ids.vendor(parseInt(k, 16))).toBe(v)
    for (const [k, v] of ref.devices) expect(ids.device(parseInt(k.slice(0, 4), 16), parseInt(k.slice(4), 16))).toBe(v)
    for (let c = 0; c < 0x10000; c += 0x11) expect(ids.className(c << 8)).toBe(ref.classes.get(c.toString(16).padStart(4, '0')) ?? ref.classes.get((c >> 8).toString(16).padStart(2, '0')) ?? null)
  })

  it('gives null, never an exception, for an empty or unreadable file', () => {
    expect(new PciIds('').vendor(0x8086)).toBeNull()
    let opened = 0
    let closed = 0
    const failing = (on: 'open' | 'read'): PciIds =>
      new PciIds({
        size: 1000,
        open: () => {
          if (on === 'open') throw new Error('EACCES')
          opened++
          return {
            readAt: () => {
              throw new Error('EIO')
            },
            close: () => void closed++,
          }
        },
      })
    for (const ids of [failing('open'), failing('read')]) expect([ids.vendor(1), ids.device(1, 2), ids.className(0x020000)]).toEqual([null, null, null])
    // each lookup that opened the file closed it again
    expect(opened).toBeGreaterThan(0)
    expect(closed).toBe(opened)
    expect(loadSystemPciIds(['/nonexistent/pci.ids'])).toBeNull()
  })

  const system = PCI_IDS_PATHS.find((p) => existsSync(p))
  it.skipIf(system === undefined)(`agrees with the full parse of ${system ?? 'the system pci.ids (absent)'} on a sample across the file`, () => {
    const text = readFileSync(system ?? '', 'latin1')
    const ref = reference(text)
    const ids = loadSystemPciIds([system ?? ''])
    if (ids === null) throw new Error('system pci.ids not loaded')
    const devices = [...ref.devices].filter((_, i) => i % 97 === 0)
    expect(devices.length).toBeGreaterThan(100)
    for (const [k, v] of devices) expect(ids.device(parseInt(k.slice(0, 4), 16), parseInt(k.slice(4), 16)), k).toBe(v)
    for (const [k, v] of [...ref.vendors].filter((_, i) => i % 13 === 0)) expect(ids.vendor(parseInt(k, 16)), k).toBe(v)
    // Absent devices of present vendors (Intel's block is the largest) stay absent.
    for (let d = 0; d < 0x10000; d += 0x1111) expect(ids.device(0x8086, d)).toBe(ref.devices.get('8086' + d.toString(16).padStart(4, '0')) ?? null)
  })
})
