// The snapshots captured in real guests (test/vm/capture-fixtures.test.ts), replayed through the whole
// CLI: the replay must print exactly what lsvfio printed live in the guest, and still agree with that
// boot's witnesses (sysfs, lspci) — and the comparison must notice a single changed field.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { JsonDocument } from '../../src/render/json-types.js'
import { compareIova, compareLspciDecode, compareTopology, compareVfio, Ledger } from '../vm/compare.js'
import { parseLspci, parseWitness } from '../vm/witness.js'

const REPO = path.resolve(import.meta.dirname, '../..')
const BIN = path.join(REPO, 'bin/lsvfio.js')
const FIX = path.join(REPO, 'test/fixtures')
// The mdev fixtures have witnesses of their own (test/cli/mdev-fixture.test.ts).
const dirs = readdirSync(FIX).filter((d) => existsSync(path.join(FIX, d, 'snapshot.json')) && !d.endsWith('-mdev'))

function replay(dir: string, ...args: string[]): { stdout: string; status: number | null; stderr: string } {
  // A snapshot answers the questions it was recorded with: the cdev one was taken with --via cdev.
  // The kernel's answers in a snapshot are replayed only with --open, as on a live host.
  const via = dir.endsWith('-cdev') ? ['--via', 'cdev'] : []
  const open = args.includes('--no-open') ? [] : ['--open']
  const r = spawnSync(process.execPath, [BIN, '--from', path.join(FIX, dir, 'snapshot.json'), ...open, ...via, ...args], { encoding: 'utf8' })
  // --open names what it resets on stderr before it starts: checked on its own below.
  return { stdout: r.stdout, status: r.status, stderr: r.stderr.replace(/^lsvfio: --open: opening .*\n/, '') }
}

// The run's own arguments, host name and time are not the host's; diagnostics.pcie and the PCI
// identity's id, subsystemId and subsystem names came after the fixtures were captured, so their live
// output lacks them (additive fields).
const ADDED_PCI_KEYS = ['id', 'subsystemId', 'subsystemVendorName', 'subsystemName']
const withoutAdded = (v: unknown, parent = ''): unknown =>
  Array.isArray(v) ? v.map((x) => withoutAdded(x, parent)) : v === null || typeof v !== 'object' ? v : Object.fromEntries(Object.entries(v).filter(([k]) => parent !== 'pci' || !ADDED_PCI_KEYS.includes(k)).map(([k, x]) => [k, withoutAdded(x, k)]))
const strip = (d: JsonDocument): JsonDocument => {
  const { hostname: _h, time: _t, ...rest } = withoutAdded(d) as JsonDocument
  // The sysfs prediction came later too (compared with the kernel's answers below), and failures counts
  // only what went wrong unexpectedly now (busy and non-viable are states).
  const groups = rest.groups.map((g) => ({ ...g, devices: g.devices.map(({ predicted: _p, agreement: _a, ...dev }) => dev) }))
  if (rest.diagnostics === undefined || rest.diagnostics === null) return { ...rest, argv: null, failures: 0, groups }
  const { pcie: _p, ...diagnostics } = rest.diagnostics
  return { ...rest, argv: null, failures: 0, groups, diagnostics }
}

