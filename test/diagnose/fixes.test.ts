// Fix commands carry host values (addresses, driver names from driver_override, user names, node
// paths): a command is given only when each value is valid for its kind, shell-quoted; otherwise the
// line says why there is no command.
import { describe, expect, it } from 'vitest'
import { bindFix, blockerFix, commands, shellQuote } from '../../src/diagnose/fixes.js'
import { nodeAccess } from '../../src/diagnose/diagnose.js'
import type { Credentials } from '../../src/model/diagnostics.js'
import type { Names } from '../../src/inspect/proc.js'

describe('fix commands with host values', () => {
  it('valid values make commands', () => {
    expect(bindFix('0000:01:00.0', true, true)[0]).toBe('driverctl set-override 0000:01:00.0 vfio-pci')
    expect(commands([['driver name', 'snd_hda_intel']], (m) => [`modprobe ${m}`])).toEqual(['modprobe snd_hda_intel'])
    expect(commands([['user name', 'build$']], (u) => [`chown ${u} x`])).toEqual(["chown 'build$' x"])
  })
  it('a value not valid for its kind gives no command, and says why', () => {
    expect(bindFix('0000:01:00.0; reboot', true, true)).toEqual(['no command shown: "0000:01:00.0; reboot" is not a valid PCI address'])
    expect(blockerFix('../../x', false)).toEqual(['no command shown: "../../x" is not a valid PCI address'])
    expect(commands([['PCI address', '0000:01:00.0'], ['driver name', 'nvidia\u001b[2J$(reboot)']], (a, m) => [`modprobe ${m}; echo ${a}`])).toEqual(['no command shown: "nvidia\\u001b[2J$(reboot)" is not a valid driver name'])
    expect(commands([['VFIO node', '/etc/shadow']], (p) => [p])[0]).toMatch(/^no command shown/)
  })
  it('shellQuote quotes what a shell would read specially', () => {
    expect(shellQuote('vfio-pci')).toBe('vfio-pci')
    expect(shellQuote("it's $(x)")).toBe("'it'\\''s $(x)'")
  })
  it('nodeAccess gives chown only for a valid user and node', () => {
    const self: Credentials = { pid: 1, uid: 1000, gid: 1000, groups: [], user: 'ev`il', capabilities: { dacOverride: false, sysRawio: false, ipcLock: false }, memlock: null }
    const names = { user: () => 'root', group: () => 'root' } as unknown as Names
    const node = { path: '/dev/vfio/12', mode: 0o20600, uid: 0, gid: 0, rdev: '245:0' }
    expect(nodeAccess(node, self, names, false).fix).toEqual(['no command shown: "ev`il" is not a valid user name'])
    expect(nodeAccess(node, { ...self, user: 'alice' }, names, false).fix[0]).toBe('sudo chown alice /dev/vfio/12   # until the next reboot or rebind')
  })
})
