// PCIe paths, ACS and the grouping rule on a snapshot captured in a real guest (test/vm/acs.test.ts):
// root ports with and without ACS, one with ACS switched off by pci=disable_acs_redir, a switch, a
// multi-function device, a PCIe-to-PCI bridge. The prediction must match the kernel's groups, the ACS
// bits lspci's, and flipping one fact must change the answer. Hand-written bytes only for broken chains.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadSnapshot } from '../../src/cli/compose.js'
import { fleetSummary } from '../../src/cli/fleet.js'
import { breakOf, isolationFromPcie, pcieDiagnosis } from '../../src/diagnose/pcie-explain.js'
import { compareGroups, ownerOf, predictGroups } from '../../src/diagnose/pcie-groups.js'
import { extCaps } from '../../src/inspect/pcie-caps.js'
import { readPcieFacts } from '../../src/inspect/pcie-path.js'
import { PciTopology } from '../../src/diagnose/topology.js'
import type { PcieFacts, PcieNode } from '../../src/model/pcie.js'
import { renderMetrics } from '../../src/render/metrics.js'
import { ReplayFs, ReplaySys } from '../../src/snapshot/replay.js'
import { parseExposition } from '../helpers/exposition.js'
import { lspciAcs } from '../vm/witness-acs.js'

const DIR = path.resolve(import.meta.dirname, '../fixtures/acs/x86-6.12')
const fs = new ReplayFs(loadSnapshot(path.join(DIR, 'snapshot.json')))
const facts = readPcieFacts(fs, new PciTopology(fs))
const lspci = lspciAcs(readFileSync(path.join(DIR, 'lspci.txt'), 'utf8'))

const withNode = (f: PcieFacts, address: string, change: Partial<PcieNode>): PcieFacts => {
  const nodes = new Map(f.nodes)
  const n = nodes.get(address)
  if (n === undefined) throw new Error(`no ${address}`)
  nodes.set(address, { ...n, ...change })
  return { ...f, nodes }
}

describe('PCIe facts and grouping from a real guest (6.12)', () => {
  it('reads every function, and each ACS capability as lspci decodes it', () => {
    expect(facts.unreadable).toBe(0)
    expect(facts.nodes.size).toBe(26)
    let withAcs = 0
    for (const n of facts.nodes.values()) {
      expect(n.acs?.capable ?? null, n.address).toEqual(lspci.get(n.address)?.cap ?? null)
      expect(n.acs?.enabled ?? null, n.address).toEqual(lspci.get(n.address)?.ctl ?? null)
      if (n.acs !== null) withAcs++
    }
    expect(withAcs).toBe(5)
    expect(facts.nodes.get('0000:00:15.0')?.acs).toMatchObject({ capable: ['SV', 'TB', 'RR', 'CR', 'UF', 'DT'], enabled: [] })
    expect(facts.nodes.get('0000:07:00.1')).toMatchObject({ multifunction: true, type: 'endpoint' })
    expect(facts.nodes.get('0000:08:00.0')).toMatchObject({ type: 'pcie-to-pci-bridge', parent: '0000:00:14.0' })
  })

  it('predicts the kernel groups of every function', () => {
    const p = predictGroups(facts.nodes)
    expect(p).not.toBeNull()
    const c = compareGroups(facts.nodes, p ?? new Map())
    expect(c).toMatchObject({ devices: 26, groups: 17, agree: 26, mismatches: [] })
    expect(ownerOf(facts.nodes, '0000:09:02.0')).toEqual({ owner: '0000:08:00.0', alias: '0000:08:00.0', climbed: [] })
    expect(ownerOf(facts.nodes, '0000:05:00.0')).toEqual({ owner: '0000:04:00.0', alias: null, climbed: ['0000:04:00.0'] })
  })

  it('names the link where isolation stops and what would split each shared group', () => {
    const b = (members: string[]) => breakOf(facts.nodes, members, facts.cmdline)
    expect(b(['0000:00:11.0', '0000:02:00.0'])).toMatchObject({ at: '0000:00:11.0', kind: 'no-acs', split: { kind: 'other-slot' } })
    expect(b(['0000:00:15.0', '0000:0a:00.0'])).toMatchObject({ at: '0000:00:15.0', kind: 'acs-disabled', split: { kind: 'firmware' } })
    expect(b(['0000:00:15.0', '0000:0a:00.0'])?.split.text).toContain('pci=disable_acs_redir=0000:00:15.0')
    expect(b(['0000:04:00.0', '0000:05:00.0'])).toMatchObject({ at: '0000:04:00.0', kind: 'no-acs' })
    expect(b(['0000:07:00.0', '0000:07:00.1'])).toMatchObject({ at: '0000:07:00.0', kind: 'multifunction', split: { kind: 'nothing' } })
    expect(b(['0000:08:00.0', '0000:09:01.0', '0000:09:02.0'])).toMatchObject({ at: '0000:08:00.0', kind: 'pcie-to-pci', split: { kind: 'nothing' } })
    expect(b(['0000:01:00.0'])).toBeNull()
    const iso = isolationFromPcie(facts, ['0000:08:00.0', '0000:09:01.0', '0000:09:02.0'], predictGroups(facts.nodes))
    expect(iso).toMatchObject({ reason: 'behind-bridge', bridge: '0000:08:00.0', devices: ['0000:09:01.0', '0000:09:02.0'], predicted: { agrees: true } })
  })

  it('says the override claims isolation, and notices one changed fact', () => {
    const d = pcieDiagnosis(facts, ['0000:02:00.0'], predictGroups(facts.nodes))
    expect(d.override?.param).toBe('pcie_acs_override=downstream,multifunction')
    expect(d.paths[0]?.hops.map((h) => [h.address, h.isolates])).toEqual([['0000:02:00.0', true], ['0000:00:11.0', false]])
    // ACS switched on at 00:15.0: the port and its device part; the prediction now disagrees.
    const on = withNode(facts, '0000:00:15.0', { acs: { offset: 0x148, cap: 0x5f, ctrl: 0x1d, capable: [], enabled: [] } })
    const c = compareGroups(on.nodes, predictGroups(on.nodes) ?? new Map())
    expect(c.mismatches.map((m) => m.address)).toEqual(['0000:00:15.0', '0000:0a:00.0'])
    // Unreadable past 64 bytes (not root): no prediction, and the explanation says why.
    const user = withNode(facts, '0000:00:11.0', { type: null, acs: null })
    expect(predictGroups(user.nodes)).toBeNull()
    expect(breakOf(user.nodes, ['0000:00:11.0', '0000:02:00.0'], null)).toMatchObject({ kind: 'unknown', split: { kind: 'unknown' } })
  })
})

