// -k's "Kernel modules:": fnmatch semantics, and the lookup against libkmod's own (modprobe
// --resolve-alias, the call lspci -k makes) over the Debian kernels' real indexes in .vm/kernels.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { NodeFs } from '../../src/inspect/node-fs.js'
import { aliasLinesFor, globRegExp, ModuleIndex, normalizeAlias } from '../../src/inspect/modules.js'

const REPO = path.resolve(import.meta.dirname, '../..')

describe('alias patterns', () => {
  it('match as fnmatch(3) with no flags: *, ?, bracket expressions, escapes', () => {
    const m = (p: string, s: string): boolean => globRegExp(p).test(s)
    expect(m('pci:v00008086d*sv*sd*bc02sc00i*', 'pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00')).toBe(true)
    expect(m('pci:v00008086d*sv*sd*bc02sc00i*', 'pci:v00008086d000010D3sv00008086sd00000000bc02sc01i00')).toBe(false)
    expect(m('usb:v13FDp3940d0[0-2]*dc*', 'usb:v13FDp3940d01xxdc')).toBe(true)
    expect(m('usb:v13FDp3940d0[0-2]*dc*', 'usb:v13FDp3940d03xxdc')).toBe(false)
    expect(m('a[!0-2]b', 'a3b')).toBe(true)
    expect(m('a[!0-2]b', 'a1b')).toBe(false)
    expect(m('a[]x]b', 'a]b')).toBe(true)
    expect(m('a?c', 'a/c')).toBe(true)
    expect(m('a\\*c', 'a*c')).toBe(true)
    expect(m('a\\*c', 'abc')).toBe(false)
    expect(m('a[b', 'a[b')).toBe(true)
    expect(m('of:N*T*Cfoo.bar', 'of:NxTyCfoo.bar')).toBe(true)
    expect(m('of:N*T*Cfoo.bar', 'of:NxTyCfooXbar')).toBe(false)
  })

  it("compare '-' as '_' outside brackets, as depmod and libkmod do", () => {
    expect(normalizeAlias('platform:dw-apb-uart')).toBe('platform:dw_apb_uart')
    expect(normalizeAlias('usb:v*d0[0-2]-x')).toBe('usb:v*d0[0-2]_x')
  })

  it('keep of an index only the entries a recorded modalias matches (what a snapshot holds)', () => {
    const text = 'alias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e\nalias pci:v00001AF4d*sv*sd*bc*sc*i* virtio_pci\nalias usb:v*p*d*dc*dsc*dp*ic08isc06ip50in* usb_storage\n'
    expect(aliasLinesFor(text, false, ['pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00'])).toBe('alias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e\n')
    expect(aliasLinesFor('a.alias=platform:x-y\0a.license=GPL\0b.alias=platform:z\0', true, ['platform:x_y'])).toBe('a.alias=platform:x-y\0')
  })
})

/** A concrete string each pattern matches: wildcards filled in with the least they can take. */
function instance(pattern: string): string {
  return pattern.replace(/\[!?\]?[^\]]*\]|\*|\?|\\(.)/g, (w, esc: string | undefined) => {
    if (esc !== undefined) return esc
    if (w === '*') return ''
    if (w === '?') return '0'
    const body = w.slice(1, -1)
    if (body.startsWith('!') || body.startsWith('^')) return '~'
    return body[0] ?? ''
  })
}

const kernels = ['6.12', '6.1', '7.3']
  .map((k) => path.join(REPO, '.vm/kernels', k, 'kernel.env'))
  .filter(existsSync)
  .map((env) => Object.fromEntries([...readFileSync(env, 'utf8').matchAll(/^(\w+)=(.*)$/gm)].map((m) => [m[1], m[2]])) as Record<string, string>)
const modprobe = spawnSync('modprobe', ['--version']).status === 0

describe.skipIf(kernels.length === 0 || !modprobe)(`against libkmod (modprobe --resolve-alias) over the Debian kernels' indexes${kernels.length === 0 ? ': no .vm/kernels (bash test/vm/setup.sh)' : !modprobe ? ': no modprobe (apt install kmod)' : ''}`, () => {
  for (const k of kernels) {
    it(`${k.NAME ?? '?'}: the same modules, in the same order, as lspci -k would list them`, () => {
      const dir = k.MODDIR ?? ''
      const aliases = readFileSync(`${dir}/modules.alias`, 'utf8').split('\n').filter((l) => l.startsWith('alias pci:'))
      const builtin = readFileSync(`${dir}/modules.builtin.modinfo`, 'latin1').split('\0').filter((r) => r.includes('.alias='))
      const samples = [
        // the QEMU devices of the VM suite: e1000e, nvme, xhci, ICH9 SMBus, HDA, a root port (built-in pcieport has no alias)
        'pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00',
        'pci:v00001B36d00000010sv00001AF4sd00001100bc01sc08i02',
        'pci:v00001B36d0000000Dsv00001AF4sd00001100bc0Csc03i30',
        'pci:v00008086d00002930sv00001AF4sd00001100bc0Csc05i00',
        'pci:v00008086d0000293Esv00001AF4sd00001100bc04sc03i00',
        'pci:v00001B36d0000000Csv00001B36sd00000000bc06sc04i00',
        'pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00',
        // three modules for one Intel audio controller: the order is the index's
        'pci:v00008086d0000A348sv00000000sd00000000bc04sc03i80',
        ...aliases.filter((_, i) => i % 400 === 0).map((l) => instance(l.split(' ')[1] ?? '')),
        ...builtin.filter((_, i) => i % 12 === 0).map((r) => instance(r.slice(r.indexOf('=') + 1))),
      ]
      const index = new ModuleIndex(new NodeFs(''), dir)
      let withModules = 0
      let several = 0
      for (const s of samples) {
        const r = spawnSync('modprobe', ['-d', k.KROOT ?? '', '-S', k.KVER ?? '', '--resolve-alias', s], { encoding: 'utf8' })
        // lspci drops a module repeated next to itself (nvme's two matching aliases)
        const kmod = r.stdout.split('\n').filter((l, i, all) => l !== '' && l !== all[i - 1])
        const ours = index.lookup(s)
        expect(ours, s).toEqual(kmod)
        if (kmod.length > 0) withModules++
        if (kmod.length > 1) several++
      }
      expect(withModules).toBeGreaterThan(samples.length / 2)
      expect(several).toBeGreaterThan(0)
    }, 180_000)
  }
})
