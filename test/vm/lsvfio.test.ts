// lsvfio against real kernels: the built CLI runs in the guest, its --json is compared field by field
// with witnesses that are not ours (sysfs read by witness.mjs, pciutils' lspci). One boot per kernel.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import { compareHwInfoData } from './compare-hwinfo.js'
import { Ledger } from './compare.js'
import { readOut, REPO, VM_DIR, vmAvailable } from './harness.js'
import { loadWitness } from './witness.js'
import { passiveEvidence, passiveReport, type PassiveEvidence } from './passive.js'
import { closed } from '../helpers/schema.js'
import { compareAll, runLsvfio, runLsvfioMode } from './run-lsvfio.js'

/** --open names what it resets on stderr before it starts; the rest of stderr must be empty. */
const OPEN_NOTICE = /^lsvfio: --open: opening up to \d+ VFIO devices? \(a busy group is left alone\); vfio-pci resets .*\n/
/** --save says what the file holds, after the run. */
const SAVED = /^lsvfio: saved \d+ answers to .*\n/m
/** stderr without the two lines a --open --save run always writes. */
const rest = (stderr: string): string => stderr.replace(OPEN_NOTICE, '').replace(SAVED, '')

/** The default run opened nothing (two witnesses) and every prediction agrees with the kernel. */
function expectPassive(e: PassiveEvidence, minDevices: number): void {
  expect(e.vfioOpens).toEqual([])
  expect(e.openCalls).toBeGreaterThan(100)
  expect([e.passiveRc, e.passiveStderr]).toEqual([0, ''])
  if (e.kprobeState === 'on') {
    expect(e.kprobePassive).toBe(0)
    expect(e.kprobeOpen).toBeGreaterThanOrEqual(minDevices)
  }
  expect(e.mismatches).toEqual([])
  expect(e.drift).toEqual([])
  expect(e.devices).toBeGreaterThanOrEqual(minDevices)
  expect(e.fields).toBeGreaterThan(minDevices * 20)
}

const BOOT_TIMEOUT = 300_000
const schema = JSON.parse(readFileSync(path.join(REPO, 'schema/lsvfio.schema.json'), 'utf8')) as object
// the closed copy: every key lsvfio writes must be declared
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(closed(schema))
const built = existsSync(path.join(REPO, 'dist/cli/main.js'))

const avail = vmAvailable()
const why = !built ? 'no build (npm run build)' : avail.why
describe.skipIf(!avail.ok || !built)(`lsvfio on real kernels${avail.ok && built ? '' : ` (skipped: ${why})`}`, () => {
  for (const kernel of ['6.12', '6.1', '7.3'] as const) {
    it(
      `${kernel}: matches sysfs and lspci field by field; EBUSY and non-viable are data`,
      async () => {
        const run = await runLsvfio(kernel)
        expect(validate(run.doc), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true)
        const led = await compareAll(run, kernel)
        expect(led.mismatches, led.report()).toEqual([])
        expect(led.checks).toBeGreaterThan(300)
        // lsvfio -xxx decoded by lspci -F for every gathered device (the -x round trip).
        expect(existsSync(path.join(run.boot.outDir, 'lspci-from-lsvfio.txt'))).toBe(true)

        // Every vfio-pci device outside the busy and non-viable groups was gathered.
        const vfioDevices = run.doc.groups.flatMap((g) => g.devices.filter((d) => d.vfioDriver && !d.bridge).map((d) => ({ g, d })))
        const gathered = vfioDevices.filter(({ d }) => d.vfio?.state === 'ok').map(({ d }) => d.address)
        expect(gathered).toHaveLength(vfioDevices.length - 2)

        // Held open by another process: EBUSY on open, with the way to find the holder.
        const busy = run.doc.groups.find((g) => g.id === 2)
        expect(busy?.status).toMatchObject({ state: 'failed', error: { op: 'open', code: 'EBUSY', path: '/dev/vfio/2' } })
        expect(busy?.devices[0]?.vfio).toMatchObject({ state: 'failed', error: { code: 'EBUSY' } })

        // Not viable: the kernel agrees with the prediction and names nothing but the virtio-pci sibling.
        const nv = run.doc.groups.find((g) => g.devices.some((d) => d.address === '0000:07:02.0'))
        expect(nv?.viability).toEqual({ viable: false, blockers: [{ address: '0000:07:02.0', driver: 'virtio-pci' }] })
        expect(nv?.status).toMatchObject({ state: 'ok', value: { viable: false } })

        // The container of a gathered group: type1v2 with 4K pages and IOVA ranges.
        const g1 = run.doc.groups.find((g) => g.devices.some((d) => d.address === '0000:00:03.0'))
        expect(g1?.container).toMatchObject({ state: 'ok', value: { apiVersion: 0, model: 'type1v2' } })

        // A busy and a non-viable group are states the output shows, not failures.
        expect(run.rc, run.stderr).toBe(0)
        expect(rest(run.stderr)).toBe('')
        const ev = await passiveEvidence(run.boot.outDir, run.doc)
        console.log(passiveReport(kernel, 'group', ev))
        expectPassive(ev, 8)
      },
      BOOT_TIMEOUT,
    )
  }
})

