// The rules of src/diagnose/rules.ts, each on the smallest inventory that triggers it and one that
// must not.
import { describe, expect, it } from 'vitest'
import { groupWithoutNode, ruleFindings } from '../../src/diagnose/rules.js'
import { device, devNode, group, inventory } from '../helpers/builders.js'

const vfio = (address: string, cdev: string | null = null) => device({ address, driver: 'vfio-pci', vfioDriver: true, cdev })

describe('group-node: a group with VFIO devices but no /dev/vfio node', () => {
  it('warns when nothing can open the devices, with the commands that recreate the nodes', () => {
    const inv = inventory({ groups: [group({ id: 12, node: null, devices: [vfio('0000:01:00.0')] })] })
    expect(groupWithoutNode(inv)).toEqual([
      {
        id: 'group-node',
        level: 'warn',
        text: 'group 12 has devices bound to a VFIO driver (0000:01:00.0) but neither /dev/vfio/12 nor a device cdev exists: nothing can open them',
        fix: ['udevadm trigger --subsystem-match=vfio   # recreate the nodes; check that devtmpfs is mounted on /dev', 'ls -l /dev/vfio   # inside a container: pass /dev/vfio/12 through'],
      },
    ])
  })

  it('is a note when the cdevs are there (a kernel without CONFIG_VFIO_GROUP)', () => {
    const inv = inventory({ groups: [group({ id: 3, node: null, devices: [vfio('0000:02:00.0', '/dev/vfio/devices/vfio0')] })] })
    expect(groupWithoutNode(inv)).toMatchObject([{ id: 'group-node', level: 'info', text: expect.stringContaining('reachable only through their cdevs') }])
  })

  it('says nothing for a group with its node, or one with no VFIO device', () => {
    const withNode = group({ id: 12, node: devNode({ path: '/dev/vfio/12' }), devices: [vfio('0000:01:00.0')] })
    const hostOnly = group({ id: 13, node: null, devices: [device({ address: '0000:03:00.0', driver: 'nvme', vfioDriver: false })] })
    expect(ruleFindings(inventory({ groups: [withNode, hostOnly] }))).toEqual([])
  })
})
