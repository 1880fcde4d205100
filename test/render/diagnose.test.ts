// The diagnostics and check reports as text and JSON: every field reaches the JSON and validates
// against the schemas; the human view shows holders, fixes, isolation, access and reset scope.
import { readFileSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import { renderCheck } from '../../src/render/check.js'
import { jsonDiagnostics, toCheckJson } from '../../src/render/json-diagnose.js'
import { jsonText, toJson } from '../../src/render/json.js'
import { plainStyle } from '../../src/render/style.js'
import { renderText } from '../../src/render/text.js'
import { device, failed, group, inventory } from '../helpers/builders.js'
import { checkReport, richDiagnostics } from '../helpers/diagnostics.js'
import { closed } from '../helpers/schema.js'

const load = (f: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`../../schema/${f}`, import.meta.url), 'utf8')) as Record<string, unknown>
const listSchema = load('lsvfio.schema.json')
const checkSchema = load('lsvfio-check.schema.json')
const ajv = new Ajv2020({ allErrors: true, strict: true })
// closed copies: a key the serializer writes but the schema does not declare is drift
const validateList = ajv.compile(closed(listSchema))
const validateCheck = ajv.compile(closed(checkSchema))
const meta = { version: '0.1.0', opened: true, argv: ['-v'] }

function inv() {
  const d = richDiagnostics()
  return inventory({
    groups: [
      group({
        id: 12,
        viability: { viable: false, blockers: [{ address: '0000:01:00.1', driver: 'snd_hda_intel' }] },
        status: failed({ op: 'open', code: 'EBUSY', path: '/dev/vfio/12' }),
        devices: [device({ address: '0000:01:00.0', vfio: null }), device({ address: '0000:01:00.1', driver: 'snd_hda_intel', vfioDriver: false, vfio: null })],
      }),
    ],
    diagnostics: d,
  })
}

/** Every model key has a JSON key at the same place (bigint → hex string). */
function covered(model: unknown, json: unknown, at: string): string[] {
  if (typeof model === 'bigint') return typeof json === 'string' && json === `0x${model.toString(16)}` ? [] : [at]
  if (Array.isArray(model)) return Array.isArray(json) && json.length === model.length ? model.flatMap((m, i) => covered(m, (json as unknown[])[i], `${at}[${i}]`)) : [at]
  if (model === null || typeof model !== 'object') return json === model ? [] : [at]
  if (json === null || typeof json !== 'object') return [at]
  return Object.entries(model).flatMap(([k, v]) => (k in json ? covered(v, (json as Record<string, unknown>)[k], `${at}.${k}`) : [`${at}.${k} missing`]))
}

describe('diagnostics JSON', () => {
  it('carries every field of the model and validates against lsvfio.schema.json', () => {
    const d = richDiagnostics()
    const doc = JSON.parse(jsonText(toJson(inv(), meta))) as Record<string, unknown>
    expect(validateList(doc) ? '' : ajv.errorsText(validateList.errors)).toBe('')
    expect(covered(d, doc.diagnostics, 'diagnostics')).toEqual([])
    expect(doc.diagnostics).toEqual(JSON.parse(JSON.stringify(jsonDiagnostics(d))))
    expect(toJson(inventory(), meta).diagnostics).toBeNull()
  })

  it('the schema catches drift: an extra key, a number where a u64 string belongs, an unknown holder kind', () => {
    const base = (): { diagnostics: { holders: { holders: Record<string, unknown>[] }; groups: Record<string, unknown>[] } } => JSON.parse(jsonText(toJson(inv(), meta))) as never
    const a = base()
    a.diagnostics.groups[0]!.surprise = 1
    expect(validateList(a)).toBe(false)
    const b = base()
    b.diagnostics.holders.holders[0]!.vmLck = 67108864
    expect(validateList(b)).toBe(false)
    const c = base()
    ;(c.diagnostics.holders.holders[0]!.fds as Record<string, unknown>[])[0]!.kind = 'socket'
    expect(validateList(c)).toBe(false)
  })
})