describe('the same facts in every output (6.12 snapshot)', () => {
  const BIN = path.resolve(import.meta.dirname, '../../bin/lsvfio.js')
  // Captured with --no-open: the snapshot holds no kernel replies to replay.
  const lsvfio = (...args: string[]): string => spawnSync(process.execPath, [BIN, '--from', path.join(DIR, 'snapshot.json'), '--no-open', ...args], { encoding: 'utf8' }).stdout

  it('text -v: the path of each device, and for each shared group the link where isolation stops', () => {
    const v = lsvfio('-v')
    expect(v).toContain('Shared group: isolation stops at 0000:00:11.0: 0000:00:11.0 root port has no ACS capability, so everything below it is one group')
    expect(v).toContain('Grouping from topology and ACS: 26 functions in 17 groups, 26 of 26 as the kernel grouped them')
    expect(v).toMatch(/PCIe path: 0000:05:00\.0 endpoint .*\n\s+<- 0000:04:00\.0 downstream port \(no ACS capability\)\n\s+<- 0000:03:00\.0 upstream port/)
    expect(v).toContain('Isolation claimed, not enforced: pcie_acs_override=downstream,multifunction')
  })

  it('metrics: where each shared group stops being isolated, the override, the prediction', () => {
    const doc = loadSnapshot(path.join(DIR, 'snapshot.json'))
    const s = fleetSummary({ fs: new ReplayFs(doc), sys: new ReplaySys(doc), names: null })
    const { samples } = parseExposition(renderMetrics(s, { version: 'test', hostname: null, time: new Date(0) }))
    const get = (n: string) => samples.filter((x) => x.name === n)
    expect(get('lsvfio_group_isolation_break_info').map((x) => [x.labels.at, x.labels.kind, x.labels.split])).toEqual(
      expect.arrayContaining([
        ['0000:00:11.0', 'no-acs', 'other-slot'],
        ['0000:00:15.0', 'acs-disabled', 'firmware'],
        ['0000:07:00.0', 'multifunction', 'nothing'],
        ['0000:08:00.0', 'pcie-to-pci', 'nothing'],
      ]),
    )
    expect([get('lsvfio_acs_override')[0]?.value, get('lsvfio_grouping_predicted_devices')[0]?.value, get('lsvfio_grouping_agreeing_devices')[0]?.value]).toEqual([1, 26, 26])
  })
})

describe('extended capability chain', () => {
  const config = (words: [number, number][]): Uint8Array => {
    const b = new Uint8Array(4096)
    const v = new DataView(b.buffer)
    for (const [o, w] of words) v.setUint32(o, w, true)
    return b
  }
  it('stops at a loop and at a chain that leaves config space, keeping what it found', () => {
    // ACS at 0x100 pointing to 0x200, which points back to 0x100
    const looped = extCaps(config([[0x100, (0x200 << 20) | (1 << 16) | 0x0d], [0x200, (0x100 << 20) | (1 << 16) | 0x01]]), () => null)
    expect(looped).toMatchObject({ fault: 'looped', caps: [{ offset: 0x100, id: 0x0d }, { offset: 0x200, id: 0x01 }] })
    const none = extCaps(config([[0x100, 0xffffffff]]), () => null)
    expect(none).toMatchObject({ fault: null, caps: [] })
    // A 256-byte (conventional) config: nothing past it, no fault.
    expect(extCaps(new Uint8Array(256), () => null)).toMatchObject({ fault: null, caps: [] })
  })
})
