// The one escaping helper every text renderer uses: what it escapes, what it leaves alone, and that
// the renderers' entry points apply it to every host string of the model.
import { describe, expect, it } from 'vitest'
import { safe, safeModel } from '../../src/render/safe.js'
import { renderText } from '../../src/render/text.js'
import { renderTree } from '../../src/render/tree.js'
import { plainStyle } from '../../src/render/style.js'
import { device, group, inventory } from '../helpers/builders.js'

describe('safe()', () => {
  it('writes C0, DEL and C1 controls out as \\xHH', () => {
    expect(safe('sleep\u001b]0;pwned\u0007\u001b[2J\nFAKE LINE')).toBe('sleep\\x1b]0;pwned\\x07\\x1b[2J\\x0aFAKE LINE')
    expect(safe('a\tb\rc\u0000d\u007fe\u0085f\u009bg')).toBe('a\\x09b\\x0dc\\x00d\\x7fe\\x85f\\x9bg')
  })
  it('writes bidi overrides, isolates, zero-width and line separators out as \\uHHHH', () => {
    expect(safe('evil\u202egnp.exe')).toBe('evil\\u202egnp.exe')
    expect(safe('\u2066x\u2069 \u200b\u200f\u2028\u2029\ufeff')).toBe('\\u2066x\\u2069 \\u200b\\u200f\\u2028\\u2029\\ufeff')
  })
  it('leaves printable text alone, in any script', () => {
    for (const s of ['qemu-system-x86', 'VM "win10"', 'Café GmbH', '日本語', 'Ünïcödé 🎉', 'a\\x1b', '']) expect(safe(s)).toBe(s)
  })
})

describe('safeModel()', () => {
  it('returns a clean model itself (no copy), and copies only the path to an escaped string', () => {
    const inv = inventory({ groups: [group({ id: 1, devices: [device({ driver: 'vfio-pci' })] }), group({ id: 2, devices: [device({ address: '0000:02:00.0', driver: 'evil\u001b[2J' })] })] })
    expect(safeModel(inventory())).toEqual(inventory())
    const clean = inventory()
    expect(safeModel(clean)).toBe(clean)
    const out = safeModel(inv)
    expect(out).not.toBe(inv)
    expect(out.groups[0]).toBe(inv.groups[0])
    expect(out.groups[1]?.devices[0]?.driver).toBe('evil\\x1b[2J')
    expect(inv.groups[1]?.devices[0]?.driver).toBe('evil\u001b[2J')
  })
  it('passes bytes and bigints through', () => {
    const x = { b: new Uint8Array([27, 10]), n: 10n, s: '\n' }
    const y = safeModel(x)
    expect(y.b).toBe(x.b)
    expect(y.n).toBe(10n)
    expect(y.s).toBe('\\x0a')
  })
})

describe('text renderers show hostile host strings escaped, on one line', () => {
  const evil = 'vfio-pci\u001b]0;pwned\u0007\nFAKE LINE'
  const inv = inventory({ groups: [group({ id: 7, devices: [device({ address: '0000:07:00.0', driver: evil, driverOverride: evil, resetMethods: ['flr\u001b[2J'] })] })] })
  const clean = inventory({ groups: [group({ id: 7, devices: [device({ address: '0000:07:00.0', driver: 'vfio-pciXXXXXXXXXXXXXXXXXXX', driverOverride: 'vfio-pciXXXXXXXXXXXXXXXXXXX', resetMethods: ['flrXXXX'] })] })] })
  for (const [name, render] of [
    ['text', renderText],
    ['tree', renderTree],
  ] as const) {
    it(`${name}: no raw control character, no extra line, the escape visible`, () => {
      for (const verbose of [0, 1, 2, 3] as const) {
        const lines = render(inv, { verbose, numeric: 0 }, plainStyle)
        expect(lines.join('\n')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/)
        expect(lines.some((l) => l.includes('FAKE LINE') && !l.startsWith('FAKE'))).toBe(true)
        expect(lines.join('\n')).toContain('\\x1b]0;pwned\\x07\\x0aFAKE LINE')
        expect(lines.length).toBe(render(clean, { verbose, numeric: 0 }, plainStyle).length)
      }
    })
  }
})
