import { describe, expect, it } from 'vitest'
import { plainStyle } from '../../src/render/style.js'
import { TABLE_HEAD, renderTable, tableRows } from '../../src/render/table.js'
import { vmInventory } from './vm-inventory.js'

describe('table', () => {
  it('builds one row per device, bridges included', () => {
    const rows = tableRows(vmInventory(), { verbose: 0, numeric: 1 }, plainStyle)
    expect(rows).toHaveLength(12)
    expect(rows.every((r) => r.length === TABLE_HEAD.length)).toBe(true)
    expect(rows.find((r) => r[1] === '0000:03:00.0')).toEqual(['14', '0000:03:00.0', '0c03: 1b36:000d (rev 01)', 'vfio-pci', 'yes', '<EBUSY: held by another process>'])
    expect(rows.find((r) => r[1] === '0000:07:02.0')?.[4]).toBe('no')
  })

  it('draws a borderless table', async () => {
    const out = renderTable(vmInventory(), { verbose: 0, numeric: 0 }, plainStyle)
    expect(out[0]).toMatch(/^GROUP {2}ADDRESS {7}DEVICE/)
    await expect(`${out.join('\n')}\n`).toMatchFileSnapshot('golden/vm.table.txt')
  })
})
