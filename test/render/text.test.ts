import { describe, expect, it } from 'vitest'
import { createStyle, plainStyle } from '../../src/render/style.js'
import { renderText } from '../../src/render/text.js'
import type { ViewOptions } from '../../src/render/view.js'
import {
  device,
  errQuirk,
  failed,
  group,
  host,
  hostResource,
  inventory,
  ok,
  pci,
  pciView,
  REGION,
} from '../helpers/builders.js'
import { kitchenSinkInventory } from './rich-inventory.js'
import { armNoiommuInventory, vmInventory } from './vm-inventory.js'

const v = (verbose: ViewOptions['verbose'], numeric: ViewOptions['numeric'] = 0): ViewOptions => ({ verbose, numeric })
const text = (lines: string[]): string => `${lines.join('\n')}\n`

const e1000e = pci({
  vendorId: 0x8086,
  deviceId: 0x10d3,
  classCode: 0x020000,
  className: 'Ethernet controller',
  vendorName: 'Intel Corporation',
  deviceName: '82574L',
  revision: 0,
})

describe('renderText, verbose 0', () => {
  it('names devices like lspci, -n and -nn', () => {
    const inv = inventory({ groups: [group({ id: 13, devices: [device({ address: '0000:02:00.0', pci: e1000e })] })] })
    const out = ([0, 1, 2] as const).map((n) => renderText(inv, v(0, n), plainStyle)[1])
    expect(out).toMatchInlineSnapshot(`
      [
        "  0000:02:00.0 Ethernet controller: Intel Corporation 82574L  driver=vfio-pci",
        "  0000:02:00.0 0200: 8086:10d3  driver=vfio-pci",
        "  0000:02:00.0 Ethernet controller [0200]: Intel Corporation 82574L [8086:10d3]  driver=vfio-pci",
      ]
    `)
  })

  it('falls back to IDs when pci.ids has no names, and shows the revision', () => {
    const inv = inventory({ groups: [group({ devices: [device({ pci: pci({ className: null, revision: 2 }) })] })] })
    expect(renderText(inv, v(0), plainStyle)[1]).toBe('  0000:00:03.0 Class 00ff: Device 1234:11e8 (rev 02)  driver=vfio-pci')
    expect(renderText(inv, v(0, 2), plainStyle)[1]).toBe('  0000:00:03.0 Class [00ff]: Device [1234:11e8] (rev 02)  driver=vfio-pci')
  })

  it('summarises an opened device and marks a failed one in one short marker', () => {
    const inv = inventory({
      groups: [
        group({
          id: 12,
          devices: [
            device({ address: '0000:01:00.0', vfio: ok(pciView({ reset: true })) }),
            device({ address: '0000:01:00.1', vfio: failed({ op: 'open', code: 'EACCES', errno: 13, path: '/dev/vfio/12' }) }),
          ],
        }),
      ],
    })
    expect(renderText(inv, v(0), plainStyle)).toMatchInlineSnapshot(`
      [
        "IOMMU group 12  /dev/vfio/12 crw------- root:root  viable",
        "  0000:01:00.0 Unclassified device: Device 1234:11e8 (rev 10)  driver=vfio-pci  regions 9 irqs 5 reset",
        "  0000:01:00.1 Unclassified device: Device 1234:11e8 (rev 10)  driver=vfio-pci  <EACCES: permission denied>",
      ]
    `)
  })

  it('lists groups with no VFIO member, non-viable groups with their blockers, and noiommu groups', () => {
    const inv = inventory({
      groups: [
        group({ id: 0, node: null, devices: [device({ address: '0000:00:00.0', driver: null, vfioDriver: false })] }),
        group({
          id: 16,
          viability: { viable: false, blockers: [{ address: '0000:07:02.0', driver: 'virtio-pci' }] },
          devices: [device({ address: '0000:07:02.0', driver: 'virtio-pci', vfioDriver: false })],
        }),
        group({ id: 3, noiommu: true }),
      ],
    })
    expect(renderText(inv, v(0), plainStyle)).toMatchInlineSnapshot(`
      [
        "IOMMU group 0  no /dev/vfio node  viable",
        "  0000:00:00.0 Unclassified device: Device 1234:11e8 (rev 10)  no driver",
        "IOMMU group 16  /dev/vfio/16 crw------- root:root  NOT viable: 0000:07:02.0 held by virtio-pci",
        "  0000:07:02.0 Unclassified device: Device 1234:11e8 (rev 10)  driver=virtio-pci",
        "IOMMU group noiommu-3 (no IOMMU protection)  /dev/vfio/noiommu-3 crw------- root:root  viable",
      ]
    `)
  })

  it('says when the kernel disagrees with the predicted viability', () => {
    const g = group({ status: ok({ flags: 0, viable: false, containerSet: false }) })
    expect(renderText(inventory({ groups: [g] }), v(0), plainStyle)[0]).toBe(
      'IOMMU group 1  /dev/vfio/1 crw------- root:root  viable  (kernel says NOT viable)',
    )
  })

  it('says at the top that nothing was opened and the VFIO view is predicted', () => {
    expect(renderText(inventory({ opened: false }), v(0), plainStyle)[0]).toMatchInlineSnapshot(
      `"Note: nothing was opened: VFIO regions, IRQs and reset are predicted from sysfs; --open asks the kernel (and resets idle devices that have a reset method)"`,
    )
  })

  it('tells the sysadmin how to turn the IOMMU and vfio-pci on when there are no groups', () => {
    const inv = inventory({ host: host({ iommus: [], groupCount: 0, modules: [] }) })
    expect(renderText(inv, v(0), plainStyle)).toMatchInlineSnapshot(`
      [
        "No IOMMU groups: no IOMMU is active (/sys/class/iommu is empty).",
        "  fix: enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup",
        "   or: boot with intel_iommu=on (Intel) or amd_iommu=on (AMD) and without iommu=off, then reboot",
        "No VFIO driver is loaded (vfio-pci / vfio-platform).",
        "  fix: modprobe vfio-pci, then bind devices to it (driver_override or new_id).",
      ]
    `)
    const filtered = inventory({ host: host({ groupCount: 17 }) })
    expect(renderText(filtered, v(0), plainStyle)).toEqual(['No IOMMU group matched the selection (17 groups on this host).'])
  })

  it('lists ungrouped VFIO devices under their own heading', () => {
    const inv = inventory({ groups: [group({ devices: [] })], ungrouped: [device({ address: '0000:0c:00.0' })] })
    expect(renderText(inv, v(0), plainStyle).slice(1)).toEqual([
      'Bound to a VFIO driver but in no IOMMU group (unexpected):',
      '  0000:0c:00.0 Unclassified device: Device 1234:11e8 (rev 10)  driver=vfio-pci',
    ])
  })
})

