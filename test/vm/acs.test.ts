// PCIe paths, ACS per hop and the predicted IOMMU grouping against real kernels (guest/acs.sh). One
// topology: root ports with ACS and without (disable-acs=on), one whose ACS the kernel command line
// switches off (capable but disabled), a switch (x3130 upstream + two xio3130 downstream ports) with
// devices behind it, a multi-function device, a PCIe-to-PCI bridge with conventional devices, and a
// pcie_acs_override= word a stock kernel ignores. Witnesses: sysfs groups (witness.json) and lspci -vvv.
// LSVFIO_ACS_KERNELS=6.12 limits the kernels (development); the default is every x86 kernel.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import type { JsonCheckDocument } from '../../src/render/json-diagnose-types.js'
import type { JsonDocument } from '../../src/render/json-types.js'
import { closed, loadSchema } from '../helpers/schema.js'
import { lspciAcs } from './witness-acs.js'
import { KERNELS, bootGuest, readOut, REPO, vmAvailable, type KernelName } from './harness.js'

const built = existsSync(path.join(REPO, 'dist/cli/main.js'))
const kernels = (process.env['LSVFIO_ACS_KERNELS']?.split(',') ?? [...KERNELS]).filter((k): k is KernelName => (KERNELS as readonly string[]).includes(k))
const avail = vmAvailable(kernels)
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(closed(loadSchema('lsvfio.schema.json')))

const DISABLED = '0000:00:15.0'
export const ACS_TOPOLOGY: readonly string[] = [
  '-device', 'edu,addr=03.0',
  // ACS on (QEMU's default for pcie-root-port)
  '-device', 'pcie-root-port,id=rp1,chassis=1,slot=1,addr=10.0', '-device', 'e1000e,bus=rp1',
  // no ACS capability at all
  '-device', 'pcie-root-port,id=rp2,chassis=2,slot=2,addr=11.0,disable-acs=on', '-device', 'qemu-xhci,bus=rp2',
  // a switch behind a port with ACS
  '-device', 'pcie-root-port,id=rp3,chassis=3,slot=3,addr=12.0', '-device', 'x3130-upstream,id=up1,bus=rp3',
  '-device', 'xio3130-downstream,id=dn1,bus=up1,chassis=10,slot=10,addr=0.0', '-device', 'e1000e,bus=dn1',
  '-device', 'xio3130-downstream,id=dn2,bus=up1,chassis=11,slot=11,addr=1.0', '-device', 'virtio-net-pci,bus=dn2',
  // one multi-function device (two functions, no ACS) behind a port with ACS
  '-device', 'pcie-root-port,id=rp4,chassis=4,slot=4,addr=13.0',
  '-device', 'virtio-net-pci,bus=rp4,addr=0.0,multifunction=on', '-device', 'virtio-rng-pci,bus=rp4,addr=0.1',
  // conventional PCI behind a PCIe-to-PCI bridge
  '-device', 'pcie-root-port,id=rp5,chassis=5,slot=5,addr=14.0', '-device', 'pcie-pci-bridge,id=br1,bus=rp5',
  '-device', 'edu,bus=br1,addr=1.0', '-device', 'pci-testdev,bus=br1,addr=2.0',
  // ACS capable, switched off by the command line below
  '-device', 'pcie-root-port,id=rp6,chassis=6,slot=6,addr=15.0', '-device', 'e1000e,bus=rp6',
]
const CMDLINE = [`pci=disable_acs_redir=${DISABLED}`, 'pcie_acs_override=downstream,multifunction']

interface Witness {
  groups?: { id: number; devices: string[] }[]
  iommuGroups?: { id: number; devices: string[] }[]
}

/** The kernel's groups from the witness (sysfs, read by witness.mjs): address → sorted members. */
function kernelGroups(w: unknown): Map<string, string[]> {
  const doc = w as Witness & Record<string, unknown>
  const groups = (doc.iommuGroups ?? doc.groups ?? []) as { id: number; devices: (string | { address: string })[] }[]
  const out = new Map<string, string[]>()
  for (const g of groups) {
    const members = g.devices.map((d) => (typeof d === 'string' ? d : d.address)).filter((a) => /^[0-9a-f]{4}:/.test(a)).sort()
    for (const a of members) out.set(a, members)
  }
  return out
}

