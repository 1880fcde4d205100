import { describe, expect, it } from 'vitest'
import { plainStyle } from '../../src/render/style.js'
import { drawTree, renderTree } from '../../src/render/tree.js'
import { device, group, inventory, ok, pciView, REGION } from '../helpers/builders.js'
import { armNoiommuInventory, vmInventory } from './vm-inventory.js'

const text = (lines: string[]): string => `${lines.join('\n')}\n`

describe('drawTree', () => {
  const forest = [
    { label: 'a', children: [{ label: 'b', children: [{ label: 'c', children: [] }] }, { label: 'd', children: [] }] },
    { label: 'e', children: [] },
  ]
  it('draws box-drawing connectors', () => {
    expect(drawTree(forest)).toMatchInlineSnapshot(`
      [
        "a",
        "├─ b",
        "│  └─ c",
        "└─ d",
        "e",
      ]
    `)
  })
  it('falls back to ASCII', () => {
    expect(drawTree(forest, true)).toEqual(['a', '|- b', '|  `- c', '`- d', 'e'])
  })
})

describe('renderTree', () => {
  it('shows group → device → regions with caps → IRQs → reset', () => {
    const d = device({
      vfio: ok(pciView({ reset: true, regions: { 0: { size: 0x4000n, flags: REGION.rwmc, caps: [{ kind: 'msix-mappable', id: 3, version: 1, offset: 32 }] } } })),
      resetMethods: ['flr'],
    })
    expect(renderTree(inventory({ groups: [group({ id: 12, devices: [d] })] }), { verbose: 0, numeric: 1 }, plainStyle)).toMatchInlineSnapshot(`
      [
        "IOMMU group 12  /dev/vfio/12 crw------- root:root  viable",
        "└─ 0000:00:03.0 00ff: 1234:11e8 (rev 10)  driver=vfio-pci  regions 9 irqs 5 reset",
        "   ├─ BAR0: 16K [rw mmap caps]",
        "   │  └─ msix-mappable: the MSI-X table in this region may be mmapped",
        "   ├─ CONFIG: 256 [rw]",
        "   ├─ IRQ INTx: 1 [eventfd maskable automasked]",
        "   ├─ IRQ MSI: 1 [eventfd noresize]",
        "   ├─ IRQ REQ: 1 [eventfd noresize]",
        "   └─ reset: yes (flr)",
      ]
    `)
  })

  it('vm guest golden', async () => {
    await expect(text(renderTree(vmInventory(), { verbose: 0, numeric: 0 }, plainStyle))).toMatchFileSnapshot('golden/vm.tree.txt')
  })
  it('vm guest -vv ASCII golden', async () => {
    await expect(text(renderTree(vmInventory(), { verbose: 2, numeric: 0, ascii: true }, plainStyle))).toMatchFileSnapshot('golden/vm.tree-vv-ascii.txt')
  })
  it('arm64 no-IOMMU -v golden', async () => {
    await expect(text(renderTree(armNoiommuInventory(), { verbose: 1, numeric: 0 }, plainStyle))).toMatchFileSnapshot('golden/arm-noiommu.tree-v.txt')
  })
})
