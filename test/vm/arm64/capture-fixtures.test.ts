// Re-captures test/fixtures/arm64-<kernel series>/ from a real arm64 boot: the --save snapshot, the live
// --json and the witnesses of the same boot. Opt-in, so fixtures never change under a normal run:
//   npm run build && LSVFIO_CAPTURE=1 npx vitest run test/vm/arm64/capture-fixtures.test.ts
// The snapshot is stored as lsvfio-snapshot.json: test/cli/fixtures.test.ts replays every
// test/fixtures/*/snapshot.json with x86 witnesses (lspci) that an arm64 guest does not have.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { parseSnapshot } from '../../../src/snapshot/format.js'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { compareArm64 } from './compare.js'
import { arm64Available, DEFAULT_BIND, qemuVersion, REPO } from './harness.js'
import { runArm64 } from './run-arm64.js'

const wanted = process.env['LSVFIO_CAPTURE'] === '1'

describe('capture test/fixtures/arm64-*', () => {
  it.runIf(wanted && arm64Available().ok)(
    'arm64',
    async () => {
      const run = await runArm64()
      const led = compareArm64(run.doc, run.witness)
      expect(led.mismatches, led.report()).toEqual([]) // never capture a disagreeing boot
      const series = /^(\d+\.\d+)/.exec(run.boot.kver)?.[1] ?? run.boot.kver
      const dir = path.join(REPO, 'test/fixtures', `arm64-${series}`)
      mkdirSync(dir, { recursive: true })
      // the flat version 1 form, as the x86 fixtures: the same answers, expanded
      const snap = path.join(run.boot.outDir, 'snapshot.json')
      writeFileSync(path.join(dir, 'lsvfio-snapshot.json'), JSON.stringify(parseSnapshot(readFileSync(snap, 'utf8'), snap)) + '\n')
      for (const f of ['lsvfio.json', 'lsvfio.rc', 'witness.json']) copyFileSync(path.join(run.boot.outDir, f), path.join(dir, f))
      writeFileSync(
        path.join(dir, 'SOURCE.txt'),
        [
          'Captured by test/vm/arm64/capture-fixtures.test.ts (LSVFIO_CAPTURE=1) from a real boot; do not edit by hand.',
          `kernel: ${run.boot.kver} (Debian arm64) with vfio.ko (noiommu), vfio-platform-base, vfio-platform, vfio-amba rebuilt out of tree`,
          `qemu: ${qemuVersion()}, -machine virt -cpu max,pauth=off, DTB = QEMU's + test/vm/arm64/dt/lsvfio-virt.dtsi`,
          `bound: ${DEFAULT_BIND.join(' ')}`,
          'scenario: test/vm/arm64/guest/lsvfio.sh (lsvfio --json --save, then guest/witness.mjs)',
          `witnesses: ${led.report()}`,
          `lsvfio exit status: ${run.rc}`,
          '',
        ].join('\n'),
      )
    },
    300_000,
  )
})
