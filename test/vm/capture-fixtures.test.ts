// Re-captures lsvfio's fixtures in test/fixtures/<name>/ from real boots: the --save snapshot, the live
// --json, and the witnesses of the same boot. Opt-in, so fixtures never change under a normal run:
//   npm run build && LSVFIO_CAPTURE=1 npx vitest run test/vm/capture-fixtures.test.ts
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, it } from 'vitest'
import { existsSync } from 'node:fs'
import { qemuVersion, REPO, VM_DIR, vmAvailable } from './harness.js'
import { runLsvfio, runLsvfioMode } from './run-lsvfio.js'
import { mdevKmod, runMdev } from './run-mdev.js'

const FILES = ['snapshot.json', 'lsvfio.json', 'lsvfio.rc', 'witness.json', 'lspci.txt', 'lsvfio-xxx.txt', 'lspci-from-lsvfio.txt']
const wanted = process.env['LSVFIO_CAPTURE'] === '1'

describe('capture test/fixtures', () => {
  for (const kernel of ['6.12', '6.1', '7.3'] as const) {
    it.runIf(wanted && vmAvailable([kernel]).ok)(
      `x86-${kernel}`,
      async () => {
        const run = await runLsvfio(kernel)
        const dir = path.join(REPO, 'test/fixtures', `x86-${kernel}`)
        mkdirSync(dir, { recursive: true })
        for (const f of FILES) copyFileSync(path.join(run.boot.outDir, f), path.join(dir, f))
        writeFileSync(
          path.join(dir, 'SOURCE.txt'),
          [
            'Captured by test/vm/capture-fixtures.test.ts (LSVFIO_CAPTURE=1) from a real boot; do not edit by hand.',
            `kernel: ${run.boot.kver}`,
            `qemu: ${qemuVersion()}`,
            'devices: full matrix (vm-recipe.md §2.1), intel-iommu, all eligible devices on vfio-pci except 0000:07:02.0 (non-viable group)',
            'scenario: test/vm/guest/busy.sh with BUSY_GROUP=2 (group 2 held open: EBUSY)',
            `lsvfio exit status: ${run.rc}`,
            '',
          ].join('\n'),
        )
      },
      300_000,
    )
  }
  // Mediated devices (sample drivers): the snapshot, the live JSON and the three witnesses of the boot.
  for (const kernel of ['6.12', '7.3'] as const) {
    it.runIf(wanted && vmAvailable([kernel]).ok && existsSync(mdevKmod(kernel)))(
      `x86-${kernel}-mdev`,
      async () => {
        const run = await runMdev(kernel)
        const dir = path.join(REPO, 'test/fixtures', `x86-${kernel}-mdev`)
        mkdirSync(dir, { recursive: true })
        const files: [string, string][] = [
          ['snapshot.json', 'snapshot.json'], ['lsvfio.out', 'lsvfio.json'], ['lsvfio.rc', 'lsvfio.rc'], ['lsvfio-vv.out', 'lsvfio-vv.txt'],
          ['mdev-witness.json', 'mdev-witness.json'], ['mdevctl-types.out', 'mdevctl-types.json'], ['mdevctl-list.out', 'mdevctl-list.json'],
          ['mdevctl-defined.out', 'mdevctl-defined.json'], ['mdevs.txt', 'mdevs.txt'], ['open-flag', 'open-flag'],
        ]
        for (const u of (await run.out('mdevs.txt')).trim().split('\n').map((l) => l.split('\t')[0] ?? '')) {
          if (existsSync(path.join(run.boot.outDir, `mdevread-${u}.out`))) files.push([`mdevread-${u}.out`, `mdevread-${u}.json`])
        }
        for (const [from, to] of files) copyFileSync(path.join(run.boot.outDir, from), path.join(dir, to))
        writeFileSync(
          path.join(dir, 'SOURCE.txt'),
          [
            'Captured by test/vm/capture-fixtures.test.ts (LSVFIO_CAPTURE=1) from a real boot; do not edit by hand.',
            `kernel: ${run.boot.kver} with the sample mdev drivers of its source (test/vm/kmod/build-mdev.sh; mbochs count=32)`,
            `qemu: ${qemuVersion()}`,
            'devices: edu + pci-testdev (small), intel-iommu; scenario test/vm/guest/mdev.sh: six mdevs (mtty-1, mtty-2, mdpy-vga, mdpy-xga,',
            '  mbochs-small, mbochs-medium), one defined with mdevctl and not started, the mtty-2 group held open (EBUSY)',
            `lsvfio arguments: --json --save snapshot.json ${(await run.out('open-flag')).trim()}`,
            `lsvfio exit status: ${(await run.out('lsvfio.rc')).trim()}`,
            '',
          ].join('\n'),
        )
      },
      420_000,
    )
  }
  for (const [kernel, mode] of [['6.12', 'noiommu'], ['6.12', 'cdev']] as const) {
    const kmod = path.join(VM_DIR, 'kmod', kernel, mode)
    it.runIf(wanted && vmAvailable([kernel]).ok && existsSync(kmod))(
      `x86-${kernel}-${mode}`,
      async () => {
        const run = await runLsvfioMode(kernel, mode, kmod)
        const dir = path.join(REPO, 'test/fixtures', `x86-${kernel}-${mode}`)
        mkdirSync(dir, { recursive: true })
        // For cdev the fixture is the --via cdev run; the witnesses are the same boot's.
        const pick = (f: string): string => (mode === 'cdev' && /^(snapshot|lsvfio)\./.test(f) ? f.replace(/^(snapshot|lsvfio)/, '$1-cdev') : f)
        for (const f of FILES) copyFileSync(path.join(run.boot.outDir, pick(f)), path.join(dir, f))
        writeFileSync(
          path.join(dir, 'SOURCE.txt'),
          [
            'Captured by test/vm/capture-fixtures.test.ts (LSVFIO_CAPTURE=1) from a real boot; do not edit by hand.',
            `kernel: ${run.boot.kver} with modules rebuilt by test/vm/kmod (${mode})`,
            `qemu: ${qemuVersion()}`,
            mode === 'noiommu'
              ? 'devices: full matrix, NO vIOMMU, vfio enable_unsafe_noiommu_mode=1: every device in its own noiommu-N group'
              : 'devices: full matrix, intel-iommu; lsvfio --via cdev (/dev/vfio/devices/vfioN bound to /dev/iommu)',
            `lsvfio exit status: ${mode === 'cdev' ? run.cdev?.rc : run.rc}`,
            '',
          ].join('\n'),
        )
      },
      300_000,
    )
  }
})
