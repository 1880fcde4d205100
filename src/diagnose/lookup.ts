// A group's and a device's diagnosis, and a holder, by id: indexed once per Diagnostics (weakly, so the
// index goes with it). A find per device made listing and checking thousands of devices quadratic.
import type { DeviceDiagnosis, Diagnostics, GroupDiagnosis, Holder } from '../model/diagnostics.js'

const indexes = new WeakMap<object, Map<unknown, unknown>>()

/** The first element of `list` whose key is `k`, as list.find would give it. */
function byKey<T, K>(list: readonly T[], key: (x: T) => K, k: K): T | undefined {
  let m = indexes.get(list) as Map<K, T> | undefined
  if (m === undefined) {
    m = new Map<K, T>()
    for (const x of list) if (!m.has(key(x))) m.set(key(x), x)
    indexes.set(list, m as Map<unknown, unknown>)
  }
  return m.get(k)
}

export function groupDiagnosis(d: Diagnostics | undefined, id: number): GroupDiagnosis | undefined {
  return d === undefined ? undefined : byKey(d.groups, (g) => g.id, id)
}

export function deviceDiagnosis(d: Diagnostics | undefined, address: string): DeviceDiagnosis | undefined {
  return d === undefined ? undefined : byKey(d.devices, (x) => x.address, address)
}

export function holderByPid(d: Diagnostics, pid: number): Holder | undefined {
  return byKey(d.holders.holders, (h) => h.pid, pid)
}