const kmod = (kernel: string, mode: string): string => path.join(VM_DIR, 'kmod', kernel, mode)
const modesReady = avail.ok && built && existsSync(kmod('6.12', 'noiommu'))
describe.skipIf(!modesReady)(`lsvfio on rebuilt VFIO modules${modesReady ? '' : ' (skipped: no test/vm/kmod builds; run bash test/vm/setup.sh)'}`, () => {
  for (const kernel of ['6.12', '6.1', '7.3'] as const) {
    it.skipIf(!existsSync(kmod(kernel, 'noiommu')))(
      `${kernel} no-IOMMU: noiommu-N groups, NOIOMMU container, devices gathered and matching the witnesses`,
      async () => {
        const run = await runLsvfioMode(kernel, 'noiommu', kmod(kernel, 'noiommu'))
        expect(validate(run.doc), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true)
        expect(run.doc.host.iommus).toEqual([])
        expect(run.doc.host.noiommuEnabled).toBe(true)
        const vfioGroups = run.doc.groups.filter((g) => g.devices.some((d) => d.vfioDriver))
        expect(vfioGroups.length).toBeGreaterThanOrEqual(10)
        for (const g of vfioGroups) {
          expect(g.noiommu, `group ${g.id}`).toBe(true)
          expect(g.node?.path).toBe(`/dev/vfio/noiommu-${g.id}`)
          expect(g.container).toMatchObject({ state: 'ok', value: { model: 'noiommu', iommuInfo: null } })
          const ext = g.container?.state === 'ok' ? g.container.value.extensions.find((e) => e.name === 'noiommu') : undefined
          expect(ext?.value).toBe(1)
        }
        // Without an IOMMU every device is its own group, even behind the PCI bridges: all gathered.
        const failed = vfioGroups.flatMap((g) => g.devices).filter((d) => d.vfioDriver && d.vfio?.state !== 'ok')
        expect(failed.map((d) => d.address)).toEqual([])
        const led = await compareAll(run, kernel)
        expect(led.mismatches, led.report()).toEqual([])
        expect(run.rc, run.stderr).toBe(0)
        expect(rest(run.stderr)).toBe('')
        const ev = await passiveEvidence(run.boot.outDir, run.doc)
        console.log(passiveReport(kernel, 'no-IOMMU', ev))
        expectPassive(ev, 10)
      },
      BOOT_TIMEOUT,
    )
  }
  for (const kernel of ['6.12', '7.3'] as const) {
    it.skipIf(!existsSync(kmod(kernel, 'cdev')))(
      `${kernel} cdev + iommufd: --via cdev binds each device to an iommufd and agrees with the group path`,
      async () => {
        const run = await runLsvfioMode(kernel, 'cdev', kmod(kernel, 'cdev'))
        const cdev = run.cdev
        if (cdev === null) throw new Error('no cdev run')
        expect(validate(cdev.doc), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true)
        expect(cdev.doc.host.iommufdNode?.path).toBe('/dev/iommu')
        const devs = cdev.doc.groups.flatMap((g) => g.devices).filter((d) => d.vfioDriver && !d.bridge)
        expect(devs.length).toBeGreaterThanOrEqual(10)
        for (const d of devs) {
          expect(d.cdev, d.address).toMatch(/^\/dev\/vfio\/devices\/vfio\d+$/)
          expect(d.vfio, d.address).toMatchObject({ state: 'ok', value: { via: 'cdev', iommufd: { hwInfo: { state: 'ok', value: { typeName: 'intel-vtd' } } } } })
        }
        // The same kernel answers the same regions and IRQs on both paths.
        // Error paths name the fd (cdev node vs group node); everything else must be identical.
        const strip = (doc: typeof cdev.doc): unknown =>
          JSON.parse(
            JSON.stringify(doc.groups.flatMap((g) => g.devices).filter((d) => d.vfio?.state === 'ok').map((d) => (d.vfio?.state === 'ok' ? [d.address, d.vfio.value.regions, d.vfio.value.irqs, d.vfio.value.flags] : []))),
            (k, v: unknown) => (k === 'path' ? null : v),
          )
        expect(strip(cdev.doc)).toEqual(strip(run.doc))
        expect((strip(cdev.doc) as unknown[]).length).toBe(devs.length)
        const led = await compareAll({ ...run, doc: cdev.doc }, kernel)
        expect(led.mismatches, led.report()).toEqual([])
        expect([cdev.rc, rest(cdev.stderr)]).toEqual([0, ''])
        // IOMMU_GET_HW_INFO's VT-d registers against sysfs intel-iommu/cap, ecap and the DMAR boot line.
        const hw = new Ledger()
        compareHwInfoData(hw, cdev.doc, await loadWitness(run.boot.outDir), await readOut(run.boot.outDir, 'dmesg.txt'), kernel)
        console.log(`[vm] ${kernel} cdev hw_info data: ${hw.report()}`)
        expect(hw.mismatches, hw.report()).toEqual([])
        expect(hw.devices.size).toBe(devs.length)
        // The predictions against the cdev path's kernel answers, and the default run of the same boot.
        const ev = await passiveEvidence(run.boot.outDir, cdev.doc)
        console.log(passiveReport(kernel, 'cdev', ev))
        expectPassive(ev, 10)
      },
      BOOT_TIMEOUT,
    )
  }
})
