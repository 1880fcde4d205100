// lsvfio metrics against the real Prometheus tools (Debian packages, test/fleet/setup.sh): promtool
// accepts the output of every captured host and runs the alert rules' tests; node_exporter's textfile
// collector serves the file lsvfio wrote, scraped over plain HTTP, and what it serves agrees with
// lsvfio's JSON (listing and check) of the same host.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JsonCheckDocument } from '../../src/render/json-diagnose-types.js'
import type { JsonDocument } from '../../src/render/json-types.js'
import { parseExposition, type Sample } from '../helpers/exposition.js'

const REPO = path.resolve(import.meta.dirname, '../..')
const BIN = path.join(REPO, 'bin/lsvfio.js')
const FIX = path.join(REPO, 'test/fixtures')
const built = existsSync(path.join(REPO, 'dist/cli/main.js'))
const have = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0
const tools = ['promtool', 'prometheus-node-exporter'].filter((t) => !have(t))
const why = !built ? 'no build (npm run build)' : tools.length > 0 ? `${tools.join(', ')} missing: bash test/fleet/setup.sh` : ''
const FIXTURES = ['x86-6.1', 'x86-6.12', 'x86-6.12-cdev', 'x86-6.12-noiommu', 'x86-7.3', 'x86-6.12-mdev']

/** lsvfio's stdout; exit 0 (2 allowed for the listing, which counts the EBUSY of a held group). */
function lsvfio(...args: string[]): string {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' })
  expect(args.includes('--json') && !args.includes('check') ? [0, 2] : [0], `lsvfio ${args.join(' ')}: ${r.stderr}`).toContain(r.status)
  return r.stdout
}

