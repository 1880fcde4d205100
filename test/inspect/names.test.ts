// Names as lspci gives them: the subsystem lines of pci.ids, gzip-compressed databases, lspci's search
// path and -i FILE, and one hint when there is no database at all.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { NO_PCI_IDS, run } from '../../src/cli/run.js'
import { parseArgs } from '../../src/cli/program.js'
import { loadSnapshot } from '../../src/cli/compose.js'
import { loadSystemPciIds, openPciIds, PCI_IDS_PATHS, PciIds } from '../../src/inspect/pci-ids.js'
import { plainStyle } from '../../src/render/style.js'
import { ReplayFs, ReplaySys } from '../../src/snapshot/replay.js'

const REPO = path.resolve(import.meta.dirname, '../..')
const BIN = path.join(REPO, 'bin/lsvfio.js')
const FIXTURE = path.join(REPO, 'test/fixtures/x86-6.12')
const SYSTEM = PCI_IDS_PATHS.find((p) => existsSync(p) && !p.endsWith('.gz'))
const tmp = mkdtempSync(path.join(tmpdir(), 'lsvfio-names-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const SAMPLE = [
  '# comment',
  '1af4  Red Hat, Inc.',
  '\t1000  Virtio network device',
  '\t\t1af4 0001  Virtio network device',
  '# a comment between subsystem lines',
  '\t\t1af4 1100  QEMU Virtual Machine',
  '\t1001  Virtio block device',
  '\t\t1af4 0002  Virtio block device',
  '8086  Intel Corporation',
  '\t10d3  82574L Gigabit Network Connection',
  '\t\t8086 a01f  Gigabit CT Desktop Adapter',
  'C 02  Network controller',
  '\t00  Ethernet controller',
  '',
].join('\n')

/** Every subsystem line of a pci.ids text, parsed line by line: "v d sv sd" → name. */
function referenceSubsystems(text: string): Map<string, string> {
  const out = new Map<string, string>()
  let v = ''
  let d = ''
  for (const line of text.split('\n')) {
    if (line.startsWith('C ')) break
    if (line === '' || line.startsWith('#')) continue
    if (line[0] !== '\t') v = line.slice(0, 4)
    else if (line[1] !== '\t') d = line.slice(1, 5)
    else out.set(`${v} ${d} ${line.slice(2, 6)} ${line.slice(7, 11)}`, line.slice(13).trim())
  }
  return out
}

describe('subsystem names', () => {
  it('finds a device\'s subsystem line and nothing from the next device', () => {
    const db = new PciIds(SAMPLE)
    expect(db.subsystem(0x1af4, 0x1000, 0x1af4, 0x1100)).toBe('QEMU Virtual Machine')
    expect(db.subsystem(0x1af4, 0x1000, 0x1af4, 0x0001)).toBe('Virtio network device')
    expect(db.subsystem(0x1af4, 0x1000, 0x1af4, 0x0002)).toBeNull()
    expect(db.subsystem(0x1af4, 0x1001, 0x1af4, 0x0002)).toBe('Virtio block device')
    expect(db.subsystem(0x8086, 0x10d3, 0x8086, 0xa01f)).toBe('Gigabit CT Desktop Adapter')
    expect(db.subsystem(0x8086, 0x10d4, 0x8086, 0xa01f)).toBeNull()
    expect(db.subsystem(0x10de, 0x0001, 0x10de, 0x0001)).toBeNull()
  })

  it.runIf(SYSTEM !== undefined)('agrees with a line-by-line parse of the system pci.ids (every 97th subsystem)', () => {
    const text = readFileSync(SYSTEM ?? '', 'latin1')
    const ref = [...referenceSubsystems(text)].filter((_, i) => i % 97 === 0)
    expect(ref.length).toBeGreaterThan(100)
    const db = new PciIds(text)
    for (const [key, name] of ref) {
      const [v, d, sv, sd] = key.split(' ').map((x) => parseInt(x, 16)) as [number, number, number, number]
      expect(db.subsystem(v, d, sv, sd), key).toBe(name)
    }
  })
})

describe('pci.ids files', () => {
  it('searches where lspci\'s builds look, each also gzip-compressed', () => {
    for (const d of ['/usr/share/misc', '/usr/share/hwdata']) {
      expect(PCI_IDS_PATHS).toContain(`${d}/pci.ids`)
      expect(PCI_IDS_PATHS).toContain(`${d}/pci.ids.gz`)
    }
  })

  it('reads a gzip-compressed database (by its content, whatever its name), the next one on the path when the first is missing', () => {
    const gz = path.join(tmp, 'pci.ids.gz')
    writeFileSync(gz, gzipSync(Buffer.from(SAMPLE, 'latin1')))
    const named = path.join(tmp, 'ids-without-suffix')
    writeFileSync(named, gzipSync(Buffer.from(SAMPLE, 'latin1')))
    for (const db of [loadSystemPciIds([path.join(tmp, 'missing'), gz]), openPciIds(named)]) {
      expect(db?.vendor(0x8086)).toBe('Intel Corporation')
      expect(db?.device(0x1af4, 0x1001)).toBe('Virtio block device')
      expect(db?.className(0x020000)).toBe('Ethernet controller')
      expect(db?.subsystem?.(0x8086, 0x10d3, 0x8086, 0xa01f)).toBe('Gigabit CT Desktop Adapter')
    }
    expect(loadSystemPciIds([path.join(tmp, 'missing')])).toBeNull()
    // a corrupt .gz names nothing rather than failing the run
    const bad = path.join(tmp, 'bad.gz')
    writeFileSync(bad, Buffer.from([0x1f, 0x8b, 1, 2, 3]))
    expect(openPciIds(bad).vendor(0x8086)).toBeNull()
  })

  it('says once, on stderr, which package to install when there is no database', () => {
    const doc = loadSnapshot(path.join(FIXTURE, 'snapshot.json'))
    const parsed = parseArgs(['--from', 'x'], '0')
    if (parsed.kind !== 'run') throw new Error('not a run')
    const r = run({ fs: new ReplayFs(doc), sys: new ReplaySys(doc), names: null }, parsed.options, plainStyle, { version: '0', argv: [] })
    expect(r.stderr).toEqual([NO_PCI_IDS])
    expect(NO_PCI_IDS).toMatch(/apt install pci\.ids.*-i FILE/)
    expect(r.stdout).toContain('Device 8086:10d3')
    // -n asked for numbers: nothing is missing
    const n = parseArgs(['--from', 'x', '-n'], '0')
    if (n.kind !== 'run') throw new Error('not a run')
    expect(run({ fs: new ReplayFs(doc), sys: new ReplaySys(doc), names: null }, n.options, plainStyle, { version: '0', argv: [] }).stderr).toEqual([])
  })
})

describe.runIf(existsSync(path.join(REPO, 'dist/cli/main.js')))('lsvfio -i and the Subsystem line', () => {
  const snap = path.join(FIXTURE, 'snapshot.json')
  const lsvfio = (...args: string[]) => spawnSync(process.execPath, [BIN, '--from', snap, ...args], { encoding: 'utf8' })

  it.runIf(SYSTEM !== undefined)('-v -nn prints Subsystem: exactly as lspci -vv -nn did on the same guest', () => {
    const subsystems = (text: string, device: RegExp): Map<string, string> => {
      const out = new Map<string, string>()
      let at = ''
      for (const line of text.split('\n')) {
        const m = device.exec(line)
        if (m !== null) at = m[1] ?? ''
        else if (/^\s+Subsystem: /.test(line) && at !== '') out.set(at, line.trim())
      }
      return out
    }
    const lspci = subsystems(readFileSync(path.join(FIXTURE, 'lspci.txt'), 'utf8'), /^([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) /)
    const mine = subsystems(lsvfio('-v', '-nn').stdout, /^\s+([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) /)
    expect(mine.size).toBeGreaterThan(10)
    for (const [address, line] of mine) expect(line, address).toBe(lspci.get(address))
  })

  it('-i FILE names from that file, .gz too; a missing one is one line and exit status 1', () => {
    const gz = path.join(tmp, 'cli.ids.gz')
    writeFileSync(gz, gzipSync(Buffer.from(SAMPLE, 'latin1')))
    const r = lsvfio('-i', gz, '-v', '-s', '02:00.0')
    expect(r.stdout).toContain('0000:02:00.0 Ethernet controller: Intel Corporation 82574L Gigabit Network Connection')
    expect(r.stdout).toContain('Subsystem: Intel Corporation Device 0000')
    const missing = lsvfio('--id-file', path.join(tmp, 'nope'))
    expect(missing.status).toBe(1)
    expect(missing.stdout).toBe('')
    expect(missing.stderr).toBe(`lsvfio: -i ${path.join(tmp, 'nope')}: cannot read the PCI ID database: ENOENT; give a pci.ids file (plain or gzip-compressed)\n`)
  })
})
