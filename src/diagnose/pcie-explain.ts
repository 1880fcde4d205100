// Why a group is shared, in words: the exact link where isolation stops on the members' paths, what
// would split the group (another slot, a setting, or nothing), a pcie_acs_override= kernel, and the
// predicted grouping against the kernel's. Pure over the gathered PcieFacts.
import type { Isolation } from '../model/diagnostics.js'
import type { IsolationBreak, PcieDiagnosis, PcieFacts, PcieNode, PortType } from '../model/pcie.js'
import { acsEnabled, compareGroups, hops, ownerOf, pathOf, predictGroups, type Nodes } from './pcie-groups.js'

const LABEL: Readonly<Record<PortType, string>> = {
  endpoint: 'endpoint',
  'legacy-endpoint': 'legacy endpoint',
  'rc-endpoint': 'root complex integrated endpoint',
  'rc-event-collector': 'root complex event collector',
  'root-port': 'root port',
  'upstream-port': 'switch upstream port',
  'downstream-port': 'switch downstream port',
  'pcie-to-pci-bridge': 'PCIe-to-PCI bridge',
  'pci-to-pcie-bridge': 'PCI-to-PCIe bridge',
  conventional: 'conventional PCI device',
  other: 'PCIe function',
}

// Command-line words reach terminals: anything but printable ASCII is shown as '?'.
const printable = (w: string): string => w.replace(/[^\x21-\x7e]/g, '?').slice(0, 200)

export const typeLabel = (n: Pick<PcieNode, 'type' | 'bridge'>): string => (n.type === null ? (n.bridge ? 'bridge' : 'device') : n.type === 'conventional' && n.bridge ? 'PCI-to-PCI bridge' : LABEL[n.type])

/** pcie_acs_override= (an out-of-tree patch): the groups it makes are claimed, not enforced. */
export function overrideOf(cmdline: string | null): PcieDiagnosis['override'] {
  const found = (cmdline ?? '').split(/\s+/).find((p) => p.startsWith('pcie_acs_override='))
  if (found === undefined) return null
  const param = printable(found)
  return {
    param,
    text: `${param} is on the kernel command line: an out-of-tree patch that makes the kernel treat ports and multi-function devices without ACS as if they had it. Groups it splits are isolation claimed, not enforced: their devices can still reach each other peer-to-peer without the IOMMU seeing it`,
  }
}

/** Root and downstream ports whose whole path to the root has ACS: slots that give a group of their own. */
const portCache = new WeakMap<Nodes, string[]>()
export function isolatedPorts(nodes: Nodes): string[] {
  const hit = portCache.get(nodes)
  if (hit !== undefined) return hit
  const ports = [...nodes.values()].filter((n) => (n.type === 'root-port' || n.type === 'downstream-port') && pathOf(nodes, n.address).every((h) => acsEnabled(h).ok === true)).map((n) => n.address)
  portCache.set(nodes, ports)
  return ports
}

function settingText(n: PcieNode, cmdline: string | null): string {
  const params = (cmdline ?? '').split(/\s+/).filter((p) => /^pci=.*(disable_acs_redir|config_acs)=/.test(p)).map(printable)
  const named = params.filter((p) => p.includes(n.address) || p.includes(n.address.slice(5)))
  if (named.length > 0) return `a setting: the kernel command line switches it off here (${named.join(' ')}); without it the kernel enables SV RR CR UF at boot`
  return `a setting: ${n.address} has ACS but the controls are off; the kernel switches SV RR CR UF on at boot when an IOMMU is enabled, unless told otherwise${params.length > 0 ? ` (${params.join(' ')})` : ' (pci=disable_acs_redir=, pci=config_acs=)'}; firmware that locks them needs its ACS option enabled`
}

function slotText(nodes: Nodes, exclude: readonly string[]): string {
  const ports = isolatedPorts(nodes).filter((p) => !exclude.includes(p))
  if (ports.length === 0) return 'another slot, if the platform has one whose port has ACS: none on this host has ACS on its whole path to the root'
  return `another slot: a port with ACS on its whole path to the root (${ports.slice(0, 4).join(', ')}${ports.length > 4 ? ` and ${ports.length - 4} more` : ''}) gives each device below it a group of its own`
}