describe.skipIf(why !== '')(`lsvfio metrics with promtool and node_exporter${why === '' ? '' : ` (skipped: ${why})`}`, () => {
  it.each(FIXTURES)('promtool check metrics accepts the metrics of %s', (dir) => {
    const text = lsvfio('--from', path.join(FIX, dir, 'snapshot.json'), 'metrics')
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
    expect([r.status, r.stdout + r.stderr]).toEqual([0, ''])
  })

  it('promtool check metrics is not a rubber stamp', () => {
    const r = spawnSync('promtool', ['check', 'metrics'], { input: '# HELP lsvfio_x_total x\n# TYPE lsvfio_x_total gauge\nlsvfio_x_total 1\n', encoding: 'utf8' })
    expect(r.stdout + r.stderr).toMatch(/non-counter metrics should not have "_total" suffix/)
  })

  it('the alert rules pass promtool check rules and their unit tests (promtool test rules)', () => {
    const dir = path.join(REPO, 'contrib/prometheus')
    const c = spawnSync('promtool', ['check', 'rules', 'lsvfio.rules.yml'], { cwd: dir, encoding: 'utf8' })
    expect(c.stdout, c.stderr).toMatch(/SUCCESS: 7 rules found/)
    const t = spawnSync('promtool', ['test', 'rules', 'lsvfio.rules.test.yml'], { cwd: dir, encoding: 'utf8' })
    expect([t.status, t.stdout.trim().split('\n').pop()], t.stdout + t.stderr).toEqual([0, '  SUCCESS'])
  })

  describe.each(['x86-6.1', 'x86-6.12-noiommu'])('node_exporter serves the metrics of %s', (dir) => {
    const snap = path.join(FIX, dir, 'snapshot.json')
    let tmp = ''
    let exporter: ChildProcess | null = null
    let scraped: Sample[] = []
    let written: Sample[] = []
    let list: JsonDocument
    let check: JsonCheckDocument

    beforeAll(async () => {
      tmp = mkdtempSync(path.join(tmpdir(), 'lsvfio-textfile-'))
      lsvfio('--from', snap, 'metrics', '--output', path.join(tmp, 'lsvfio.prom'))
      written = parseExposition(readFileSync(path.join(tmp, 'lsvfio.prom'), 'utf8')).samples
      list = JSON.parse(lsvfio('--from', snap, '--json')) as JsonDocument
      // check's exit status is its verdict: the JSON is what is compared
      check = JSON.parse(spawnSync(process.execPath, [BIN, '--from', snap, 'check', '--json'], { encoding: 'utf8' }).stdout) as JsonCheckDocument
      const port = await freePort()
      exporter = spawn('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${port}`, '--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${tmp}`], { stdio: 'ignore' })
      const url = `http://127.0.0.1:${port}/metrics`
      for (let i = 0; i < 150; i++) {
        try {
          const res = await fetch(url)
          if (res.ok) {
            scraped = parseExposition(await res.text()).samples
            break
          }
        } catch {
          // not listening yet
        }
        await new Promise((res) => setTimeout(res, 200))
      }
    }, 60_000)

    afterAll(() => {
      exporter?.kill()
      rmSync(tmp, { recursive: true, force: true })
    })

    const get = (name: string, labels: Record<string, string> = {}): Sample[] => scraped.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))

    it('reads the file without error and serves every lsvfio series as written', () => {
      expect(scraped.length, 'node_exporter answered').toBeGreaterThan(0)
      expect(get('node_textfile_scrape_error')[0]?.value).toBe(0)
      expect(get('node_textfile_mtime_seconds')[0]?.labels.file).toMatch(/lsvfio\.prom$/)
      const key = (x: Sample): string => `${x.name}${JSON.stringify(Object.entries(x.labels).sort())} ${x.value}`
      expect(scraped.filter((x) => x.name.startsWith('lsvfio_')).map(key).sort()).toEqual(written.map(key).sort())
    })

    it("agrees with lsvfio's JSON of the same host: readiness, devices, groups, holders", () => {
      const r = check.readiness
      expect(get('lsvfio_iommu_enabled')[0]?.value).toBe(r?.iommu.enabled ? 1 : 0)
      expect(get('lsvfio_noiommu_mode_enabled')[0]?.value).toBe(r?.noiommu.enabled === true ? 1 : 0)
      expect(get('lsvfio_interrupt_remapping', { state: r?.interruptRemapping.state ?? '' })[0]?.value).toBe(1)
      for (const m of r?.modules.loaded ?? []) expect(get('lsvfio_module_loaded', { module: m })[0]?.value, m).toBe(1)
      const verdicts = check.verdicts.map((v) => [v.address, v.reasons[0]?.kind ?? 'ready', v.ready ? 1 : 0])
      expect(get('lsvfio_device_ready').map((x) => [x.labels.address, x.labels.reason, x.value]).sort()).toEqual(verdicts.sort())
      expect(get('lsvfio_devices_ready')[0]?.value).toBe(check.verdicts.filter((v) => v.ready).length)
      const devices = new Map(list.groups.flatMap((g) => g.devices.map((d) => [d.address, { d, g }] as const)))
      const infos = get('lsvfio_device_info')
      expect(infos.length).toBeGreaterThan(0)
      for (const i of infos) {
        const e = devices.get(i.labels.address ?? '')
        expect(i.labels, i.labels.address).toMatchObject({
          group: e?.g.name,
          driver: e?.d.driver ?? '',
          driver_override: e?.d.driverOverride ?? '',
          vendor_id: `0x${e?.d.pci?.vendorId.toString(16).padStart(4, '0')}`,
          device_name: e?.d.pci?.deviceName ?? '',
        })
      }
      for (const g of get('lsvfio_group_viable')) expect(g.value, g.labels.group).toBe(list.groups.find((x) => x.name === g.labels.group)?.viability.viable ? 1 : 0)
      const held = list.diagnostics?.groups.filter((g) => g.holders.length > 0) ?? []
      expect(get('lsvfio_group_busy').filter((x) => x.value === 1).map((x) => x.labels.group)).toEqual(held.map((g) => String(g.id)))
      for (const h of check.holders) expect(get('lsvfio_holder_groups', { pid: String(h.pid) })[0]?.labels).toMatchObject({ comm: h.comm ?? '', vm_name: h.vmName ?? '' })
    })
  })
})

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => (a !== null && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))))
    })
  })
}