describe.skipIf(!avail.ok || !built)(`PCIe paths, ACS and predicted groups on real kernels${avail.ok && built ? '' : ` (skipped: ${built ? avail.why : 'no build (npm run build)'})`}`, () => {
  for (const kernel of kernels) {
    it(`${kernel}: predicted groups = kernel groups; every explanation names a bridge whose ACS state lspci confirms`, async () => {
      const boot = await bootGuest({ kernel, devices: ACS_TOPOLOGY, iommu: 'intel', scenario: 'test/vm/guest/acs.sh', cmdline: CMDLINE, timeoutMs: 300_000 })
      const out = (n: string): Promise<string> => readOut(boot.outDir, n)
      expect(boot.rc, await out('scenario.stderr').catch(() => '')).toBe(0)
      expect((await out('cmdline.txt')).split(/\s+/)).toContain(`pci=disable_acs_redir=${DISABLED}`)
      const doc = JSON.parse(await out('json.out')) as JsonDocument
      expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true)
      const pcie = doc.diagnostics?.pcie
      const lspci = lspciAcs(await out('lspci.txt'))
      const kernelOf = kernelGroups(JSON.parse(await out('witness.json')))

      // The prediction against the kernel, counted by lsvfio and checked again against the witness.
      const p = pcie?.prediction
      expect(p, pcie?.unpredicted ?? '').not.toBeNull()
      expect(p?.mismatches).toEqual([])
      expect(p?.agree).toBe(p?.devices)
      expect(p?.devices).toBe(kernelOf.size)
      let agree = 0
      for (const g of doc.diagnostics?.groups ?? []) {
        const iso = g.isolation
        if (iso?.predicted === undefined) continue
        const first = iso.predicted.members[0] ?? ''
        expect(iso.predicted.members, `group ${g.id}`).toEqual(kernelOf.get(first))
        agree++
      }

      // Every hop with ACS: the bits lsvfio read are lspci's; hops without are without in lspci too.
      let hopsChecked = 0
      for (const path of pcie?.paths ?? [])
        for (const h of path.hops) {
          const l = lspci.get(h.address)
          expect(l, h.address).toBeDefined()
          expect(h.acs?.capable ?? null, `${h.address} ACSCap`).toEqual(l?.cap ?? null)
          expect(h.acs?.enabled ?? null, `${h.address} ACSCtl`).toEqual(l?.ctl ?? null)
          hopsChecked++
        }

      // Each shared group's explanation, against lspci's view of the bridge it names.
      const links = (doc.diagnostics?.groups ?? []).flatMap((g) => (g.isolation?.link === undefined ? [] : [{ id: g.id, link: g.isolation.link }]))
      const byAt = new Map(links.map((x) => [x.link.at, x.link]))
      for (const { id, link } of links) {
        const l = lspci.get(link.at ?? '')
        expect(l, `group ${id} names ${link.at}`).toBeDefined()
        if (link.kind === 'no-acs') expect(l?.cap, `${link.at}: lspci shows ACS`).toBeNull()
        if (link.kind === 'acs-disabled') {
          expect(l?.cap).toEqual(expect.arrayContaining(['RR', 'CR']))
          expect(l?.ctl).not.toEqual(expect.arrayContaining(['RR', 'CR']))
        }
        if (link.kind === 'pcie-to-pci') expect(l?.header).toMatch(/PCI bridge/)
        if (link.kind === 'multifunction') expect(l?.cap).toBeNull()
      }
      // The topology's breaks, by kind: the port without ACS, the one switched off, the bridge, the device.
      expect(byAt.get('0000:00:11.0')).toMatchObject({ kind: 'no-acs', split: { kind: 'other-slot' } })
      expect(byAt.get(DISABLED)).toMatchObject({ kind: 'acs-disabled', split: { kind: 'firmware' } })
      expect(byAt.get(DISABLED)?.split.text).toContain(`pci=disable_acs_redir=${DISABLED}`)
      expect([...byAt.values()].some((l) => l.kind === 'pcie-to-pci' && l.split.kind === 'nothing')).toBe(true)
      expect([...byAt.values()].some((l) => l.kind === 'multifunction' && l.split.kind === 'nothing')).toBe(true)
      expect(pcie?.override?.param).toBe('pcie_acs_override=downstream,multifunction')

      // -v names the link that breaks isolation; check warns with the same facts.
      const text = await out('text-v.out')
      expect(text).toContain('isolation stops at 0000:00:11.0')
      expect(text).toContain('Isolation claimed, not enforced')
      expect(text).toMatch(/Grouping from topology and ACS: \d+ functions in \d+ groups, (\d+) of \1 as the kernel grouped them/)
      const check = JSON.parse(await out('check.out')) as JsonCheckDocument
      const mf = check.verdicts.find((v) => v.address === '0000:07:00.1')
      expect(mf?.warnings.find((w) => w.startsWith('shares group'))).toMatch(/with 0000:07:00\.0 \(isolation stops at 0000:07:00\.0: multifunction\).*would split it: nothing/)

      const figure = `${kernel} (${boot.kver}): ${p?.devices} functions, ${p?.groups} groups, ${p?.agree} agree; ${links.length} explanations and ${hopsChecked} hops checked against lspci; ${agree} groups' predictions checked against sysfs`
      console.log(`[vm] acs ${figure}`)
    }, 900_000)
  }
})