/** The link where isolation stops for these members (one kernel group); null when nothing is shared. */
export function breakOf(nodes: Nodes, members: readonly string[], cmdline: string | null): IsolationBreak | null {
  const pci = members.filter((m) => nodes.has(m))
  if (pci.length < 2) return null
  const owners = pci.map((m) => ownerOf(nodes, m))
  if (owners.some((o) => o === null))
    return { at: null, kind: 'unknown', text: 'the ACS state of the path is unknown: config space past 64 bytes can only be read as root', split: { kind: 'unknown', text: 'run lsvfio as root to see each bridge\'s ACS' } }
  const os = owners.flatMap((o) => (o === null ? [] : [o]))
  // The highest bridge the ACS walk climbed to is the first hop (from the root) without isolation.
  const climbed = os.flatMap((o) => o.climbed).map((a) => nodes.get(a)).filter((n): n is PcieNode => n !== undefined)
  const top = climbed.sort((a, b) => pathOf(nodes, a.address).length - pathOf(nodes, b.address).length)[0]
  if (top !== undefined) {
    const note = acsEnabled(top).note
    const below = `so everything below it is one group (with the ${typeLabel(top)} itself)`
    if (top.type === 'pcie-to-pci-bridge' || top.type === 'pci-to-pcie-bridge' || top.type === 'conventional')
      return { at: top.address, kind: top.type === 'conventional' ? 'conventional' : 'pcie-to-pci', text: `${top.address} ${typeLabel(top)} (${note}) is on the path, ${below}`, split: { kind: 'other-slot', text: slotText(nodes, []) } }
    if (top.acs === null) return { at: top.address, kind: 'no-acs', text: `${top.address} ${typeLabel(top)} has no ACS capability, ${below}`, split: { kind: 'other-slot', text: slotText(nodes, []) } }
    return { at: top.address, kind: 'acs-disabled', text: `${top.address} ${typeLabel(top)}: ${note}, ${below}`, split: { kind: 'firmware', text: settingText(top, cmdline) } }
  }
  const alias = os.find((o) => o.alias !== null)?.alias ?? null
  const b = alias === null ? undefined : nodes.get(alias)
  if (b !== undefined)
    return {
      at: b.address,
      kind: b.type === 'conventional' ? 'conventional' : 'pcie-to-pci',
      text: `the devices below ${b.address} ${typeLabel(b)} share a conventional PCI bus and reach the IOMMU with the bridge's requester ID, so the IOMMU cannot tell them apart: one group with the bridge`,
      split: { kind: 'nothing', text: 'nothing on this bridge: conventional PCI is never isolated; a device of its own needs a PCIe slot' },
    }
  const mf = os.map((o) => nodes.get(o.owner)).find((n) => n?.multifunction === true && acsEnabled(n).ok === false)
  if (mf !== undefined) {
    const fns = pci.filter((m) => m.startsWith(mf.address.slice(0, mf.address.lastIndexOf('.') + 1)))
    return {
      at: mf.address,
      kind: 'multifunction',
      text: `${fns.join(', ')} are functions of one multi-function device without ACS between them (${mf.address}: ${acsEnabled(mf).note}): the functions may talk to each other inside the device, so they are one group`,
      split: { kind: 'nothing', text: 'nothing: a multi-function device without ACS is one group' },
    }
  }
  return { at: null, kind: 'unknown', text: 'the topology and ACS predict separate groups here, but the kernel put them together (a DMA alias quirk, or an IOMMU driver that groups by its own rules)', split: { kind: 'unknown', text: 'unknown' } }
}

/** The group's isolation from the PCIe facts; `fallback` when they cannot explain it. */
export function isolationFromPcie(facts: PcieFacts, members: readonly string[], predicted: ReadonlyMap<string, readonly string[]> | null): Isolation | null {
  const br = breakOf(facts.nodes, members, facts.cmdline)
  if (br === null) return null
  const at = br.at === null ? undefined : facts.nodes.get(br.at)
  const below = (a: string): boolean => br.at !== null && pathOf(facts.nodes, a).some((h) => h.address === br.at && h.address !== a)
  const endpoints = members.filter((m) => facts.nodes.get(m)?.bridge !== true)
  const reason: Isolation['reason'] = br.kind === 'multifunction' ? 'multifunction' : at?.bridge === true && members.some(below) ? 'behind-bridge' : 'no-acs'
  const first = members[0]
  const p = first === undefined ? undefined : predicted?.get(first)
  const sorted = [...members].sort()
  // A port alone with the one device below it: the group is still that device's own for passthrough.
  const onlyPort = endpoints.length <= 1 ? '; only the port itself shares it, and a port on pcieport keeps the group viable' : '; they can only be passed through together'
  return {
    reason,
    text: `${br.text}${onlyPort}`,
    bridge: reason === 'behind-bridge' ? (br.at ?? null) : null,
    devices: endpoints,
    link: br,
    ...(p === undefined ? {} : { predicted: { members: [...p], agrees: p.length === sorted.length && p.every((x, i) => x === sorted[i]) } }),
  }
}

/** Paths of `addresses`, the predicted grouping against the kernel's, and the override. */
export function pcieDiagnosis(facts: PcieFacts, addresses: readonly string[], predicted: ReadonlyMap<string, readonly string[]> | null): PcieDiagnosis {
  const grouped = [...facts.nodes.values()].some((n) => n.group !== null)
  const unknown = [...facts.nodes.values()].some((n) => n.type === null)
  return {
    paths: addresses.filter((a) => facts.nodes.has(a)).map((a) => ({ address: a, hops: hops(facts.nodes, a), owner: ownerOf(facts.nodes, a)?.owner ?? null })),
    prediction: predicted === null || !grouped ? null : compareGroups(facts.nodes, predicted),
    unpredicted:
      facts.unreadable > 0
        ? `the config space of ${facts.unreadable} PCI functions could not be read (a snapshot without it?)`
        : !grouped
          ? 'no IOMMU groups'
          : predicted === null
            ? unknown
              ? 'config space past 64 bytes can only be read as root'
              : 'a path could not be followed'
            : null,
    override: overrideOf(facts.cmdline),
  }
}

export { predictGroups }
