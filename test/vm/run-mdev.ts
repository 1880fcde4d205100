// Boots a guest with the kernel's sample mdev drivers (test/vm/kmod/build-mdev.sh) and runs
// test/vm/guest/mdev.sh: six mdevs, one defined with mdevctl, one group held open.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs'
import path from 'node:path'
import { bootGuest, readOut, REPO, VM_DIR, type BootResult, type KernelName } from './harness.js'

export const mdevKmod = (kernel: string): string => path.join(VM_DIR, 'kmod', kernel, 'mdev')

/** The C witness (guest/mdevread.c), built static once per source version. */
export function buildMdevread(): string {
  const src = path.join(REPO, 'test/vm/guest/mdevread.c')
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12)
  const out = path.join(VM_DIR, 'bin', `mdevread-${hash}`)
  if (existsSync(out)) return out
  mkdirSync(path.dirname(out), { recursive: true })
  execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-static', '-o', `${out}.tmp`, src])
  renameSync(`${out}.tmp`, out)
  return out
}

export interface MdevRun {
  boot: BootResult
  out: (name: string) => Promise<string>
}

export async function runMdev(kernel: KernelName, env: Record<string, string> = {}): Promise<MdevRun> {
  const boot = await bootGuest({
    kernel,
    devices: 'small',
    iommu: 'intel',
    scenario: 'test/vm/guest/mdev.sh',
    extraModules: mdevKmod(kernel),
    modparams: ['mbochs count=32'],
    env: { MDEVREAD: buildMdevread(), ...env },
    timeoutMs: 240_000,
  })
  console.log(`[vm] ${kernel} mdev: ${boot.kver} boot+scenario ${boot.bootMs} ms, retried=${boot.retried}, out ${boot.outDir}`)
  return { boot, out: (name) => readOut(boot.outDir, name) }
}
