// lsvfio metrics and lsvfio nfd on the snapshots captured from real kernels: the exposition format's
// rules (names, HELP/TYPE, escaping), agreement with check's verdicts, the NFD file's syntax and
// limits, that neither opens anything, and the atomic --output.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadSnapshot } from '../../src/cli/compose.js'
import { fleetSummary } from '../../src/cli/fleet.js'
import { parseArgs } from '../../src/cli/program.js'
import { run } from '../../src/cli/run.js'
import { writeAtomic } from '../../src/cli/write-atomic.js'
import { EnvironmentError } from '../../src/errors.js'
import type { Host } from '../../src/inspect/host.js'
import { NodeFs } from '../../src/inspect/node-fs.js'
import type { Sys } from '../../src/kernel/sys.js'
import { escapeLabel, renderMetrics } from '../../src/render/metrics.js'
import { NFD_MAX_BYTES, NFD_NAMESPACE, renderNfd, validLabelPart } from '../../src/render/nfd.js'
import { plainStyle } from '../../src/render/style.js'
import { ReplayFs, ReplaySys } from '../../src/snapshot/replay.js'
import { parseExposition } from '../helpers/exposition.js'

const FIX = path.resolve(import.meta.dirname, '../fixtures')
const FIXTURES = ['x86-6.1', 'x86-6.12', 'x86-6.12-cdev', 'x86-6.12-noiommu', 'x86-7.3', 'x86-6.12-mdev']
const META = { version: 'test', hostname: null, time: new Date('2026-12-02T10:00:00Z') }
const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

/** A replaying host whose kernel seam refuses to be opened at all. */
function host(dir: string): { host: Host; opens: string[] } {
  const doc = loadSnapshot(path.join(FIX, dir, 'snapshot.json'))
  const inner = new ReplaySys(doc)
  const opens: string[] = []
  const sys: Sys = {
    open: (p, m) => {
      opens.push(p)
      return inner.open(p, m)
    },
    close: (fd) => inner.close(fd),
    ioctl: (fd, r, a) => inner.ioctl(fd, r, a),
    pread: (fd, b, pos) => inner.pread(fd, b, pos),
  }
  return { host: { fs: new ReplayFs(doc), sys, names: null }, opens }
}

function summary(dir: string) {
  const s = fleetSummary(host(dir).host)
  return { s, report: s.report }
}

