// The arm64 snapshots captured in a real guest (test/vm/arm64/capture-fixtures.test.ts), replayed
// through the whole CLI on this machine: vfio-platform / vfio-amba devices with device-tree paths,
// compatible strings and the reg/interrupts entries beside the regions and IRQs they back. The replay
// must agree with the witnesses of the same boot.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { JsonDocument } from '../../src/render/json-types.js'
import { compareArm64, type Arm64Witness } from '../vm/arm64/compare.js'

const REPO = path.resolve(import.meta.dirname, '../..')
const BIN = path.join(REPO, 'bin/lsvfio.js')
const FIX = path.join(REPO, 'test/fixtures')
const dirs = readdirSync(FIX).filter((d) => d.startsWith('arm64-') && existsSync(path.join(FIX, d, 'lsvfio-snapshot.json')))

function replay(dir: string, ...args: string[]): { stdout: string; status: number | null; stderr: string } {
  // The kernel's answers are replayed only with --open, as on a live host.
  const r = spawnSync(process.execPath, [BIN, '--from', path.join(FIX, dir, 'lsvfio-snapshot.json'), '--open', ...args], { encoding: 'utf8' })
  return { stdout: r.stdout, status: r.status, stderr: r.stderr.replace(/^lsvfio: --open: opening .*\n/, '') }
}

/** The lines of one device's block: from its summary line to the next device or group. */
function block(text: string, address: string): string[] {
  const lines = text.split('\n')
  const start = lines.findIndex((l) => l.startsWith(`  ${address} `))
  if (start < 0) throw new Error(`${address} not in the output`)
  const end = lines.findIndex((l, i) => i > start && (/^ {2}\S/.test(l) || /^\S/.test(l)))
  return lines.slice(start, end < 0 ? undefined : end).map((l) => l.trim())
}

describe.each(dirs)('arm64 fixture %s', (dir) => {
  const witness = JSON.parse(readFileSync(path.join(FIX, dir, 'witness.json'), 'utf8')) as Arm64Witness

  it('replays to JSON that agrees with the guest witnesses field by field', () => {
    const r = replay(dir, '--json')
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const led = compareArm64(JSON.parse(r.stdout) as JsonDocument, witness)
    expect(led.mismatches, led.report()).toEqual([])
    expect(led.devices.size).toBeGreaterThanOrEqual(4)
  })

  it('-vv shows device-tree paths, compatible strings and the reg/interrupts beside regions and IRQs', () => {
    const r = replay(dir, '-vv')
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    for (const d of witness.devices) {
      const compat = (d.compatible ?? []).map((c) => `"${c}"`).join(' ')
      expect(block(r.stdout, d.name)).toContain(`Device tree: ${d.dtPath}${compat !== '' ? ` compatible ${compat}` : ''}`)
    }
    const dual = block(r.stdout, 'a003600.dual')
    const at = (prefix: string): string => dual[dual.findIndex((l) => l.startsWith(prefix)) + 1] ?? ''
    expect(at('region 0:')).toBe('dt: reg 0 "ctrl" 0xa003600-0xa0037ff [size=512] bus 0x600 <0x600 0x200>')
    expect(at('region 1:')).toBe('dt: reg 1 "data" 0xa003800-0xa0038ff [size=256] bus 0x800 <0x800 0x100>')
    // the kernel's mapping (/sys/kernel/irq, read after the open that made it) beside the decoding
    expect(at('IRQ 0:')).toMatch(/^dt: interrupt 0 "tx" SPI 43 edge-rising \(GIC ID 75\) <0x0 0x2b 0x1> on \/intc@8000000 \[kernel irq \d+, hwirq 75 edge\]$/)
    expect(at('IRQ 1:')).toMatch(/^dt: interrupt 1 "rx" SPI 44 level-high \(GIC ID 76\) <0x0 0x2c 0x4> on \/intc@8000000 \[kernel irq \d+, hwirq 76 level\]$/)
    // a flags bus, an entry no window maps (no VFIO index), interrupts-extended to the PL061, a nexus
    const flagged = block(r.stdout, 'a002600.flagged')
    expect(flagged).toContain('VFIO: flags [platform], 1 region, 2 IRQs')
    expect(flagged).toContain('reg 1 0x0-0xf [size=16] (bus address; not translated: no window of /bus@a002000/cs-bus@10000000/flags-bus@2,0 ranges covers it (default-flags bus: the flags must match too)) <0x100 0x0 0x0 0x10> (no VFIO index)')
    expect(flagged.find((l) => l.startsWith('dt: interrupt 1'))).toBe('dt: interrupt 1 "wake" <0x5 0x2> on /pl061@9030000 (arm,pl061)')
    expect(block(r.stdout, 'a002800.port').find((l) => l.startsWith('dt: interrupt 1'))).toBe('dt: interrupt 1 "gpio" <0x2> on /pl061@9030000 (arm,pl061) via /intmux@a002800 <0x6 0x1>')
    const pl031 = block(r.stdout, '9010000.pl031')
    expect(pl031).toContain('VFIO: flags [amba], 1 region, 1 IRQ')
    expect(pl031).toContain('dt: reg 0 0x9010000-0x9010fff [size=4K] <0x0 0x9010000 0x0 0x1000>')
    expect(block(r.stdout, 'gpio-keys')).toContain('VFIO: flags [platform], 0 regions, 0 IRQs')
    // a PCI device's regions are BARs: its DT reg stays under the node, as raw PCI cells
    const edu = block(r.stdout, '0000:00:03.0')
    expect(edu.slice(edu.indexOf('Device tree: /pcie@10000000/edu@3,0 compatible "lsvfio,edu-with-of-node"') + 1)[0]).toBe('reg 0 <0x1800 0x0 0x0 0x0 0x0>')
    expect(edu).toContain('VFIO: flags [pci], 9 regions, 5 IRQs')
  })

  it('-v keeps one dt line per region and IRQ; the tree carries them too', () => {
    const v = block(replay(dir, '-v').stdout, 'a003600.dual')
    expect(v).toContain('dt: reg 1 "data" 0xa003800 [size=256]')
    expect(v).toContain('dt: interrupt 1 "rx" SPI 44 level-high')
    const tree = replay(dir, '-t', '-vv', '--ascii').stdout
    expect(tree).toContain('dt /soc/bus@a003000/dual@600 "acme,dual-port"')
    expect(tree).toMatch(/region 1: 256 @ 0x10000000000 \[read write\]\n.*`- dt reg 1 "data" 0xa003800-0xa0038ff \[size=256\]/)
  })
})