describe('check JSON', () => {
  it('validates against lsvfio-check.schema.json with schemaVersion 1 and kind check', () => {
    const doc = JSON.parse(JSON.stringify(toCheckJson(checkReport(), richDiagnostics(), { version: '0.1.0', argv: ['check'] }))) as Record<string, unknown>
    expect(validateCheck(doc) ? '' : ajv.errorsText(validateCheck.errors)).toBe('')
    expect(doc).toMatchObject({ schemaVersion: 1, kind: 'check', exitCode: 4, outcome: 'not-viable', argv: ['check'] })
    expect(covered(checkReport().verdicts, doc.verdicts, 'verdicts')).toEqual([])
    const none = JSON.parse(JSON.stringify(toCheckJson(checkReport({ verdicts: [], exitCode: 11, outcome: 'no-match' }), undefined, { version: '0' }))) as Record<string, unknown>
    expect(validateCheck(none) ? '' : ajv.errorsText(validateCheck.errors)).toBe('')
    expect(validateCheck({ ...doc, exitCode: 1 })).toBe(false)
    expect(validateCheck({ ...doc, outcome: 'sleepy' })).toBe(false)
  })

  it("shares its $defs with lsvfio.schema.json word for word (one definition of a holder)", () => {
    const mine = checkSchema.$defs as Record<string, unknown>
    const theirs = listSchema.$defs as Record<string, unknown>
    const shared = Object.keys(mine).filter((k) => k !== 'verdict' && k !== 'reason')
    expect(shared.sort()).toEqual(['credentials', 'finding', 'heldFd', 'holder', 'memlock', 'readiness', 'u64'])
    for (const k of shared) expect(mine[k], k).toEqual(theirs[k])
  })
})

