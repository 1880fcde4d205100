// Re-captures the parser fixtures in test/vm/testdata/ from a real boot. Opt-in, because fixtures
// must not change under a normal test run:  LSVFIO_CAPTURE=1 npx vitest run test/vm/capture.test.ts
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { bootGuest, qemuVersion, readOut, REPO, vmAvailable } from './harness.js'

const FILES = ['lspci.txt', 'lspci-xxxx.txt', 'witness.json', 'dev-vfio.txt', 'lspci-nonroot.txt', 'lspci-poked.txt']
const wanted = process.env['LSVFIO_CAPTURE'] === '1'
const a = vmAvailable(['6.12'])

describe('capture test/vm/testdata', () => {
  it.runIf(wanted && a.ok)(
    '6.12-full',
    async () => {
      const r = await bootGuest({ kernel: '6.12', devices: 'full', iommu: 'intel', scenario: 'test/vm/guest/capture-testdata.sh' })
      expect(r.rc, await readOut(r.outDir, 'scenario.stderr')).toBe(0)
      const dir = path.join(REPO, 'test/vm/testdata/6.12-full')
      mkdirSync(dir, { recursive: true })
      for (const f of FILES) copyFileSync(path.join(r.outDir, f), path.join(dir, f))
      writeFileSync(
        path.join(dir, 'SOURCE.txt'),
        [
          'Captured by test/vm/capture.test.ts (LSVFIO_CAPTURE=1) from a real boot; do not edit by hand.',
          `kernel: ${r.kver}`,
          `qemu: ${qemuVersion()}`,
          'devices: full (test/vm/README.md), intel-iommu, every eligible device bound to vfio-pci',
          'scenario: test/vm/guest/capture-testdata.sh',
          `date: ${new Date().toISOString().slice(0, 10)}`,
          '',
        ].join('\n'),
      )
    },
    300_000,
  )
})
