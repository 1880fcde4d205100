// "modprobe iommufd" only where it can work: the module file is installed for the running kernel.
import { afterEach, describe, expect, it } from 'vitest'
import { iommufdPresence } from '../../src/diagnose/readiness.js'
import { NodeFs } from '../../src/inspect/node-fs.js'
import { makeTree, type Tree } from '../helpers/fake-sysfs.js'

let cleanup = (): void => {}
afterEach(() => cleanup())

function presence(tree: Tree, kernel: string | null): ReturnType<typeof iommufdPresence> {
  const t = makeTree(tree)
  cleanup = t.cleanup
  return iommufdPresence(new NodeFs(t.root), kernel)
}

const MODS = '/lib/modules/6.12.0-1-amd64'

describe('iommufdPresence', () => {
  it.each(['', '.xz', '.zst', '.gz'])('the module file (iommufd.ko%s) installed: module', (z) => {
    expect(presence({ [`${MODS}/kernel/drivers/iommu/iommufd/iommufd.ko${z}`]: '', [`${MODS}/modules.builtin`]: '' }, '6.12.0-1-amd64')).toBe('module')
  })

  it('a module tree without it, and not built in: absent (built without CONFIG_IOMMUFD)', () => {
    expect(presence({ [`${MODS}/kernel/drivers/vfio/vfio.ko.xz`]: '', [`${MODS}/modules.builtin`]: 'kernel/drivers/pci/pci-stub.ko\n' }, '6.12.0-1-amd64')).toBe('absent')
  })

  it('kernels before 6.2 have none', () => {
    expect(presence({}, '6.1.0-27-amd64')).toBe('too-old')
    expect(presence({}, '5.15.0')).toBe('too-old')
  })

  it('no module tree for the release (an initramfs, a container): unknown, so no advice', () => {
    expect(presence({ '/lib/modules/vfio.ko': '' }, '6.12.0-1-amd64')).toBe('unknown')
    expect(presence({}, null)).toBe('unknown')
  })

  it('a release that is not a plain name is never put into a path', () => {
    expect(presence({}, '6.12/../../etc')).toBe('unknown')
  })
})
