// One arm64 boot running the built lsvfio and the witness; the outputs parsed.
import type { JsonDocument } from '../../../src/render/json-types.js'
import type { Arm64Witness } from './compare.js'
import { bootArm64, readOut, type Arm64BootResult } from './harness.js'

export interface Arm64Run {
  boot: Arm64BootResult
  doc: JsonDocument
  witness: Arm64Witness
  rc: number
  stderr: string
  /** guest milliseconds: lsvfio, witness */
  times: Record<string, number>
}

export async function loadRun(boot: Arm64BootResult): Promise<Arm64Run> {
  const skipped = await readOut(boot.outDir, 'lsvfio.skipped').catch(() => null)
  if (skipped !== null) throw new Error(`lsvfio did not run in the guest: ${skipped}`)
  const times = Object.fromEntries(
    (await readOut(boot.outDir, 'times.txt'))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split(' '))
      .map(([k, v]) => [k ?? '', Number(v)]),
  )
  return {
    boot,
    doc: JSON.parse(await readOut(boot.outDir, 'lsvfio.json')) as JsonDocument,
    witness: JSON.parse(await readOut(boot.outDir, 'witness.json')) as Arm64Witness,
    rc: Number((await readOut(boot.outDir, 'lsvfio.rc')).trim()),
    stderr: await readOut(boot.outDir, 'lsvfio.err'),
    times,
  }
}

/** Boots the default device set (harness DEFAULT_BIND) and runs guest/lsvfio.sh. */
export async function runArm64(): Promise<Arm64Run> {
  const boot = await bootArm64({ scenario: 'test/vm/arm64/guest/lsvfio.sh' })
  const run = await loadRun(boot)
  console.log(
    `[vm-arm64] ${boot.kver}: boot+lsvfio+witness ${boot.bootMs} ms (guest: lsvfio ${run.times['lsvfio']} ms, witness ${run.times['witness']} ms), retried=${boot.retried}, initramfs build ${boot.initramfsBuildMs ?? 'cached'}, dtb build ${boot.dtbBuildMs ?? 'cached'}`,
  )
  return run
}
