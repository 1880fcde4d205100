// The passive-by-default evidence of one boot (guest/passive.sh): the default run opened nothing under
// /dev/vfio or /dev/iommu (strace of its whole process tree, and a kprobe on vfio_pci_core_enable that
// did fire during the --open run), and its sysfs predictions agree with the --open run's kernel answers.
import type { JsonDevice, JsonDocument } from '../../src/render/json-types.js'
import { readOut } from './harness.js'

export interface PassiveEvidence {
  /** opens of a node below /dev/vfio/ or of /dev/iommu by the default run (strace): must be empty */
  vfioOpens: string[]
  /** how many open calls strace saw in all (not vacuous: lsvfio reads sysfs) */
  openCalls: number
  /** vfio_pci_core_enable hits in the default run and in the --open run; null without kprobes */
  kprobePassive: number | null
  kprobeOpen: number | null
  kprobeState: string
  passiveRc: number
  passiveStderr: string
  /** predicted fields compared with the kernel, per device, and the disagreements */
  fields: number
  devices: number
  mismatches: string[]
  /** the default run's predictions differ from those of the --open run (they must not) */
  drift: string[]
}

const devices = (doc: JsonDocument): JsonDevice[] => [...doc.groups.flatMap((g) => g.devices), ...doc.ungrouped]

export async function passiveEvidence(outDir: string, opened: JsonDocument): Promise<PassiveEvidence> {
  const strace = await readOut(outDir, 'passive.strace')
  const opens = strace.split('\n').filter((l) => /\bopen(at2?)?\(/.test(l))
  const num = async (f: string): Promise<number | null> => {
    const t = await readOut(outDir, f).catch(() => null)
    return t === null || t.trim() === '' ? null : Number(t.trim())
  }
  const passive = JSON.parse(await readOut(outDir, 'lsvfio-passive.json')) as JsonDocument
  const before = new Map(devices(passive).map((d) => [d.address, d]))
  const mismatches: string[] = []
  const drift: string[] = []
  let fields = 0
  let devs = 0
  for (const d of devices(opened)) {
    if (d.vfio?.state !== 'ok') continue
    const a = d.agreement ?? []
    if (d.driver === 'vfio-pci' && !d.bridge && a.length === 0) mismatches.push(`${d.address}: opened but nothing compared`)
    if (a.length > 0) devs++
    fields += a.length
    for (const x of a) if (!x.agree) mismatches.push(`${d.address} ${x.field}: predicted ${x.predicted}, kernel ${x.kernel}`)
    const p = before.get(d.address)?.predicted
    if (JSON.stringify(p) !== JSON.stringify(d.predicted)) drift.push(d.address)
  }
  return {
    // A node below /dev/vfio, or /dev/iommu (listing the /dev/vfio directory itself is reading, not opening a node).
    vfioOpens: opens.filter((l) => /"\/dev\/(vfio\/[^"]+|iommu)"/.test(l) && !l.includes("O_DIRECTORY")),
    openCalls: opens.length,
    kprobePassive: await num('kprobe-passive.count'),
    kprobeOpen: await num('kprobe-open.count'),
    kprobeState: (await readOut(outDir, 'kprobe.state').catch(() => 'no kprobe.state')).trim(),
    passiveRc: Number((await readOut(outDir, 'lsvfio-passive.rc')).trim()),
    passiveStderr: await readOut(outDir, 'lsvfio-passive.err'),
    fields,
    devices: devs,
    mismatches,
    drift,
  }
}

export function passiveReport(kernel: string, path: string, e: PassiveEvidence): string {
  const kp = e.kprobeState === 'on' ? `kprobe vfio_pci_core_enable ${e.kprobePassive} (default) / ${e.kprobeOpen} (--open)` : `kprobe: ${e.kprobeState}`
  return `[vm] ${kernel} ${path}: default run ${e.openCalls} opens, ${e.vfioOpens.length} under /dev/vfio|/dev/iommu; ${kp}; prediction ${e.devices} devices, ${e.fields} fields, ${e.mismatches.length} mismatches${e.mismatches.map((m) => `\n  ${m}`).join('')}`
}
