import { describe, expect, it } from 'vitest'
import {
  compactRegionFlags,
  errorMarker,
  formatError,
  formatSize,
  hasFlag,
  modeString,
  pageSizes,
  wrapItems,
} from '../../src/render/format.js'
import { createStyle, plainStyle } from '../../src/render/style.js'
import { probeError } from '../helpers/builders.js'

describe('formatters', () => {
  it('formats sizes like lspci show_size()', () => {
    expect([32, 256, 0x1000, 0x4000, 0x1800, 0x100000, 0x10000000, 0x40000000, 0n, 1000].map((n) => formatSize(BigInt(n)))).toEqual([
      '32', '256', '4K', '16K', '6K', '1M', '256M', '1G', '0', '1000',
    ])
    expect(formatSize(1n << 40n)).toBe('1T')
  })

  it('decodes page-size bitmaps', () => {
    expect(pageSizes(0x40201000n)).toEqual(['4K', '2M', '1G'])
    expect(pageSizes(0n)).toEqual([])
  })

  it('prints modes like ls -l', () => {
    expect(modeString(0o20600)).toBe('crw-------')
    expect(modeString(0o20666)).toBe('crw-rw-rw-')
    expect(modeString(0o40755)).toBe('drwxr-xr-x')
  })

  it('formats errors as op: CODE (path) and markers as <CODE: phrase>', () => {
    expect(formatError(probeError({ path: '/dev/vfio/12' }))).toBe('open: EBUSY (/dev/vfio/12)')
    expect(formatError(probeError({ op: 'VFIO_DEVICE_GET_INFO', code: 'EPROTO', errno: 0 }))).toBe('VFIO_DEVICE_GET_INFO: EPROTO')
    expect(errorMarker(probeError())).toBe('<EBUSY: held by another process>')
    expect(errorMarker(probeError({ code: 'EWEIRD' }))).toBe('<EWEIRD>')
  })

  it('matches flag names whatever their case and separator', () => {
    expect(hasFlag(['RESET', 'PCI'], 'reset')).toBe(true)
    expect(hasFlag(['dev_id'], 'dev-id')).toBe(true)
    expect(compactRegionFlags(['read', 'write', 'mmap', 'caps'])).toBe('rw mmap caps')
    expect(compactRegionFlags(['READ'])).toBe('r')
    expect(compactRegionFlags([])).toBe('')
  })

  it('wraps lists at the given width, ignoring colour codes', () => {
    const items = ['alpha', 'beta', 'gamma', 'delta'].map((s) => createStyle(true).ok(s))
    expect(wrapItems('> ', items, '  ', 14).map((l) => l.replace(/\u001b\[\d+m/g, ''))).toEqual(['> alpha beta', '  gamma delta'])
  })
})

describe('style', () => {
  it('is plain when disabled and ANSI (level 1) when enabled', () => {
    expect(plainStyle.bad('x')).toBe('x')
    expect(plainStyle.flag(true, 'TYPE1')).toBe('TYPE1+')
    const on = createStyle(true)
    expect([on.ok('a'), on.warn('b'), on.bad('c'), on.dim('d'), on.label('e'), on.addr('f')]).toEqual([
      '\u001b[32ma\u001b[39m',
      '\u001b[33mb\u001b[39m',
      '\u001b[31mc\u001b[39m',
      '\u001b[2md\u001b[22m',
      '\u001b[1me\u001b[22m',
      '\u001b[36mf\u001b[39m',
    ])
    expect(on.flag(false, 'EEH')).toBe('\u001b[2mEEH-\u001b[22m')
  })
})