describe('lsvfio metrics', () => {
  it.each(FIXTURES)('%s: Prometheus naming rules, HELP and TYPE on every family', (dir) => {
    const text = renderMetrics(summary(dir).s, META)
    const { samples, help, type } = parseExposition(text)
    expect(samples.length).toBeGreaterThan(20)
    for (const name of new Set(samples.map((x) => x.name))) {
      expect(name).toMatch(/^lsvfio_[a-z0-9_]+$/)
      expect(name.startsWith('lsvfio_lsvfio'), name).toBe(false)
      // nothing here counts up: no _total; seconds, not milliseconds
      expect(name).not.toMatch(/_total$|_ms$|_milliseconds$/)
      expect(help.get(name), name).toBeTruthy()
      expect(type.get(name), name).toBe('gauge')
    }
    for (const x of samples.filter((y) => y.name.endsWith('_info'))) expect(x.value, x.name).toBe(1)
    // One series per label set.
    const keys = samples.map((x) => `${x.name}${JSON.stringify(x.labels)}`)
    expect(new Set(keys).size).toBe(keys.length)
    expect(samples.find((x) => x.name === 'lsvfio_last_run_timestamp_seconds')?.value).toBe(Date.parse('2026-12-02T10:00:00Z') / 1000)
  })

  it.each(FIXTURES)("%s: per device readiness is check's verdict, and the counts add up", (dir) => {
    const { s, report } = summary(dir)
    const { samples } = parseExposition(renderMetrics(s, META))
    const ready = samples.filter((x) => x.name === 'lsvfio_device_ready')
    expect(ready.map((x) => [x.labels.address, x.labels.reason, x.value])).toEqual(report.verdicts.map((v) => [v.address, v.reasons[0]?.kind ?? 'ready', v.ready ? 1 : 0]))
    const one = (n: string): number | undefined => samples.find((x) => x.name === n)?.value
    expect(one('lsvfio_devices_meant_for_vfio')).toBe(report.verdicts.length)
    expect(one('lsvfio_devices_ready')).toBe(report.verdicts.filter((v) => v.ready).length)
    const notReady = samples.filter((x) => x.name === 'lsvfio_devices_not_ready').reduce((n, x) => n + x.value, 0)
    expect(notReady + (one('lsvfio_devices_ready') ?? 0)).toBe(report.verdicts.length)
  })

  it('shows the busy group with its holder, the non-viable group and the stale override (x86-6.1)', () => {
    const { samples } = parseExposition(renderMetrics(summary('x86-6.1').s, META))
    const g = (n: string, group: string): number | undefined => samples.find((x) => x.name === n && x.labels.group === group)?.value
    expect([g('lsvfio_group_busy', '2'), g('lsvfio_group_viable', '18'), g('lsvfio_group_vfio_devices', '18')]).toEqual([1, 0, 1])
    expect(samples.find((x) => x.name === 'lsvfio_group_holder_info')?.labels).toMatchObject({ group: '2', comm: 'sleep', vm_name: '' })
    expect(samples.find((x) => x.name === 'lsvfio_device_info' && x.labels.address === '0000:07:02.0')?.labels).toMatchObject({ driver: 'virtio-pci', group: '18', vendor_id: '0x1af4', device_id: '0x1000', class_id: '0x020000' })
  })

  it('says no-IOMMU mode and names noiommu groups as /dev/vfio does', () => {
    const { samples } = parseExposition(renderMetrics(summary('x86-6.12-noiommu').s, META))
    const one = (n: string): number | undefined => samples.find((x) => x.name === n)?.value
    expect([one('lsvfio_iommu_enabled'), one('lsvfio_noiommu_mode_enabled'), one('lsvfio_host_ready'), one('lsvfio_devices_ready')]).toEqual([0, 1, 0, 0])
    expect(samples.filter((x) => x.name === 'lsvfio_group_viable').every((x) => x.labels.group?.startsWith('noiommu-'))).toBe(true)
    expect(samples.find((x) => x.name === 'lsvfio_devices_not_ready' && x.labels.reason === 'noiommu-only')?.value).toBe(12)
  })

  it('escapes hostile label values (a VM named with quotes, backslashes and a line feed)', () => {
    expect(escapeLabel('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd')
    expect(escapeLabel('vm\x1b]0;pwned\x07')).toBe('vm\\\\x1b]0;pwned\\\\x07')
    const { s } = summary('x86-6.1')
    const h = s.holders[0]
    if (h === undefined) throw new Error('x86-6.1 has a holder')
    const evil = 'vm"} 1\nlsvfio_fake 1 # \\'
    const hostile = { ...s, holders: [{ ...h, holder: { ...h.holder, vmName: evil } }] }
    const text = renderMetrics(hostile, META)
    const { samples } = parseExposition(text)
    expect(samples.find((x) => x.name === 'lsvfio_holder_groups')?.labels.vm_name).toBe(evil)
    expect(samples.some((x) => x.name === 'lsvfio_fake')).toBe(false)
  })
})

describe('lsvfio nfd', () => {
  it.each(FIXTURES)('%s: valid label names and values, the expiry directive, under 64 KiB', (dir) => {
    const { s, report } = summary(dir)
    const text = renderNfd(s, META, 10)
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(NFD_MAX_BYTES)
    const lines = text.trimEnd().split('\n')
    expect(lines).toContain('# +expiry-time=2026-12-02T10:10:00Z')
    const labels = new Map(lines.filter((l) => !l.startsWith('#')).map((l) => l.split('=') as [string, string]))
    for (const [k, v] of labels) {
      const [ns, name] = k.split('/')
      expect(ns).toBe(NFD_NAMESPACE)
      expect(validLabelPart(name ?? '') && validLabelPart(v, true), `${k}=${v}`).toBe(true)
    }
    expect(labels.get(`${NFD_NAMESPACE}/devices-ready`)).toBe(String(report.verdicts.filter((v) => v.ready).length))
    const perId = [...labels].filter(([k]) => k.includes('/ready-')).reduce((n, [, v]) => n + Number(v), 0)
    // per vendor:device: PCI devices only (an mdev has no IDs of its own; its types are counted as mdev-TYPE)
    expect(perId).toBe(report.verdicts.filter((v) => v.ready && /^[0-9a-f]{4,}:[0-9a-f]{2}:/.test(v.address)).length)
  })

  it('label syntax: 63 characters, alphanumeric ends', () => {
    expect(validLabelPart('ready-10de-2204')).toBe(true)
    expect(validLabelPart('-x')).toBe(false)
    expect(validLabelPart('a'.repeat(64))).toBe(false)
    expect(validLabelPart('', true)).toBe(true)
    expect(validLabelPart('')).toBe(false)
  })

  it('x86-6.12: IOMMU and remapping on; x86-6.12-noiommu: off, nothing ready', () => {
    expect(renderNfd(summary('x86-6.12').s, META, 10)).toContain(`${NFD_NAMESPACE}/iommu=true\n${NFD_NAMESPACE}/interrupt-remapping=true\n`)
    const off = renderNfd(summary('x86-6.12-noiommu').s, META, 10)
    expect(off).toContain(`${NFD_NAMESPACE}/iommu=false\n`)
    expect(off).toContain(`${NFD_NAMESPACE}/noiommu-mode=true\n`)
    expect(off).toContain(`${NFD_NAMESPACE}/devices-ready=0\n`)
  })
})

describe('the commands', () => {
  it.each([['metrics'], ['nfd']])('lsvfio %s opens nothing and exits 0 on a host that is not ready', (cmd) => {
    for (const dir of FIXTURES) {
      const p = parseArgs([cmd], 'test')
      if (p.kind !== 'run') throw new Error('not a run')
      const { host: h, opens } = host(dir)
      const r = run(h, p.options, plainStyle, { version: 'test', argv: [cmd], hostname: null, now: META.time })
      expect([r.exitCode, opens, r.stderr]).toEqual([0, [], []])
    }
  })

  it('refuses a root with nothing to read (no /sys, no /proc) instead of reporting the IOMMU off', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lsvfio-empty-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const p = parseArgs(['metrics', '--sysfs-root', dir], 'test')
    if (p.kind !== 'run') throw new Error('not a run')
    const empty: Host = { fs: new NodeFs(dir), sys: host('x86-6.1').host.sys, names: null }
    expect(() => run(empty, p.options, plainStyle, { version: 'test', argv: [] })).toThrow(/^nothing to report: no \/proc\/sys\/kernel\/osrelease, .*run on the host \(or mount its \/sys and \/proc\)$/)
  })

  it('parses --output, --expiry, --from before or after, and refuses --open', () => {
    expect(parseArgs(['nfd', '--expiry', '5', '-o', 'x'], '0')).toMatchObject({ kind: 'run', options: { command: 'nfd', expiryMinutes: 5, output: 'x' } })
    expect(parseArgs(['--from', 's.json', 'metrics'], '0')).toMatchObject({ kind: 'run', options: { command: 'metrics', source: { from: 's.json' }, output: null } })
    expect(() => parseArgs(['metrics', '--open'], '0')).toThrow(/unknown option '--open'/)
    expect(() => parseArgs(['nfd', '--expiry', '0'], '0')).toThrow(/--expiry 0: give whole minutes/)
    expect(() => parseArgs(['--json', 'metrics'], '0')).toThrow(/cannot go before "metrics"/)
  })

  it('writeAtomic replaces the file whole through a dot-file, and leaves nothing behind on failure', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lsvfio-atomic-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const f = path.join(dir, 'lsvfio.prom')
    writeAtomic(f, 'one\n')
    writeAtomic(f, 'two\n')
    expect(readFileSync(f, 'utf8')).toBe('two\n')
    expect(readdirSync(dir)).toEqual(['lsvfio.prom'])
    expect(statSync(f).mode & 0o777).toBe(0o644)
    expect(() => writeAtomic(path.join(dir, 'no/such/dir/x.prom'), 'x')).toThrow(EnvironmentError)
    expect(() => writeAtomic(path.join(dir, 'no/x.prom'), 'x')).toThrow(/cannot write .*no\/x\.prom: ENOENT; give a writable directory/)
    expect(existsSync(path.join(dir, 'no'))).toBe(false)
    expect(readdirSync(dir)).toEqual(['lsvfio.prom'])
  })
})