describe.each(dirs)('fixture %s', (dir) => {
  const live = JSON.parse(readFileSync(path.join(FIX, dir, 'lsvfio.json'), 'utf8')) as JsonDocument
  const kernel = /x86-(.*)/.exec(dir)?.[1] ?? ''
  const liveRc = Number(readFileSync(path.join(FIX, dir, 'lsvfio.rc'), 'utf8').trim())

  it('replays to exactly the JSON lsvfio printed live in the guest, with the same exit status', () => {
    const r = replay(dir, '--json')
    expect(r.stderr).toBe('')
    expect(strip(JSON.parse(r.stdout) as JsonDocument)).toEqual(strip(live))
    // Busy and non-viable groups are states the output shows: the live 2 of the capture is 0 now.
    expect(r.status).toBe(0)
    expect(liveRc).toBeGreaterThanOrEqual(0)
  })

  it('every predicted field agrees with the replayed kernel; without --open nothing is asked', () => {
    const r = spawnSync(process.execPath, [BIN, '--from', path.join(FIX, dir, 'snapshot.json'), '--open', '--json', ...(dir.endsWith('-cdev') ? ['--via', 'cdev'] : [])], { encoding: 'utf8' })
    // A replay opens nothing here: no reset notice (the live notice is checked in the VM suite).
    expect(r.stderr).toBe('')
    const doc = JSON.parse(r.stdout) as JsonDocument
    const agreement = doc.groups.flatMap((g) => g.devices.flatMap((d) => (d.agreement ?? []).map((a) => ({ device: d.address, ...a }))))
    expect(agreement.length).toBeGreaterThan(200)
    expect(agreement.filter((a) => !a.agree)).toEqual([])
    // Without --open nothing reaches the kernel seam, and the prediction is there, marked sysfs.
    const passive = JSON.parse(replay(dir, '--json', '--no-open').stdout) as JsonDocument
    const nvme = passive.groups.flatMap((g) => g.devices).find((d) => d.address === '0000:01:00.0')
    expect(nvme?.vfio).toBeNull()
    expect(nvme?.predicted).toMatchObject({ source: 'sysfs', flags: { pci: true, reset: true }, numRegions: 9, numIrqs: 5 })
  })

  it('agrees with the witnesses of the same boot, and the comparison catches one changed field', () => {
    const w = parseWitness(readFileSync(path.join(FIX, dir, 'witness.json'), 'utf8'))
    const lspci = parseLspci(readFileSync(path.join(FIX, dir, 'lspci.txt'), 'utf8'))
    const run = (doc: JsonDocument): Ledger => {
      const led = new Ledger()
      compareTopology(led, doc, w)
      compareVfio(led, doc, w, lspci, { kernel })
      compareIova(led, doc, w)
      return led
    }
    const led = run(live)
    expect(led.mismatches, led.report()).toEqual([])
    expect(led.checks).toBeGreaterThan(300)
    const tampered = JSON.parse(JSON.stringify(live)) as JsonDocument
    const nvme = tampered.groups.flatMap((g) => g.devices).find((d) => d.address === '0000:01:00.0')
    if (nvme?.vfio?.state !== 'ok') throw new Error('fixture lacks the nvme device')
    const bar0 = nvme.vfio.value.regions[0]?.info
    if (bar0?.state !== 'ok') throw new Error('fixture lacks nvme BAR0')
    bar0.value.size = '0x8000'
    expect(run(tampered).mismatches.map((m) => m.field)).toEqual(['BAR0 size', 'BAR0 size'])
  })

  it('replays -xxx to the dump pciutils decoded in the guest, and that decode matches the live lspci', () => {
    const rows = (t: string): string[] => t.split('\n').filter((l) => /^([0-9a-f]{2}:|[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] )/.test(l)).map((l) => l.slice(0, 52))
    const captured = readFileSync(path.join(FIX, dir, 'lsvfio-xxx.txt'), 'utf8')
    expect(rows(captured).length).toBeGreaterThan(16)
    expect(rows(replay(dir, '-xxx').stdout)).toEqual(rows(captured))
    const led = new Ledger()
    const lspci = (f: string) => parseLspci(readFileSync(path.join(FIX, dir, f), 'utf8'))
    compareLspciDecode(led, live, lspci('lspci-from-lsvfio.txt'), lspci('lspci.txt'))
    expect(led.mismatches, led.report()).toEqual([])
    expect(led.devices.size).toBeGreaterThan(5)
  })

  it('renders every mode from the snapshot with the documented exit status', () => {
    for (const args of [[], ['-v'], ['-vv'], ['-vvv'], ['-t'], ['-nn', '-v'], ['--no-open'], ['-s', '01:00.0', '-vv'], ['-x'], ['--hexdump'], ['--json', '--hexdump', '-xxx']]) {
      const r = replay(dir, ...args)
      expect(r.stderr, args.join(' ')).toBe('')
      expect(r.stdout.length, args.join(' ')).toBeGreaterThan(100)
      expect(r.status, args.join(' ')).toBe(0)
    }
    expect(replay(dir, '-s', '01:00.0', '-vv').stdout).toMatch(/BAR0: 16K/)
  })
})

describe('bin smoke', () => {
  it('prints its version and help, and refuses unknown options with one line and exit 1', () => {
    const v = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }
    expect(execFileSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' }).trim()).toBe(v.version)
    expect(execFileSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' })).toMatch(/--open[\s\S]*RESETS[\s\S]*--no-open/)
    const bad = spawnSync(process.execPath, [BIN, '--frob'], { encoding: 'utf8' })
    expect([bad.status, bad.stdout, bad.stderr]).toEqual([1, '', "lsvfio: unknown option '--frob' (Did you mean --from?) (see lsvfio --help)\n"])
  })
  it.each([
    [['-s', '1:2:3:4'], /too many ':'/],
    [['-d', 'xyz'], /expected \[vendor\]:\[device\]/],
    [['--from', '/nonexistent/snap.json'], /cannot read snapshot/],
    [['--from', path.join(REPO, 'package.json')], /not a usable lsvfio snapshot/],
    [['-g', 'abc'], /IOMMU group number/],
    [['--color', 'purple'], /Allowed choices/],
  ])('%j → one clear line, exit 1', (args, msg) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' })
    expect(r.status).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1)
    expect(r.stderr).toMatch(msg)
  })
})
