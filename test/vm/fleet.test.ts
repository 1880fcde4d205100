// lsvfio metrics and lsvfio nfd on a real kernel (guest/fleet.sh), compared with the witnesses of the
// same boot (sysfs through witness.mjs, the holder's pid): one boot with a busy group (a background
// process holds 00:04.0's group) and a non-viable group (07:02.0 kept on virtio-pci); one no-IOMMU
// boot. node_exporter runs in the guest on the file lsvfio wrote and is scraped over HTTP.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { JsonCheckDocument } from '../../src/render/json-diagnose-types.js'
import { NFD_NAMESPACE } from '../../src/render/nfd.js'
import { parseExposition, type Sample } from '../helpers/exposition.js'
import { type BootResult, bootGuest, readOut, REPO, VM_DIR, vmAvailable } from './harness.js'
import { loadWitness, type Witness } from './witness.js'

const built = existsSync(path.join(REPO, 'dist/cli/main.js'))
const avail = vmAvailable(['6.12'])
const kmod = path.join(VM_DIR, 'kmod', '6.12', 'noiommu')
const exporter = existsSync('/usr/bin/prometheus-node-exporter')
const why = !built ? 'no build (npm run build)' : !avail.ok ? avail.why : !exporter ? 'prometheus-node-exporter missing: bash test/fleet/setup.sh' : ''
const hex = (n: number, w: number): string => `0x${n.toString(16).padStart(w, '0')}`

interface Run {
  boot: BootResult
  w: Witness
  metrics: Sample[]
  scraped: Sample[]
  nfd: Map<string, string>
  check: JsonCheckDocument
}

async function load(boot: BootResult): Promise<Run> {
  const out = (n: string): Promise<string> => readOut(boot.outDir, n)
  for (const n of ['metrics', 'nfd', 'scrape']) expect(`${n} ${(await out(`${n}.rc`)).trim()}`, await out(`${n}.err`)).toBe(`${n} 0`)
  // --output left the files and no temporary dot-file
  expect((await out('written.txt')).split('\n').filter((l) => l !== '' && !l.endsWith(':')).sort()).toEqual(['lsvfio', 'lsvfio.prom'])
  const nfdText = await out('nfd/lsvfio')
  return {
    boot,
    w: await loadWitness(boot.outDir),
    metrics: parseExposition(await out('textfile/lsvfio.prom')).samples,
    scraped: parseExposition(await out('scrape.out')).samples,
    nfd: new Map(nfdText.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split('=') as [string, string])),
    check: JSON.parse(await out('check.out')) as JsonCheckDocument,
  }
}

