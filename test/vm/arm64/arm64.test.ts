// lsvfio on a real arm64 kernel: platform and AMBA devices bound to vfio-platform / vfio-amba in
// no-IOMMU mode (nested device-tree paths from a custom DTB included), the built CLI run in the guest,
// its --json compared field by field with guest/witness.mjs. One boot for the whole file.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { beforeAll, describe, expect, it } from 'vitest'
import type { JsonDocument } from '../../../src/render/json-types.js'
import { closed } from '../../helpers/schema.js'
import { compareArm64, type Arm64Witness } from './compare.js'
import { arm64Available, DEFAULT_BIND, REPO } from './harness.js'
import { runArm64, type Arm64Run } from './run-arm64.js'

const schema = JSON.parse(readFileSync(path.join(REPO, 'schema/lsvfio.schema.json'), 'utf8')) as object
// the closed copy: every key lsvfio writes must be declared
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(closed(schema))
const built = existsSync(path.join(REPO, 'dist/cli/main.js'))
const avail = arm64Available()
const why = !built ? 'no build (npm run build)' : avail.why
const clone = <T>(x: T): T => structuredClone(x)
// said once, so a green run without the arm64 guest does not look like one with it
if (!avail.ok || !built) console.log(`[vm-arm64] arm64 guest tests skipped: ${why}`)

