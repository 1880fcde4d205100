// The mediated-device snapshots captured in real guests (test/vm/capture-fixtures.test.ts), replayed
// through the whole CLI on any machine: the replay prints what lsvfio printed live, agrees with the
// boot's three witnesses (sysfs, mdevctl, the C ioctl reader), and -vv shows parents, types and mdevs.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { JsonDocument } from '../../src/render/json-types.js'
import { Ledger } from '../vm/compare.js'
import { compareMdevctl, compareMdevread, compareMdevSysfs, type MdevctlList, type MdevctlTypes, type MdevRead, type MdevWitness } from '../vm/compare-mdev.js'

const REPO = path.resolve(import.meta.dirname, '../..')
const BIN = path.join(REPO, 'bin/lsvfio.js')
const FIX = path.join(REPO, 'test/fixtures')
const dirs = readdirSync(FIX).filter((d) => d.endsWith('-mdev') && existsSync(path.join(FIX, d, 'snapshot.json')))

describe.each(dirs)('mdev fixture %s', (dir) => {
  const file = (f: string): string => readFileSync(path.join(FIX, dir, f), 'utf8')
  const json = <T>(f: string): T => JSON.parse(file(f)) as T
  const open = file('open-flag').trim()
  const replay = (...args: string[]): { stdout: string; status: number | null; stderr: string } => {
    // Captured when the listing opened by default: its kernel answers are replayed with --open now.
    const flag = open !== '' ? [open] : args[0] === 'metrics' || args[0] === 'nfd' ? [] : ['--open']
    const r = spawnSync(process.execPath, [BIN, '--from', path.join(FIX, dir, 'snapshot.json'), ...flag, ...args], { encoding: 'utf8' })
    return { stdout: r.stdout, status: r.status, stderr: r.stderr }
  }
  const live = json<JsonDocument>('lsvfio.json')
  const witnesses = (doc: JsonDocument): Ledger => {
    const led = new Ledger()
    compareMdevSysfs(led, doc, json<MdevWitness>('mdev-witness.json'))
    compareMdevctl(led, doc, json<MdevctlTypes>('mdevctl-types.json'), json<MdevctlList>('mdevctl-list.json'), json<MdevctlList>('mdevctl-defined.json'))
    for (const f of readdirSync(path.join(FIX, dir)).filter((n) => n.startsWith('mdevread-'))) compareMdevread(led, doc, json<MdevRead>(f))
    return led
  }

  it('replays to the JSON lsvfio printed live, with the same exit status', () => {
    const r = replay('--json')
    expect(r.stderr).toBe('')
    // the run's argv, host name and time are the run's own; diagnostics.pcie and the PCI identity's id,
    // subsystemId and subsystem names came after the capture (additive)
    const added = ['id', 'subsystemId', 'subsystemVendorName', 'subsystemName']
    const withoutAdded = (v: unknown, parent = ''): unknown =>
      Array.isArray(v) ? v.map((x) => withoutAdded(x, parent)) : v === null || typeof v !== 'object' ? v : Object.fromEntries(Object.entries(v).filter(([k]) => parent !== 'pci' || !added.includes(k)).map(([k, x]) => [k, withoutAdded(x, k)]))
    const strip = (d: JsonDocument): JsonDocument => {
      const { hostname: _h, time: _t, ...rest } = withoutAdded(d) as JsonDocument
      // the sysfs prediction came later too, and failures counts only what went wrong unexpectedly now
      const groups = rest.groups.map((g) => ({ ...g, devices: g.devices.map(({ predicted: _pr, agreement: _a, ...dev }) => dev) }))
      if (rest.diagnostics === undefined || rest.diagnostics === null) return { ...rest, argv: null, failures: 0, groups }
      const { pcie: _p, ...diagnostics } = rest.diagnostics
      return { ...rest, argv: null, failures: 0, groups, diagnostics }
    }
    expect(strip(JSON.parse(r.stdout) as JsonDocument)).toEqual(strip(live))
    // Busy and non-viable groups are states now, not failures: the capture's 2 is 0.
    expect(r.status).toBe(0)
    expect(file('lsvfio.rc').trim()).toBe('2')
  })

  it('agrees with sysfs, mdevctl and the ioctl witness of the same boot, and notices one changed field', () => {
    const led = witnesses(live)
    expect(led.mismatches, led.report()).toEqual([])
    expect(led.checks).toBeGreaterThan(300)
    const tampered = JSON.parse(JSON.stringify(live)) as JsonDocument
    const t = tampered.mdev?.parents.find((p) => p.name === 'mtty')?.types.find((x) => x.id === 'mtty-1')
    if (t === undefined || t.availableInstances === null) throw new Error('fixture lacks mtty-1')
    t.availableInstances += 1
    expect(witnesses(tampered).mismatches.map((m) => m.field)).toEqual(['availableInstances', 'availableInstances'])
  })

  it('lsvfio metrics and nfd count each type\'s available instances as mdevctl types reports them', () => {
    const types = json<MdevctlTypes>('mdevctl-types.json').flatMap((o) => Object.entries(o).flatMap(([parent, xs]) => xs.flatMap((x) => Object.entries(x).map(([id, v]) => ({ parent, id, n: v.available_instances })))))
    expect(types.length).toBe(8)
    const metrics = replay('metrics').stdout
    const nfd = replay('nfd').stdout
    for (const t of types) {
      expect(metrics).toMatch(new RegExp(`^lsvfio_mdev_available_instances\\{parent="${t.parent}",type="${t.id}",[^}]*\\} ${t.n}$`, 'm'))
      expect(nfd).toContain(`/mdev-${t.id}=${t.n}\n`)
    }
  })

  it('-vv shows the parents, their types and instances, and the vGPU-like devices with their display', () => {
    const r = replay('-vv')
    expect(r.stderr).toBe('')
    expect(r.stdout).toContain('Mediated device parents:')
    for (const p of ['mtty', 'mdpy', 'mbochs']) expect(r.stdout).toContain(`mdev parent ${p}`)
    expect(r.stdout).toMatch(/mbochs-large .*available 0/)
    expect(r.stdout).toContain('(mediated: IOMMU emulated by the parent\'s driver)')
    expect(r.stdout).toContain('Display: primary plane as dma-buf')
    expect(r.stdout).toContain('gfx/edid')
    expect(r.stdout).toContain('not started')
    expect(r.stdout).not.toContain('no IOMMU protection')
  })
})
