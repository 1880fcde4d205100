// Readiness on arm64 with a real SMMUv3 (QEMU virt iommu=smmuv3): PCI behind the SMMU in a real IOMMU
// group, the platform and AMBA devices behind none (no-IOMMU groups, as in the default boot). Three
// boots: a device tree with a GICv3 ITS (isolated MSIs: the kernel attaches the PCI group), a device
// tree with GICv2m (not isolated: the kernel refuses it with EPERM), and ACPI through UEFI (IORT) with
// an ITS. lsvfio's readiness is compared with guest/readiness-witness.mjs and the kernel's answer.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { beforeAll, describe, expect, it } from 'vitest'
import type { JsonDocument } from '../../../src/render/json-types.js'
import { compareReadiness, type ReadinessWitness } from './compare-readiness.js'
import { ARM64_DIR, arm64Available, bootArm64, kernelVersion, readOut, REPO, uefiAvailable, type Arm64BootOptions } from './harness.js'

const schema = JSON.parse(readFileSync(path.join(REPO, 'schema/lsvfio.schema.json'), 'utf8')) as object
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema)
const built = existsSync(path.join(REPO, 'dist/cli/main.js'))
const avail = arm64Available()
const type1 = avail.ok ? path.join(ARM64_DIR, 'iommu', kernelVersion(), 'vfio_iommu_type1.ko') : ''
const why = !built ? 'no build (npm run build)' : !avail.ok ? avail.why : !existsSync(type1) ? `no ${type1} (run: bash test/vm/arm64/setup.sh)` : ''
if (why !== '') console.log(`[vm-arm64-smmu] SMMU boots skipped: ${why}`)

interface Run {
  doc: JsonDocument
  witness: ReadinessWitness
  dmesg: string
  rc: number
  stderr: string
  initLog: string
  bootMs: number
}

async function boot(opts: Omit<Arm64BootOptions, 'scenario' | 'env'>): Promise<Run> {
  const b = await bootArm64({ scenario: 'test/vm/arm64/guest/smmu.sh', env: { LSVFIO_TYPE1: type1 }, timeoutMs: 180_000, ...opts })
  return {
    doc: JSON.parse(await readOut(b.outDir, 'lsvfio.json')) as JsonDocument,
    witness: JSON.parse(await readOut(b.outDir, 'readiness-witness.json')) as ReadinessWitness,
    dmesg: await readOut(b.outDir, 'dmesg-after.txt'),
    rc: Number((await readOut(b.outDir, 'lsvfio.rc')).trim()),
    stderr: await readOut(b.outDir, 'lsvfio.err'),
    initLog: await readOut(b.outDir, 'init.log'),
    bootMs: b.bootMs,
  }
}

const STDERR_OK = (s: string): string => s.replace(/^lsvfio: --open: opening up to \d+ VFIO devices? \(a busy group is left alone\);.*\n/, '').replace(/^lsvfio: saved \d+ answers to .*\n/m, '')

const BOOTS = [
  {
    name: 'device tree, SMMUv3, GICv3 ITS',
    opts: { dtb: 'qemu', machine: 'iommu=smmuv3,gic-version=3', bind: ['platform:a000000.virtio_mmio', 'amba:9010000.pl031', 'amba:9030000.pl061', 'pci:0000:00:03.0'] },
    firmware: 'devicetree',
    msi: 'enabled',
  },
  {
    name: 'device tree, SMMUv3, GICv2m',
    opts: { dtb: 'qemu', machine: 'iommu=smmuv3', bind: ['platform:a000000.virtio_mmio', 'amba:9010000.pl031', 'pci:0000:00:03.0'] },
    firmware: 'devicetree',
    msi: 'disabled',
  },
  {
    name: 'ACPI (UEFI, IORT), SMMUv3, GICv3 ITS',
    // EDK2 cannot place the 90 MB initramfs below 512 MB (EFI_OUT_OF_RESOURCES); QEMU 7.2's DSDT has
    // virtio-mmio (LNRO0005) but no AMBA device (the guest has no ARMH0061 on the amba bus)
    opts: { dtb: 'qemu', firmware: 'uefi', memoryMb: 1024, machine: 'iommu=smmuv3,gic-version=3', bind: ['platform:LNRO0005:00', 'pci:0000:00:03.0'] },
    firmware: 'acpi',
    msi: 'enabled',
  },
] as const

for (const b of BOOTS) {
  const uefi = 'firmware' in b.opts ? uefiAvailable() : { ok: true, why: '' }
  const skip = why !== '' || !uefi.ok
  describe.skipIf(skip)(`arm64 readiness with a real SMMU: ${b.name}${skip ? ` (skipped: ${why || uefi.why})` : ''}`, () => {
    let run: Run
    beforeAll(async () => {
      run = await boot(b.opts as Omit<Arm64BootOptions, 'scenario' | 'env'>)
    }, 420_000)

    it('runs: exit 0, the PCI device bound to vfio-pci behind the SMMU, JSON valid against the schema', () => {
      expect(run.rc, run.stderr).toBe(0)
      expect(STDERR_OK(run.stderr)).toBe('')
      expect(validate(run.doc), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true)
      expect(run.initLog).toMatch(/\] failed:\n/) // every device of the boot's list was bound
      expect(run.witness.devices.map((d) => `${d.bus}:${d.name}`).sort()).toEqual([...b.opts.bind].sort())
      const edu = run.witness.devices.find((d) => d.name === '0000:00:03.0')
      expect(edu?.iommu, run.initLog).toMatch(/smmu3\./)
      // QEMU's SMMU covers PCI only: the platform and AMBA devices stay in no-IOMMU groups
      for (const d of run.witness.devices.filter((x) => x.bus !== 'pci')) expect([d.name, d.iommu, d.groupName]).toEqual([d.name, null, 'vfio-noiommu'])
    })

    it('agrees with the guest witness and the kernel field by field', () => {
      const led = compareReadiness(run.doc, run.witness, run.dmesg)
      console.log(`[vm-arm64-smmu] ${b.name}: ${led.report()} (boot ${(run.bootMs / 1000).toFixed(1)} s)`)
      expect(led.mismatches, led.report()).toEqual([])
      expect(run.doc.diagnostics?.readiness.arm64?.firmware).toBe(b.firmware)
      expect(run.doc.diagnostics?.readiness.interruptRemapping.state).toBe(b.msi)
    })

    it('fails on a tampered witness, a tampered document and a kernel that answered otherwise', () => {
      const w = structuredClone(run.witness)
      w.iommus = []
      expect(compareReadiness(run.doc, w, run.dmesg).mismatches.length).toBeGreaterThan(0)
      const d = structuredClone(run.doc)
      const r = d.diagnostics?.readiness
      if (r === undefined || r === null) throw new Error('no readiness')
      r.interruptRemapping.state = b.msi === 'enabled' ? 'disabled' : 'enabled'
      expect(compareReadiness(d, run.witness, run.dmesg).mismatches).toContainEqual(expect.stringMatching(/^MSI isolation = kernel/))
      const refused = /No interrupt remapping support/.test(run.dmesg)
      expect(compareReadiness(run.doc, run.witness, refused ? '' : 'No interrupt remapping support').mismatches).toContainEqual(expect.stringMatching(/^dmesg refusal/))
    })
  })
}
