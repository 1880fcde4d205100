// Ground truth about mediated devices from sysfs, as one JSON document on stdout (guest side).
// Plain Node, no code shared with lsvfio. Values are the kernel's text with the trailing newline cut.
import fs from 'node:fs'
import path from 'node:path'

const text = (p) => {
  try {
    return fs.readFileSync(p, 'utf8').replace(/\n$/, '')
  } catch {
    return null
  }
}
const list = (p) => {
  try {
    return fs.readdirSync(p).sort()
  } catch {
    return []
  }
}
const link = (p) => {
  try {
    return path.basename(fs.readlinkSync(p))
  } catch {
    return null
  }
}
const stat = (p) => {
  try {
    const s = fs.statSync(p)
    return { mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, rdev: `${Math.floor(s.rdev / 256) & 0xfff}:${(s.rdev & 0xff) | ((s.rdev >> 12) & 0xfff00)}` }
  } catch {
    return null
  }
}

// Parents: /sys/class/mdev_bus holds one link per device that registered as an mdev parent.
const parents = list('/sys/class/mdev_bus').map((name) => {
  const dir = fs.realpathSync(path.join('/sys/class/mdev_bus', name))
  const tdir = path.join(dir, 'mdev_supported_types')
  return {
    name,
    sysfsPath: dir,
    bus: link(path.join(dir, 'subsystem')),
    driver: link(path.join(dir, 'driver')),
    types: list(tdir).map((id) => ({
      id,
      name: text(path.join(tdir, id, 'name')),
      description: text(path.join(tdir, id, 'description')),
      deviceApi: text(path.join(tdir, id, 'device_api')),
      availableInstances: text(path.join(tdir, id, 'available_instances')),
      devices: list(path.join(tdir, id, 'devices')),
    })),
  }
})

// Mediated devices: /sys/bus/mdev/devices/<uuid>.
const devices = list('/sys/bus/mdev/devices').map((uuid) => {
  const d = path.join('/sys/bus/mdev/devices', uuid)
  const real = fs.realpathSync(d)
  const group = link(path.join(d, 'iommu_group'))
  const g = group === null ? null : path.join('/sys/kernel/iommu_groups', group)
  return {
    uuid,
    sysfsPath: real,
    parent: path.basename(path.dirname(real)),
    type: link(path.join(d, 'mdev_type')),
    driver: link(path.join(d, 'driver')),
    group,
    groupName: g === null ? null : text(path.join(g, 'name')),
    groupType: g === null ? null : text(path.join(g, 'type')),
    groupMembers: g === null ? [] : list(path.join(g, 'devices')),
    node: group === null ? null : { path: `/dev/vfio/${group}`, ...stat(`/dev/vfio/${group}`) },
    noiommuNode: group === null ? null : stat(`/dev/vfio/noiommu-${group}`),
  }
})

process.stdout.write(JSON.stringify({ parents, devices }, null, 1) + '\n')
