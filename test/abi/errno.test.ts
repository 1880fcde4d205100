import { constants } from 'node:os'
import { describe, expect, it } from 'vitest'
import { ERRNO_NUMBERS, errnoMessage, errnoName, errnoNumber } from '../../src/kernel/errno.js'

describe('errno table', () => {
  it('names the errnos VFIO returns', () => {
    const cases: [number, string][] = [
      [1, 'EPERM'],
      [2, 'ENOENT'],
      [5, 'EIO'],
      [6, 'ENXIO'],
      [7, 'E2BIG'],
      [9, 'EBADF'],
      [11, 'EAGAIN'],
      [12, 'ENOMEM'],
      [13, 'EACCES'],
      [14, 'EFAULT'],
      [16, 'EBUSY'],
      [17, 'EEXIST'],
      [19, 'ENODEV'],
      [22, 'EINVAL'],
      [25, 'ENOTTY'],
      [28, 'ENOSPC'],
      [38, 'ENOSYS'],
      [61, 'ENODATA'],
      [71, 'EPROTO'],
      [75, 'EOVERFLOW'],
      [77, 'EBADFD'],
      [90, 'EMSGSIZE'],
      [95, 'EOPNOTSUPP'],
    ]
    for (const [n, name] of cases) {
      expect(errnoName(n)).toBe(name)
      expect(errnoNumber(name)).toBe(n)
    }
    expect(ERRNO_NUMBERS.length).toBeGreaterThanOrEqual(40)
  })

  it('accepts the negative return of a syscall wrapper', () => {
    expect(errnoName(-16)).toBe('EBUSY')
    expect(errnoMessage(-25)).toBe('Inappropriate ioctl for device')
  })

  it('unknown numbers and names', () => {
    expect(errnoName(200)).toBe('E200')
    expect(errnoMessage(200)).toBe('Unknown error 200')
    expect(errnoNumber('E200')).toBe(200)
    expect(errnoNumber('EWHATEVER')).toBeNull()
  })

  it('aliases resolve to the canonical number', () => {
    expect(errnoNumber('EWOULDBLOCK')).toBe(11)
    expect(errnoNumber('ENOTSUP')).toBe(95)
    expect(errnoNumber('EDEADLOCK')).toBe(35)
    expect(errnoName(95)).toBe('EOPNOTSUPP')
  })

  it('messages are glibc strerror text', () => {
    expect(errnoMessage(1)).toBe('Operation not permitted')
    expect(errnoMessage(16)).toBe('Device or resource busy')
    expect(errnoMessage(22)).toBe('Invalid argument')
    expect(errnoMessage(77)).toBe('File descriptor in bad state')
  })

  it.skipIf(process.platform !== 'linux')('agrees with the running platform (os.constants.errno)', () => {
    const platform: Record<string, number | undefined> = { ...constants.errno }
    const mismatches = ERRNO_NUMBERS.map((n) => [errnoName(n), n] as const).filter(
      ([name, n]) => platform[name] !== undefined && platform[name] !== n,
    )
    expect(mismatches).toEqual([])
    // and every name node knows maps back to the same number here, when we name it
    for (const [name, n] of Object.entries(platform)) {
      const ours = errnoNumber(name)
      if (ours !== null && n !== undefined) expect([name, ours]).toEqual([name, n])
    }
  })
})