describe('renderText, verbose 1 and 2', () => {
  it('prints a region summary with the host address, IRQs and reset', () => {
    const d = device({
      address: '0000:01:00.0',
      resetMethods: ['flr', 'bus'],
      resources: [hostResource({ index: 0, start: 0xfebf0000n, size: 0x4000n })],
      vfio: ok(
        pciView({
          reset: true,
          regions: { 0: { size: 0x4000n, flags: REGION.rwmc, caps: [{ kind: 'msix-mappable', id: 3, version: 1, offset: 32 }] } },
          irqs: [1, 0, { count: 65, flags: 1 }, errQuirk(), 1],
        }),
      ),
    })
    const lines = renderText(inventory({ groups: [group({ id: 12, devices: [d] })] }), v(1), plainStyle)
    expect(lines.slice(lines.indexOf('IOMMU group 12  /dev/vfio/12 crw------- root:root  viable'))).toMatchInlineSnapshot(`
      [
        "IOMMU group 12  /dev/vfio/12 crw------- root:root  viable",
        "  Domain: DMA",
        "  0000:01:00.0 Unclassified device: Device 1234:11e8 (rev 10)  driver=vfio-pci  regions 9 irqs 5 reset",
        "        Subsystem: Device 1af4:1100",
        "        VFIO: flags [reset pci], 9 regions, 5 IRQs",
        "        BAR0: 16K @ vfio offset 0x0 [rw mmap caps] host 0xfebf0000",
        "        CONFIG: 256 @ vfio offset 0x70000000000 [rw]",
        "        IRQ INTx: 1 [eventfd maskable automasked]",
        "        IRQ MSI-X: 65 [eventfd]",
        "        IRQ REQ: 1 [eventfd noresize]",
        "        Reset: yes (flr bus)",
      ]
    `)
  })

  it('shows every ProbeError as op: CODE (path) with its hint', () => {
    const d = device({ vfio: failed({ op: 'VFIO_GROUP_GET_DEVICE_FD', errno: 22, code: 'EINVAL', path: '/dev/vfio/1', hint: 'check viability' }) })
    const lines = renderText(inventory({ groups: [group({ devices: [d] })], failures: 1 }), v(1), plainStyle)
    expect(lines).toContain('        VFIO_GROUP_GET_DEVICE_FD: EINVAL (/dev/vfio/1)')
    expect(lines).toContain('          hint: check viability')
    expect(lines.at(-1)).toBe('1 probe failed')
  })

  it('gives the commands that make a non-viable group viable', () => {
    const g = group({ id: 16, viability: { viable: false, blockers: [{ address: '0000:07:02.0', driver: 'virtio-pci' }] } })
    expect(renderText(inventory({ groups: [g] }), v(1), plainStyle).filter((l) => l.startsWith('    echo'))).toEqual([
      '    echo vfio-pci > /sys/bus/pci/devices/0000:07:02.0/driver_override; echo 0000:07:02.0 > /sys/bus/pci/devices/0000:07:02.0/driver/unbind; echo 0000:07:02.0 > /sys/bus/pci/drivers_probe',
    ])
  })

  it('shows absent BARs and quirks only from -vv, absent ones on one line', () => {
    const inv = inventory({ groups: [group({ devices: [device({ vfio: ok(pciView({ regions: { 0: {} } })) })] })] })
    const l1 = renderText(inv, v(1), plainStyle)
    const l2 = renderText(inv, v(2), plainStyle)
    expect(l1.some((l) => l.includes('absent') || l.includes('VGA'))).toBe(false)
    expect(l2).toContain('        BAR1 BAR2 BAR3 BAR4 BAR5 ROM: absent')
    expect(l2).toContain('        VGA: no VGA region: not a VGA device, or VGA support disabled in vfio-pci (EINVAL)')
  })

  it('sets the host resource beside the VFIO region at -vv and flags a size mismatch', () => {
    const d = device({
      resources: [hostResource({ index: 0, start: 0xfe000000n, size: 0x2000n, is64: true, prefetch: true })],
      vfio: ok(pciView({ regions: { 0: { size: 0x1000n } } })),
    })
    const lines = renderText(inventory({ groups: [group({ devices: [d] })] }), v(2), plainStyle)
    expect(lines).toContain('            host: mem 0xfe000000-0xfe001fff [size=8K] 64-bit prefetchable (VFIO reports 4K)')
  })
})

