import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Verdict } from '../../src/model/diagnostics.js'
import { plainStyle } from '../../src/render/style.js'
import { TABLE_HEAD, renderTable, tableRows } from '../../src/render/table.js'
import { vmInventory } from './vm-inventory.js'

const REPO = path.resolve(import.meta.dirname, '../..')
const BIN = path.join(REPO, 'bin/lsvfio.js')
const verdict = (address: string, reasons: Verdict['reasons']): Verdict => ({ address, group: null, driver: null, ready: reasons.length === 0, reasons, warnings: [], source: 'predicted' })

describe('table', () => {
  it('builds one row per device, bridges included, with the check verdict as READY', () => {
    const verdicts = [verdict('0000:03:00.0', []), verdict('0000:07:02.0', [{ kind: 'not-viable', code: 4, text: '', fix: [] }])]
    const rows = tableRows(vmInventory(), verdicts, { verbose: 0, numeric: 1 }, plainStyle)
    expect(rows).toHaveLength(12)
    expect(rows.every((r) => r.length === TABLE_HEAD.length)).toBe(true)
    expect(rows.find((r) => r[0] === '0000:03:00.0')).toEqual(['0000:03:00.0', '0c03: 1b36:000d (rev 01)', 'vfio-pci', '14', 'yes', 'yes'])
    expect(rows.find((r) => r[0] === '0000:07:02.0')?.slice(4)).toEqual(['no', 'no: not-viable'])
    // a device no verdict was made for (a bridge) has an empty READY cell
    expect(rows.find((r) => r[0] === '0000:00:00.0')?.[5]).toBe('')
  })

  it('draws a borderless table', async () => {
    const out = renderTable(vmInventory(), [], { verbose: 0, numeric: 0 }, plainStyle)
    expect(out[0]).toMatch(/^ADDRESS {7}DEVICE/)
    await expect(`${out.join('\n')}\n`).toMatchFileSnapshot('golden/vm.table.txt')
  })

  it.runIf(existsSync(path.join(REPO, 'dist/cli/main.js')))('lsvfio --table: one row per listed device, READY as lsvfio check judges it', () => {
    for (const fx of ['x86-6.12/snapshot.json', 'x86-6.12-noiommu/snapshot.json', 'arm64-6.12/lsvfio-snapshot.json']) {
      const snap = path.join(REPO, 'test/fixtures', fx)
      const t = spawnSync(process.execPath, [BIN, '--table', '--color', 'never', '--from', snap], { encoding: 'utf8' })
      expect(t.stderr).toBe('')
      // a replay starts with where and when it was recorded
      const [banner, blank, ...lines] = t.stdout.trimEnd().split('\n')
      expect(banner).toMatch(/^Replay of .*: recorded .* by lsvfio /)
      expect(blank).toBe('')
      expect(lines[0]?.split(/\s{2,}/)).toEqual([...TABLE_HEAD])
      const listed = spawnSync(process.execPath, [BIN, '--json', '--from', snap], { encoding: 'utf8' })
      const doc = JSON.parse(listed.stdout) as { groups: { devices: { address: string }[] }[]; ungrouped: { address: string }[] }
      const addresses = [...doc.groups.flatMap((g) => g.devices.map((d) => d.address)), ...doc.ungrouped.map((d) => d.address)]
      expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(addresses)
      const check = spawnSync(process.execPath, [BIN, 'check', '--json', '--from', snap], { encoding: 'utf8' })
      const verdicts = (JSON.parse(check.stdout) as { verdicts: { address: string; ready: boolean; reasons: { kind: string }[] }[] }).verdicts
      expect(verdicts.length).toBeGreaterThan(0)
      for (const v of verdicts) {
        const line = lines.find((l) => l.startsWith(v.address + ' ')) ?? ''
        expect(line.trimEnd().endsWith(v.ready ? 'yes' : `no: ${v.reasons[0]?.kind ?? '?'}`), `${fx} ${line}`).toBe(true)
      }
    }
  })
})
