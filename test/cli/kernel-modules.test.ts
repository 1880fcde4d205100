// -k through the binary on a generated tree: the lines lspci -k prints, the JSON field (valid against
// the schema), and a snapshot that keeps of the alias index only what the run matched, and replays it.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { afterAll, describe, expect, it } from 'vitest'
import { closed, loadSchema } from '../helpers/schema.js'
import { makeTree, pciDevice } from '../helpers/fake-sysfs.js'

const REPO = path.resolve(import.meta.dirname, '../..')
const BIN = path.join(REPO, 'bin/lsvfio.js')
const REL = '6.12.117+deb12-amd64'
const E1000E = 'pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00'
const AUDIO = 'pci:v00008086d0000A348sv00000000sd00000000bc04sc03i80'
// lines as depmod writes them (module order; the audio controller matches three modules)
const INDEX = [
  '# Aliases extracted from modules themselves.',
  'alias pci:v00008086d0000A348sv*sd*bc*sc*i* snd_hda_intel',
  'alias pci:v00008086d*sv*sd*bc04sc03i80* snd_hda_intel',
  'alias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e',
  'alias pci:v00008086d0000A348sv*sd*bc*sc*i* snd_soc_avs',
  'alias pci:v00008086d0000A348sv*sd*bc*sc*i* snd_sof_pci_intel_cnl',
  'alias usb:v*p*d*dc*dsc*dp*ic08isc06ip50in* usb_storage',
  '',
].join('\n')

const t = makeTree({
  '/proc/sys/kernel/osrelease': `${REL}\n`,
  '/sys/class/iommu/dmar0/uevent': '',
  '/sys/module/vfio/refcnt': '1\n',
  '/sys/module/vfio_pci/refcnt': '1\n',
  [`/lib/modules/${REL}/modules.alias`]: INDEX,
  [`/lib/modules/${REL}/modules.builtin.modinfo`]: 'rtc_cmos.alias=platform:rtc_cmos\0rtc_cmos.license=GPL\0',
  ...pciDevice({ bdf: '0000:02:00.0', vendor: 0x8086, device: 0x10d3, cls: 0x020000, driver: 'vfio-pci', group: 15 }),
  '/sys/devices/pci0000:00/0000:02:00.0/modalias': `${E1000E}\n`,
  ...pciDevice({ bdf: '0000:00:1b.0', vendor: 0x8086, device: 0xa348, cls: 0x040380, driver: 'vfio-pci', group: 4 }),
  '/sys/devices/pci0000:00/0000:00:1b.0/modalias': `${AUDIO}\n`,
  ...pciDevice({ bdf: '0000:00:03.0', vendor: 0x1234, device: 0x11e8, cls: 0xff0000, driver: 'vfio-pci', group: 1 }),
  '/sys/devices/pci0000:00/0000:00:03.0/modalias': 'pci:v00001234d000011E8sv00001AF4sd00001100bcFFsc00i00\n',
})
const out = mkdtempSync(path.join(tmpdir(), 'lsvfio-k-'))
afterAll(() => {
  t.cleanup()
  rmSync(out, { recursive: true, force: true })
})

describe.runIf(existsSync(path.join(REPO, 'dist/cli/main.js')))('-k: kernel driver in use and kernel modules', () => {
  const lsvfio = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' })

  it('prints lspci -k\'s two lines under each device; a device no module claims gets the driver line only', () => {
    const r = lsvfio('--sysfs-root', t.root, '-k')
    expect(r.status, r.stderr).toBe(0)
    const after = (addr: string): string[] => {
      const lines = r.stdout.split('\n')
      const i = lines.findIndex((l) => l.includes(addr))
      return lines.slice(i + 1, i + 3)
    }
    expect(after('0000:02:00.0')).toEqual(['        Kernel driver in use: vfio-pci', '        Kernel modules: e1000e'])
    expect(after('0000:00:1b.0')).toEqual(['        Kernel driver in use: vfio-pci', '        Kernel modules: snd_hda_intel, snd_soc_avs, snd_sof_pci_intel_cnl'])
    expect(after('0000:00:03.0')[0]).toBe('        Kernel driver in use: vfio-pci')
    expect(after('0000:00:03.0')[1]).not.toMatch(/Kernel modules/)
    // without -k: neither line
    expect(lsvfio('--sysfs-root', t.root).stdout).not.toMatch(/Kernel (driver|modules)/)
  })

  it('JSON carries kernelModules with -k only, valid against the schema', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: true })
    const validate = ajv.compile(closed(loadSchema('lsvfio.schema.json')))
    const doc = JSON.parse(lsvfio('--sysfs-root', t.root, '-k', '--json').stdout) as { groups: { devices: { address: string; kernelModules?: string[] | null }[] }[] }
    expect(validate(doc) ? '' : ajv.errorsText(validate.errors)).toBe('')
    const mods = Object.fromEntries(doc.groups.flatMap((g) => g.devices).map((d) => [d.address, d.kernelModules]))
    expect(mods).toEqual({ '0000:00:03.0': [], '0000:00:1b.0': ['snd_hda_intel', 'snd_soc_avs', 'snd_sof_pci_intel_cnl'], '0000:02:00.0': ['e1000e'] })
    const plain = JSON.parse(lsvfio('--sysfs-root', t.root, '--json').stdout) as typeof doc
    expect(plain.groups.flatMap((g) => g.devices).some((d) => 'kernelModules' in d)).toBe(false)
  })

  it('without the kernel\'s modules.alias the modules are unknown (null), not none', () => {
    const bare = makeTree({
      '/proc/sys/kernel/osrelease': '9.9.9\n',
      ...pciDevice({ bdf: '0000:02:00.0', vendor: 0x8086, device: 0x10d3, cls: 0x020000, driver: 'vfio-pci', group: 15 }),
      '/sys/devices/pci0000:00/0000:02:00.0/modalias': `${E1000E}\n`,
    })
    const doc = JSON.parse(lsvfio('--sysfs-root', bare.root, '-k', '--json').stdout) as { groups: { devices: { kernelModules?: unknown }[] }[] }
    expect(doc.groups[0]?.devices[0]?.kernelModules).toBeNull()
    bare.cleanup()
  })

  it('a snapshot keeps of the index only the matching lines, and its replay lists the same modules', () => {
    const snap = path.join(out, 'k.json')
    const live = lsvfio('--sysfs-root', t.root, '-k', '--save', snap)
    expect(live.status, live.stderr).toBe(0)
    const text = readFileSync(snap, 'utf8')
    expect(text).toContain('e1000e')
    expect(text).not.toContain('usb_storage')
    expect(text).not.toContain('rtc_cmos')
    const replay = lsvfio('--from', snap, '-k')
    expect(replay.status, replay.stderr).toBe(0)
    const body = (s: string): string => s.split('\n').filter((l) => /Kernel (driver|modules)/.test(l)).join('\n')
    expect(body(replay.stdout)).toBe(body(live.stdout))
  })
})