const get = (s: readonly Sample[], name: string, labels: Record<string, string> = {}): Sample[] => s.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))
const one = (s: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined => get(s, name, labels)[0]?.value

/** node_exporter served exactly what lsvfio wrote, and read it without error. */
function servedAsWritten(r: Run): void {
  expect(one(r.scraped, 'node_textfile_scrape_error')).toBe(0)
  const key = (x: Sample): string => `${x.name}${JSON.stringify(Object.entries(x.labels).sort())} ${x.value}`
  expect(r.scraped.filter((x) => x.name.startsWith('lsvfio_')).map(key).sort()).toEqual(r.metrics.map(key).sort())
}

/** Every device series names the device as sysfs does; devices meant for VFIO are the witness's. */
function devicesAsWitnessed(r: Run, group: (g: number | null) => string): string[] {
  const wd = new Map(r.w.devices.map((d) => [d.address, d]))
  const infos = get(r.metrics, 'lsvfio_device_info')
  expect(infos.length).toBeGreaterThan(8)
  for (const i of infos) {
    const d = wd.get(i.labels.address ?? '')
    expect(i.labels, i.labels.address).toEqual({
      address: d?.address,
      group: group(d?.iommuGroup ?? null),
      driver: d?.driver ?? '',
      driver_override: d?.driverOverride ?? '',
      vendor_id: hex(d?.vendorId ?? -1, 4),
      device_id: hex(d?.deviceId ?? -1, 4),
      class_id: hex(d?.classCode ?? -1, 6),
      vendor_name: i.labels.vendor_name,
      device_name: i.labels.device_name,
    })
  }
  const meant = r.w.devices.filter((d) => d.classCode >> 8 !== 0x0604 && (d.driver === 'vfio-pci' || d.driverOverride === 'vfio-pci')).map((d) => d.address)
  expect(get(r.metrics, 'lsvfio_device_ready').map((x) => x.labels.address).sort()).toEqual([...meant].sort())
  expect(one(r.metrics, 'lsvfio_devices_meant_for_vfio')).toBe(meant.length)
  expect(one(r.metrics, 'lsvfio_devices_vfio_bound')).toBe(r.w.devices.filter((d) => d.driver === 'vfio-pci').length)
  // the verdicts are check's, word for word
  expect(get(r.metrics, 'lsvfio_device_ready').map((x) => [x.labels.address, x.labels.reason, x.value])).toEqual(r.check.verdicts.map((v) => [v.address, v.reasons[0]?.kind ?? 'ready', v.ready ? 1 : 0]))
  return meant
}

describe.skipIf(why !== '')(`lsvfio metrics and nfd on a real kernel${why === '' ? '' : ` (skipped: ${why})`}`, () => {
  describe('6.12 with intel-iommu: a busy group and a non-viable group', () => {
    let r: Run
    beforeAll(async () => {
      const boot = await bootGuest({ kernel: '6.12', devices: 'full', iommu: 'intel', scenario: 'test/vm/guest/fleet.sh', keep: ['0000:07:02.0'], env: { FLEET_BUSY: '0000:00:04.0' }, timeoutMs: 240_000 })
      console.log(`[vm] fleet: ${boot.kver} ${boot.bootMs} ms, retried=${boot.retried}, scenario rc=${boot.rc}`)
      expect(boot.rc, await readOut(boot.outDir, 'scenario.stderr').catch(() => '')).toBe(0)
      r = await load(boot)
    }, 600_000)

    it('node_exporter in the guest serves the metrics lsvfio wrote', () => servedAsWritten(r))

    it('devices, groups, the holder and the counts agree with the witnesses; NFD says the same', async () => {
      const meant = devicesAsWitnessed(r, (g) => (g === null ? '' : String(g)))
      const groupOf = (a: string): number | null => r.w.devices.find((d) => d.address === a)?.iommuGroup ?? null
      const held = String(groupOf('0000:00:04.0'))
      expect((await readOut(r.boot.outDir, 'holder.group')).trim()).toBe(held)
      const pid = (await readOut(r.boot.outDir, 'holder.pid')).trim()
      expect(one(r.metrics, 'lsvfio_group_busy', { group: held })).toBe(1)
      expect(get(r.metrics, 'lsvfio_group_busy').filter((x) => x.value === 1)).toHaveLength(1)
      expect(get(r.metrics, 'lsvfio_group_holder_info')).toEqual([{ name: 'lsvfio_group_holder_info', labels: { group: held, pid, comm: 'sleep', vm_name: '' }, value: 1 }])
      const nv = groupOf('0000:07:02.0')
      const nvMembers = r.w.groups.find((g) => g.id === nv)?.devices ?? []
      expect(one(r.metrics, 'lsvfio_group_viable', { group: String(nv) })).toBe(0)
      expect(get(r.metrics, 'lsvfio_group_viable').filter((x) => x.value === 0).map((x) => x.labels.group)).toEqual([String(nv)])
      const notViable = meant.filter((a) => nvMembers.includes(a))
      const busy = meant.filter((a) => String(groupOf(a)) === held)
      expect(get(r.metrics, 'lsvfio_device_ready', { reason: 'not-viable' }).map((x) => x.labels.address)).toEqual(notViable)
      expect(get(r.metrics, 'lsvfio_device_ready', { reason: 'busy' }).map((x) => x.labels.address)).toEqual(busy)
      const ready = meant.length - notViable.length - busy.length
      expect([notViable.length, busy.length, ready]).toEqual([1, 1, meant.length - 2])
      expect(one(r.metrics, 'lsvfio_devices_ready')).toBe(ready)
      expect([one(r.metrics, 'lsvfio_iommu_enabled'), one(r.metrics, 'lsvfio_interrupt_remapping', { state: 'enabled' }), one(r.metrics, 'lsvfio_noiommu_mode_enabled')]).toEqual([1, 1, 0])
      expect(one(r.metrics, 'lsvfio_iommu_groups')).toBe(r.w.groups.length)
      expect(Object.fromEntries([...r.nfd].filter(([k]) => !k.includes('/ready-')))).toEqual({
        [`${NFD_NAMESPACE}/iommu`]: 'true',
        [`${NFD_NAMESPACE}/interrupt-remapping`]: 'true',
        [`${NFD_NAMESPACE}/noiommu-mode`]: 'false',
        [`${NFD_NAMESPACE}/host-ready`]: 'true',
        [`${NFD_NAMESPACE}/devices-meant`]: String(meant.length),
        [`${NFD_NAMESPACE}/devices-ready`]: String(ready),
      })
      // per vendor:device: 1b36:0005 (pci-testdev) at 00:04.0 (busy), 05:02.0 (ready) and 07:01.0 (not viable)
      expect(r.nfd.get(`${NFD_NAMESPACE}/ready-1b36-0005`)).toBe('1')
    })
  })

  describe.runIf(existsSync(kmod))('6.12 without an IOMMU, in no-IOMMU mode', () => {
    let r: Run
    beforeAll(async () => {
      const boot = await bootGuest({ kernel: '6.12', devices: 'full', iommu: 'off', scenario: 'test/vm/guest/fleet.sh', extraModules: kmod, modparams: ['vfio enable_unsafe_noiommu_mode=1'], timeoutMs: 240_000 })
      console.log(`[vm] fleet no-IOMMU: ${boot.kver} ${boot.bootMs} ms, retried=${boot.retried}, scenario rc=${boot.rc}`)
      expect(boot.rc, await readOut(boot.outDir, 'scenario.stderr').catch(() => '')).toBe(0)
      r = await load(boot)
    }, 600_000)

    it('node_exporter in the guest serves the metrics lsvfio wrote', () => servedAsWritten(r))

    it('no IOMMU, no-IOMMU mode on, every device noiommu-only in its noiommu-N group, nothing ready', () => {
      const meant = devicesAsWitnessed(r, (g) => (g === null ? '' : `noiommu-${g}`))
      expect(meant.length).toBeGreaterThan(5)
      expect(r.w.devVfio.map((n) => n.name).filter((n) => n.startsWith('noiommu-')).sort()).toEqual([...new Set(get(r.metrics, 'lsvfio_group_viable').map((x) => x.labels.group))].sort())
      expect(get(r.metrics, 'lsvfio_device_ready').every((x) => x.labels.reason === 'noiommu-only' && x.value === 0)).toBe(true)
      expect([one(r.metrics, 'lsvfio_iommu_enabled'), one(r.metrics, 'lsvfio_noiommu_mode_enabled'), one(r.metrics, 'lsvfio_host_ready'), one(r.metrics, 'lsvfio_devices_ready')]).toEqual([0, 1, 0, 0])
      expect([r.nfd.get(`${NFD_NAMESPACE}/iommu`), r.nfd.get(`${NFD_NAMESPACE}/noiommu-mode`), r.nfd.get(`${NFD_NAMESPACE}/devices-ready`)]).toEqual(['false', 'true', '0'])
    })
  })
})