describe.skipIf(!avail.ok || !built)(`lsvfio on arm64 vfio-platform/vfio-amba (+ vfio-pci with a DT node)${avail.ok && built ? '' : ` (skipped: ${why})`}`, () => {
  let run: Arm64Run
  beforeAll(async () => {
    run = await runArm64()
  }, 300_000)

  it('runs in the guest: exit 0, nothing on stderr, JSON valid against the schema', () => {
    expect(run.rc, run.stderr).toBe(0)
    // --open names what it resets first, --save what the file holds after; nothing else on stderr
    expect(run.stderr.replace(/^lsvfio: --open: opening up to \d+ VFIO devices? \(a busy group is left alone\);.*\n/, '').replace(/^lsvfio: saved \d+ answers to .*\n/m, '')).toBe('')
    expect(validate(run.doc), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true)
  })

  it('matches the witnesses field by field (sysfs, device tree, /proc/iomem, /sys/kernel/irq)', () => {
    const led = compareArm64(run.doc, run.witness)
    console.log(`[vm-arm64] witnesses: ${led.report()}`)
    expect(led.mismatches, led.report()).toEqual([])
    expect(led.devices.size).toBe(DEFAULT_BIND.length)
    expect(led.checks).toBeGreaterThan(250)
  })

  it('covers nested DT paths, translated reg, named entries, both buses and both trigger types', () => {
    const devs = run.doc.groups.flatMap((g) => g.devices)
    const dual = devs.find((d) => d.address === 'a003600.dual')
    expect(dual?.ofNode?.path).toBe('/soc/bus@a003000/dual@600')
    expect(dual?.ofNode?.reg?.map((r) => [r.name, r.address, r.cpuAddress, r.size])).toEqual([
      ['ctrl', '0x600', '0xa003600', '0x200'],
      ['data', '0x800', '0xa003800', '0x100'],
    ])
    expect(dual?.ofNode?.interrupts?.map((q) => [q.name, q.gic?.kind, q.gic?.number, q.gic?.trigger])).toEqual([
      ['tx', 'SPI', 43, 'edge-rising'],
      ['rx', 'SPI', 44, 'level-high'],
    ])
    expect(devs.find((d) => d.address === 'a003a00.virtio_mmio')?.ofNode?.path).toBe('/soc/bus@a003a00/virtio_mmio@a003a00')
    expect(new Set(devs.map((d) => d.bus))).toEqual(new Set(['platform', 'amba', 'pci']))
    // a PCI device under the host bridge with a DT node: path and compatible, reg as raw PCI cells
    const edu = devs.find((d) => d.address === '0000:00:03.0')
    expect(edu?.ofNode).toMatchObject({ path: '/pcie@10000000/edu@3,0', compatible: ['lsvfio,edu-with-of-node'], interrupts: null })
    expect(edu?.ofNode?.reg).toMatchObject([{ index: 0, name: null, cells: [0x1800, 0, 0, 0, 0], address: null, size: null, cpuAddress: null, bus: 'pci', flags: 0x1800, resource: false }])
    expect(run.doc.groups.every((g) => g.noiommu && g.container?.state === 'ok')).toBe(true)
  })

  it('covers nested ranges with 1/2/3 address cells, a flags bus, unmapped entries, a nexus, interrupts-extended and the PL061 as controller', () => {
    const devs = run.doc.groups.flatMap((g) => g.devices)
    const of = (a: string) => devs.find((d) => d.address === a)?.ofNode
    expect(of('a002200.chip')?.reg?.map((r) => [r.name, r.cpuAddress, r.resource])).toEqual([['regs', '0xa002200', true], ['unmapped', null, false]])
    expect(of('a002600.flagged')?.reg?.map((r) => [r.bus, r.flags, r.cpuAddress, r.resource])).toEqual([['default-flags', 0x200, '0xa002600', true], ['default-flags', 0x100, null, false]])
    expect(of('a002600.flagged')?.interrupts?.map((q) => [q.controller, q.gic?.number ?? q.controllerCells])).toEqual([['/intc@8000000', 0x23], ['/pl061@9030000', [5, 2]]])
    expect(of('a002800.port')?.interrupts?.map((q) => [q.nexus, q.controller, q.controllerCells])).toEqual([
      [['/intmux@a002800'], '/intc@8000000', [0, 0x24, 4]],
      [['/intmux@a002800'], '/pl061@9030000', [6, 1]],
    ])
    expect(of('a002c00.port')?.interrupts?.[0]).toMatchObject({ nexus: ['/intmux@a002800'], gic: { kind: 'SPI', number: 0x26 }, source: 'kernel' })
    // one region, not two: the kernel's resources stop at the entry it cannot translate
    const chip = devs.find((d) => d.address === 'a002200.chip')?.vfio
    expect(chip?.state === 'ok' ? chip.value.numRegions : null).toBe(1)
  })

  it('fails the comparison when a witness or lsvfio is tampered with (no second boot)', () => {
    const w: Arm64Witness = clone(run.witness)
    const wd = w.devices.find((d) => d.name === 'a003600.dual')
    const e = wd?.reg?.entries[1]
    const q = wd?.interrupts?.entries[1]
    if (e === undefined || q === undefined) throw new Error('witness lacks a003600.dual reg[1]/interrupts[1]')
    e.size = '0x200'
    q.trigger = 'edge-rising'
    const bad = compareArm64(run.doc, w).mismatches.map((m) => `${m.where} ${m.field}`)
    expect(bad).toEqual(expect.arrayContaining(['a003600.dual reg[1] size', 'a003600.dual region 1 size', 'a003600.dual interrupts[1] GIC', 'a003600.dual irq 1 flags']))

    const doc: JsonDocument = clone(run.doc)
    const pl031 = doc.groups.flatMap((g) => g.devices).find((d) => d.address === '9010000.pl031')
    if (pl031?.ofNode == null) throw new Error('lsvfio lacks 9010000.pl031')
    pl031.ofNode.path = '/pl031@9010001'
    pl031.ofNode.compatible = ['arm,pl031']
    const bad2 = compareArm64(doc, run.witness).mismatches.map((m) => `${m.where} ${m.field}`)
    expect(bad2).toEqual(['9010000.pl031 of_node path', '9010000.pl031 compatible', '9010000.pl031 of_node path (uevent)', '9010000.pl031 compatible (uevent)'])
  })

  it('replays: lsvfio --from the guest snapshot on this host gives the same JSON', () => {
    const out = execFileSync(process.execPath, [path.join(REPO, 'bin/lsvfio.js'), '--from', path.join(run.boot.outDir, 'snapshot.json'), '--open', '--json'], { encoding: 'utf8' })
    const replay = JSON.parse(out) as JsonDocument
    // the host name and the time are the run's own, never a recording's
    expect({ ...replay, argv: null, hostname: null, time: null }).toEqual({ ...run.doc, argv: null, hostname: null, time: null })
  })
})
