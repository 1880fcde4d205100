// Real boots: the harness itself works on every kernel (witness.sh only; lsvfio is not involved).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { bootGuest, readOut, VM_DIR, VmBootError, vmAvailable, type BootResult, type KernelName } from './harness.js'
import { loadWitness, parseLspci } from './witness.js'

const BOOT_TIMEOUT = 240_000

function report(label: string, r: BootResult): void {
  const ird = r.initramfs.buildMs === null ? 'cached' : `built in ${r.initramfs.buildMs} ms`
  // printed on purpose: boot times are part of what this suite measures
  console.log(`[vm] ${label}: ${r.kver} boot+scenario ${r.bootMs} ms, initramfs ${ird}, retried=${r.retried}, out=${r.outDir}`)
}

const full = vmAvailable(['6.12'])
const all = vmAvailable()
if (!all.ok) console.warn(`[vm] some VM tests are skipped: ${all.why}`)
describe.skipIf(!full.ok)(`VM harness, 6.12 full device set${full.ok ? '' : ` (skipped: ${full.why})`}`, () => {
  let booted: BootResult | undefined
  const boot = (): BootResult => {
    if (booted === undefined) throw new Error('the boot in the first test failed; see its error')
    return booted
  }
  it(
    'boots, binds, runs witness.sh and returns its files',
    async () => {
      const r = await bootGuest({ kernel: '6.12', devices: 'full', iommu: 'intel', scenario: 'test/vm/guest/witness.sh' })
      report('6.12 full', r)
      expect(r.rc, await readOut(r.outDir, 'scenario.stderr')).toBe(0)
      for (const f of ['rc', 'init.log', 'dmesg.txt', 'lspci.txt', 'lspci-xxxx.txt', 'dev-vfio.txt', 'witness.json']) {
        expect(existsSync(path.join(r.outDir, f)), f).toBe(true)
      }
      booted = r
    },
    BOOT_TIMEOUT,
  )

  it('sees the IOMMU groups of the full device set (test/vm/README.md)', async () => {
    const w = await loadWitness(boot().outDir)
    const members = (bdf: string): string[] => {
      const g = w.groups.find((x) => x.devices.includes(bdf))
      if (g === undefined) throw new Error(`${bdf} is in no IOMMU group`)
      return g.devices
    }
    expect(members('0000:00:03.0')).toEqual(['0000:00:03.0'])
    expect(members('0000:05:01.0')).toEqual(['0000:04:00.0', '0000:05:01.0', '0000:05:02.0'])
    expect(members('0000:07:02.0')).toEqual(['0000:06:00.0', '0000:07:01.0', '0000:07:02.0'])
    for (const bdf of ['0000:01:00.0', '0000:02:00.0', '0000:03:00.0']) expect(members(bdf)).toEqual([bdf])
    expect(members('0000:00:1f.0')).toEqual(['0000:00:1f.0', '0000:00:1f.2', '0000:00:1f.3'])
  })

  it('binds every eligible device to vfio-pci and creates its /dev/vfio node', async () => {
    const w = await loadWitness(boot().outDir)
    const bound = w.devices.filter((d) => d.driver === 'vfio-pci').map((d) => d.address)
    expect(bound).toEqual([
      '0000:00:03.0', '0000:00:04.0', '0000:00:05.0', '0000:00:06.0', '0000:00:07.0',
      '0000:01:00.0', '0000:02:00.0', '0000:03:00.0', '0000:05:01.0', '0000:05:02.0', '0000:07:01.0', '0000:07:02.0',
    ])
    // the 9p transports and the ICH9 functions stay with their drivers
    const ninep = w.devices.filter((d) => d.vendorId === 0x1af4 && d.deviceId === 0x1009)
    expect(ninep.map((d) => d.driver)).toEqual(['virtio-pci', 'virtio-pci'])
    const nodes = new Set(w.devVfio.map((n) => n.name))
    expect(nodes.has('vfio')).toBe(true)
    const groupsOfBound = new Set(w.devices.filter((d) => d.driver === 'vfio-pci').map((d) => String(d.iommuGroup)))
    for (const g of groupsOfBound) expect(nodes.has(g), `/dev/vfio/${g}`).toBe(true)
    expect(nodes.size).toBe(groupsOfBound.size + 1)
  })

  it('has lspci text that parses into the same devices as sysfs', async () => {
    const w = await loadWitness(boot().outDir)
    const l = parseLspci(await readOut(boot().outDir, 'lspci.txt'))
    expect(l.map((d) => d.address)).toEqual(w.devices.map((d) => d.address))
    for (const d of l) {
      const s = w.devices.find((x) => x.address === d.address)
      expect(d.vendorId, d.address).toBe(s?.vendorId)
      expect(d.driverInUse ?? null, d.address).toBe(s?.driver ?? null)
    }
  })
})

