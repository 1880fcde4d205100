import { describe, expect, it } from 'vitest'
import { annotatedDump, hexdump } from '../../src/render/hexdump.js'
import { plainStyle } from '../../src/render/style.js'

// The first 64 bytes of QEMU's e1000e config space as lspci -x prints them (the x86 test VM's 02:00.0, test/vm/README.md).
const E1000E_LSPCI_X = [
  '00: 86 80 d3 10 07 04 10 00 00 00 00 02 10 00 00 00',
  '10: 00 00 4c fe 00 00 4e fe 01 b0 00 00 00 00 50 fe',
  '20: 00 00 00 00 00 00 00 00 00 00 00 00 86 80 00 00',
  '30: 00 00 48 fe c8 00 00 00 00 00 00 00 0b 01 00 00',
]

function parseLspci(lines: readonly string[]): Uint8Array {
  return Uint8Array.from(lines.flatMap((l) => l.slice(l.indexOf(':') + 1).trim().split(' ').map((b) => parseInt(b, 16))))
}

describe('hexdump', () => {
  it('reproduces lspci -x byte for byte', () => {
    expect(hexdump(parseLspci(E1000E_LSPCI_X))).toEqual(E1000E_LSPCI_X)
  })

  it('labels rows past 0xff with three digits, like lspci -xxxx', () => {
    const bytes = new Uint8Array(32).map((_, i) => i)
    expect(hexdump(bytes, 0x100)).toEqual([
      '100: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f',
      '110: 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f',
    ])
  })

  it('keeps a short last row and breaks an unaligned start at the next 16-byte boundary', () => {
    expect(hexdump(Uint8Array.from([0xaa, 0xbb, 0xcc]))).toEqual(['00: aa bb cc'])
    expect(hexdump(Uint8Array.from([1, 2, 3, 4]), 0x0e)).toEqual(['0e: 01 02', '10: 03 04'])
    expect(hexdump(new Uint8Array(0))).toEqual([])
  })
})

describe('annotatedDump', () => {
  it('puts each field on its own row with its label, dimming gaps', () => {
    const bytes = parseLspci(E1000E_LSPCI_X).slice(0, 24)
    const fields = [
      { offset: 0, size: 2, label: 'vendor' },
      { offset: 2, size: 2, label: 'device' },
      { offset: 4, size: 2, label: 'command' },
      { offset: 0x10, size: 4, label: 'BAR0' },
      { offset: 0x30, size: 4, label: 'ROM' },
    ]
    expect(annotatedDump(bytes, fields, plainStyle)).toMatchInlineSnapshot(`
      [
        "00: 86 80                                            vendor",
        "02: d3 10                                            device",
        "04: 07 04                                            command",
        "06: 10 00 00 00 00 02 10 00 00 00",
        "10: 00 00 4c fe                                      BAR0",
        "14: 00 00 4e fe",
        "30: ?? ?? ?? ??                                      ROM",
      ]
    `)
  })

  it('wraps a long field at 16 bytes and marks the continuation', () => {
    const out = annotatedDump(new Uint8Array(20), [{ offset: 0, size: 20, label: 'header' }], plainStyle)
    expect(out.map((l) => l.trimEnd())).toEqual([
      '00: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  header',
      '10: 00 00 00 00                                      (header cont.)',
    ])
  })
})
