// Runs the built lsvfio in a guest with the full device matrix and compares it with the witnesses.
import type { JsonDocument } from '../../src/render/json-types.js'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { compareIommufdAndProbes, compareIova, compareLspciDecode, compareNodeModes, compareTopology, compareVfio, Ledger } from './compare.js'
import { bootGuest, readOut, type BootResult, type KernelName } from './harness.js'
import { loadWitness, parseDevVfioListing, parseLspci } from './witness.js'

export interface Run {
  boot: BootResult
  doc: JsonDocument
  rc: number
  stderr: string
}

/** Boots the full matrix with one group held open (EBUSY) and 07:02.0 left on virtio-pci (not viable). */
export async function runLsvfio(kernel: KernelName, extra: { busyGroup?: string } = {}): Promise<Run> {
  const boot = await bootGuest({
    kernel,
    devices: 'full',
    iommu: 'intel',
    scenario: 'test/vm/guest/busy.sh',
    keep: ['0000:07:02.0'],
    env: { BUSY_GROUP: extra.busyGroup ?? '2' },
  })
  const rc = Number((await readOut(boot.outDir, 'lsvfio.rc')).trim())
  const doc = JSON.parse(await readOut(boot.outDir, 'lsvfio.json')) as JsonDocument
  console.log(`[vm] ${kernel}: ${boot.kver} boot+lsvfio+witnesses ${boot.bootMs} ms, retried=${boot.retried}`)
  return { boot, doc, rc, stderr: await readOut(boot.outDir, 'lsvfio.err') }
}

export async function compareAll(run: Run, kernel: string): Promise<Ledger> {
  const w = await loadWitness(run.boot.outDir)
  const lspci = parseLspci(await readOut(run.boot.outDir, 'lspci.txt'))
  const led = new Ledger()
  compareTopology(led, run.doc, w)
  compareVfio(led, run.doc, w, lspci, { kernel })
  compareIova(led, run.doc, w)
  compareNodeModes(led, run.doc, parseDevVfioListing(await readOut(run.boot.outDir, 'dev-vfio.txt')))
  compareIommufdAndProbes(led, run.doc, w)
  const decoded = path.join(run.boot.outDir, 'lspci-from-lsvfio.txt')
  if (existsSync(decoded)) compareLspciDecode(led, run.doc, parseLspci(await readOut(run.boot.outDir, 'lspci-from-lsvfio.txt')), lspci)
  console.log(`[vm] ${kernel} witnesses: ${led.report()}`)
  return led
}


export interface ModeRun extends Run {
  /** --via cdev output of the same boot (cdev mode only) */
  cdev: { doc: JsonDocument; rc: number; stderr: string } | null
}

/** Boots with the rebuilt modules of test/vm/kmod: no-IOMMU (no vIOMMU at all) or cdev + iommufd. */
export async function runLsvfioMode(kernel: KernelName, mode: 'noiommu' | 'cdev', kmodDir: string): Promise<ModeRun> {
  const boot = await bootGuest({
    kernel,
    devices: 'full',
    iommu: mode === 'noiommu' ? 'off' : 'intel',
    scenario: mode === 'cdev' ? 'test/vm/guest/lsvfio-cdev.sh' : 'test/vm/guest/lsvfio.sh',
    extraModules: kmodDir,
    ...(mode === 'noiommu' ? { modparams: ['vfio enable_unsafe_noiommu_mode=1'] } : {}),
  })
  const read = async (name: string): Promise<{ doc: JsonDocument; rc: number; stderr: string }> => ({
    doc: JSON.parse(await readOut(boot.outDir, `${name}.json`)) as JsonDocument,
    rc: Number((await readOut(boot.outDir, `${name}.rc`)).trim()),
    stderr: await readOut(boot.outDir, `${name}.err`),
  })
  const main = await read('lsvfio')
  console.log(`[vm] ${kernel} ${mode}: ${boot.kver} boot+lsvfio+witnesses ${boot.bootMs} ms, retried=${boot.retried}`)
  return { boot, ...main, cdev: mode === 'cdev' ? await read('lsvfio-cdev') : null }
}