describe('diagnostics as text', () => {
  it('-v: readiness with fixes, this process, every holder with memlock; the group: holder, blocker fix, isolation, access', () => {
    const lines = renderText(inv(), { verbose: 1, numeric: 0 }, plainStyle)
    expect(lines).toContain('Readiness:')
    expect(lines).toContain('  warning: memlock limit of this process 8M (hard unlimited).')
    expect(lines).toContain('    fix: ulimit -l <KiB>')
    expect(lines).toContain('  problem: interrupt remapping is off')
    expect(lines).toContain('     or: or allow unsafe interrupts')
    expect(lines).toContain('  This process: uid 1000 (alice) gid 1000 groups 1000,36, no capabilities')
    expect(lines).toContain('    pid 300 qemu-system-x86 VM "win11" (user libvirt-qemu): /dev/vfio/12 fd 3, /dev/vfio/vfio fd 8, anon_inode:[vfio-device]=0000:01:00.0 fd 9')
    expect(lines).toContain('      memlock limit 8M, VmLck 64M, VmPin 0 (over the limit: allowed by CAP_IPC_LOCK)')
    expect(lines).toContain('    pid 301 dpdk-testpmd (user root): /dev/vfio/devices/vfio2 (0000:03:00.0) fd 5, /dev/iommu fd 6, /dev/vfio/noiommu-4 fd 7')
    const header = lines.find((l) => l.startsWith('IOMMU group 12'))
    expect(header).toMatch(/<EBUSY: held by another process> {2}held by pid 300 qemu-system-x86 VM "win11" \(user libvirt-qemu\)$/)
    expect(lines).toContain('  Held by: pid 300 qemu-system-x86 VM "win11" (user libvirt-qemu), fd 3 /dev/vfio/12, fd 8 /dev/vfio/vfio, fd 9 anon_inode:[vfio-device]')
    expect(lines).toContain('    0000:01:00.1 is bound to snd_hda_intel')
    expect(lines).toContain('      fix (as root): driverctl set-override 0000:01:00.1 vfio-pci')
    expect(lines).toContain('                 or: echo … ; echo …')
    // The diagnostics' fix replaces the old generic one: printed once.
    expect(lines.filter((l) => l.includes('echo vfio-pci >')).length).toBe(0)
    expect(lines).toContain('  Shared group: 0000:01:00.0, 0000:01:00.1 are functions of one multi-function device')
    expect(lines).toContain('  Access: /dev/vfio/12: no, mode 0600 root:root gives others no read-write access')
    expect(lines).toContain('    fix: sudo chown alice /dev/vfio/12')
    // -v hides the accesses that are fine; -vv shows them.
    expect(lines.some((l) => l.startsWith('  Access: /dev/vfio/vfio'))).toBe(false)
    expect(renderText(inv(), { verbose: 2, numeric: 0 }, plainStyle)).toContain('  Access: /dev/vfio/vfio: yes, read-write as "other" (mode 0666 root:root)')
  })

  it('-v per device: stale override with fix, holder, hot-reset scope with the host driver flagged, SR-IOV, NUMA', () => {
    const lines = renderText(inv(), { verbose: 1, numeric: 0 }, plainStyle)
    expect(lines).toContain('        Open in: pid 300 qemu-system-x86 VM "win11" (user libvirt-qemu)')
    expect(lines).toContain(
      '        Hot-reset scope: bus below 0000:00:1c.0: 0000:01:00.0 (group 12, vfio-pci), 0000:01:00.1 (group 12, snd_hda_intel) — another device reset along (0000:01:00.1 on a host driver) [kernel agrees]',
    )
    expect(lines).toContain('        NUMA node: 1 (local CPUs 8-15)')
    expect(lines).toContain('        Override: stale driver_override: set to vfio-pci but the device is bound to snd_hda_intel')
    expect(lines).toContain('          fix (as root): echo … unbind; echo … drivers_probe')
    // A non-VFIO device gets no reset lines, but its SR-IOV role.
    expect(lines).toContain('        SR-IOV: VF of 0000:04:00.0, which is bound to vfio-pci: needs the vf_token')
    expect(lines.filter((l) => l.includes('Hot-reset scope'))).toHaveLength(1)
  })

  it('verbose 0: only the holder on the header and the findings that stop VFIO', () => {
    const lines = renderText(inv(), { verbose: 0, numeric: 0 }, plainStyle)
    expect(lines[0]).toBe('problem: interrupt remapping is off')
    expect(lines.some((l) => l.includes('Readiness') || l.includes('Why not viable') || l.includes('memlock'))).toBe(false)
    expect(lines.find((l) => l.startsWith('IOMMU group 12'))).toContain('held by pid 300')
  })
})

describe('check as text', () => {
  it('one line per device, reasons with fixes, warnings, and what the exit status means', () => {
    expect(renderCheck(checkReport(), plainStyle)).toEqual([
      '0000:01:00.0  ready  (group 12, vfio-pci)',
      '0000:07:01.0  NOT READY: not-viable  (group 18, vfio-pci; exit 4)',
      '    group 18 is not viable: 0000:07:02.0 is bound to virtio-pci',
      '      fix: driverctl set-override 0000:07:02.0 vfio-pci',
      '       or: echo …',
      '    also busy: group 18 is open in pid 300 (qemu-system-x86, VM "win11", user root)',
      '    warning: a hot reset of this device also resets 0000:07:02.0',
      'warning: memlock limit of this process 8M',
      '1 of 2 ready; exit 4 (not-viable); predicted from sysfs and /proc; nothing was opened (--open asks the kernel, and resets idle devices)',
    ])
    expect(renderCheck(checkReport({ verdicts: [], exitCode: 11, outcome: 'no-match', warnings: [] }), plainStyle)).toEqual([
      'no device to check: the selection matched nothing (without one, check takes the devices bound to a VFIO driver)',
    ])
    expect(renderCheck(checkReport({ opened: true, warnings: [] }), plainStyle).at(-1)).toBe('1 of 2 ready; exit 4 (not-viable); confirmed by opening each device (which reset idle ones)')
  })
})