describe.skipIf(!full.ok)(`VM harness options: keep, busy.sh, modparams, extraModules${full.ok ? '' : ` (skipped: ${full.why})`}`, () => {
  it(
    'leaves kept devices on their driver, holds a group open, loads substituted modules with parameters',
    async () => {
      // a stock vfio.ko, decompressed, stands in for test/vm/kmod's rebuilt one: same name → substituted
      const kdir = path.join(VM_DIR, 'kernels/6.12')
      const kver = readFileSync(path.join(kdir, 'KVER'), 'utf8').trim()
      const extra = path.join(VM_DIR, 'test-extra-modules', kver)
      mkdirSync(extra, { recursive: true })
      const src = path.join(kdir, 'root/lib/modules', kver, 'kernel/drivers/vfio/vfio.ko.xz')
      writeFileSync(path.join(extra, 'vfio.ko'), execFileSync('xz', ['-dc', src], { maxBuffer: 64 << 20 }))

      const r = await bootGuest({
        kernel: '6.12',
        devices: 'full',
        iommu: 'intel',
        scenario: 'test/vm/guest/busy.sh',
        keep: ['07:02.0'],
        modparams: ['vfio_iommu_type1 allow_unsafe_interrupts=1'],
        extraModules: extra,
      })
      report('6.12 full busy+keep', r)
      expect(r.rc, await readOut(r.outDir, 'scenario.stderr')).toBe(0)
      const w = await loadWitness(r.outDir)
      const drv = (bdf: string): string | null => w.devices.find((d) => d.address === bdf)?.driver ?? null
      expect(drv('0000:07:02.0')).toBe('virtio-pci')
      expect(drv('0000:07:01.0')).toBe('vfio-pci')
      // the group is held by a process while lsvfio (if built) and the witnesses run
      const group = (await readOut(r.outDir, 'holder.group')).trim()
      expect((await readOut(r.outDir, 'holder.fd')).trim()).toBe(`/dev/vfio/${group}`)
      expect(Number((await readOut(r.outDir, 'holder.pid')).trim())).toBeGreaterThan(1)
      const ran = existsSync(path.join(r.outDir, 'lsvfio.rc'))
      const skipped = existsSync(path.join(r.outDir, 'lsvfio.skipped'))
      expect(ran !== skipped, 'exactly one of lsvfio.rc / lsvfio.skipped').toBe(true)
      expect(w.moduleParams['vfio_iommu_type1']?.['allow_unsafe_interrupts']).toBe('Y')
      expect((await readOut(r.outDir, 'initramfs.txt')).split('\n')).toContain(`vfio extra ${extra}/vfio.ko`)
    },
    BOOT_TIMEOUT,
  )
})

describe.skipIf(!full.ok)(`VM harness failure handling${full.ok ? '' : ` (skipped: ${full.why})`}`, () => {
  const base = { kernel: '6.12', devices: 'small', iommu: 'intel', scenario: 'test/vm/guest/selftest.sh' } as const

  it(
    'boots again once when the guest kernel dies (QEMU status 0)',
    async () => {
      const r = await bootGuest({ ...base, env: { SELFTEST: 'crash-once' } })
      report('6.12 small crash-once', r)
      expect(r.retried).toBe(true)
      expect(r.rc).toBe(0)
      expect(await readOut(r.outDir, 'selftest.txt')).toBe('second attempt\n')
      expect(existsSync(path.join(r.runDir, 'out.try1'))).toBe(true)
    },
    BOOT_TIMEOUT,
  )

  it(
    'gives up after the second death with the serial log',
    async () => {
      const e: unknown = await bootGuest({ ...base, env: { SELFTEST: 'crash' } }).catch((x: unknown) => x)
      expect(e).toBeInstanceOf(VmBootError)
      const err = e as VmBootError
      expect(err.message).toMatch(/attempt 1: guest died.*attempt 2: guest died/s)
      expect(err.serialLog).toMatch(/sysrq/i)
    },
    BOOT_TIMEOUT,
  )

  it(
    'kills a hanging scenario inside the guest and still reports (rc 137, no retry)',
    async () => {
      const t0 = Date.now()
      const r = await bootGuest({ ...base, env: { SELFTEST: 'hang' }, timeoutMs: 30_000 })
      report('6.12 small hang', r)
      expect(r.rc).toBe(137)
      expect(r.retried).toBe(false)
      expect(await readOut(r.outDir, 'selftest.txt')).toBe('hanging\n')
      expect(Date.now() - t0).toBeLessThan(30_000)
    },
    BOOT_TIMEOUT,
  )
})

describe.each(['6.1', '7.3'] as const)('VM harness on %s, small device set', (kernel: KernelName) => {
  const a = vmAvailable([kernel])
  it.skipIf(!a.ok)(
    `boots and runs witness.sh${a.ok ? '' : ` (skipped: ${a.why})`}`,
    async () => {
      const r = await bootGuest({ kernel, devices: 'small', iommu: 'intel', scenario: 'test/vm/guest/witness.sh' })
      report(`${kernel} small`, r)
      expect(r.rc, await readOut(r.outDir, 'scenario.stderr')).toBe(0)
      const w = await loadWitness(r.outDir)
      expect(w.kernelRelease).toBe(r.kver)
      const bound = w.devices.filter((d) => d.driver === 'vfio-pci').map((d) => d.address)
      expect(bound).toEqual(['0000:00:03.0', '0000:00:04.0'])
      for (const d of w.devices.filter((x) => x.driver === 'vfio-pci')) {
        expect(w.devVfio.some((n) => n.name === String(d.iommuGroup)), d.address).toBe(true)
      }
    },
    BOOT_TIMEOUT,
  )
})