describe('renderText, hot reset and features', () => {
  it('names iommufd devids when the kernel answers in DEV_ID mode, and keeps a GET failure of a supported feature', () => {
    const d = device({
      vfio: ok(
        pciView({
          hotReset: ok({ flags: 1, flagNames: ['dev-id'], devices: [{ groupOrDevid: 3, address: '0000:00:03.0' }] }),
          features: [{ id: 1, name: 'migration', supported: true, error: { op: 'VFIO_DEVICE_FEATURE GET 1', errno: 5, code: 'EIO' } }],
        }),
      ),
    })
    const lines = renderText(inventory({ groups: [group({ devices: [d] })] }), v(2), plainStyle)
    expect(lines.slice(lines.findIndex((l) => l.includes('Hot reset')))).toEqual([
      '        Hot reset: 1 affected device',
      '          0000:00:03.0 (devid 3)',
      '        Features:',
      '          migration: supported',
      '            VFIO_DEVICE_FEATURE GET 1: EIO',
    ])
  })
})

describe('renderText golden files', () => {
  it('vm guest, -v0', async () => {
    await expect(text(renderText(vmInventory(), v(0), plainStyle))).toMatchFileSnapshot('golden/vm.txt')
  })
  it('vm guest, -v -nn', async () => {
    await expect(text(renderText(vmInventory(), v(1, 2), plainStyle))).toMatchFileSnapshot('golden/vm.v-nn.txt')
  })
  it('vm guest, -vv', async () => {
    await expect(text(renderText(vmInventory(), v(2), plainStyle))).toMatchFileSnapshot('golden/vm.vv.txt')
  })
  it('arm64 no-IOMMU platform devices, -vv', async () => {
    await expect(text(renderText(armNoiommuInventory(), v(2), plainStyle))).toMatchFileSnapshot('golden/arm-noiommu.vv.txt')
  })
  it('every capability and probe state, -vvv', async () => {
    await expect(text(renderText(kitchenSinkInventory(), v(3), plainStyle))).toMatchFileSnapshot('golden/caps.vvv.txt')
  })
  it('vm guest, -v with colour (chalk level 1; ESC shown as ␛)', async () => {
    const out = text(renderText(vmInventory(), v(1), createStyle(true))).replaceAll('\u001b', '␛')
    expect(out).toContain('␛[31mNOT viable: 0000:07:02.0 held by virtio-pci␛[39m')
    await expect(out).toMatchFileSnapshot('golden/vm.v.color.txt')
  })
})
