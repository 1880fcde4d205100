// Host readiness and holders in the human view: the findings with their fixes, who lsvfio runs as,
// and every process holding a VFIO node. Pure.
import type { Credentials, Diagnostics, Finding, Holder } from '../model/diagnostics.js'
import type { Inventory } from '../model/types.js'
import { formatSize } from './format.js'
import type { Style } from './style.js'
import type { ViewOptions } from './view.js'

const PREFIX = { ok: 'ok', info: 'note', warn: 'warning', bad: 'problem' } as const

function paint(f: Finding, style: Style): (s: string) => string {
  return f.level === 'ok' ? style.ok : f.level === 'warn' ? style.warn : f.level === 'bad' ? style.bad : (s: string) => s
}

export function findingLines(f: Finding, style: Style, ind: string): string[] {
  const lines = [`${ind}${paint(f, style)(`${PREFIX[f.level]}:`)} ${f.text}`]
  f.fix.forEach((x, i) => lines.push(`${ind}  ${i === 0 ? style.warn('fix:') : ' or:'} ${x}`))
  return lines
}

/** "pid 180 sleep (user root)" */
export function holderTitle(h: Holder): string {
  const vm = h.vmName !== null ? ` VM "${h.vmName}"` : ''
  const user = h.user ?? (h.uid === null ? null : String(h.uid))
  return `pid ${h.pid} ${h.comm ?? '?'}${vm}${user !== null ? ` (user ${user})` : ''}`
}

function fdList(h: Holder): string {
  return h.fds.map((f) => `${f.target}${f.device !== null && f.kind !== 'cdev' ? `=${f.device}` : f.kind === 'cdev' && f.device !== null ? ` (${f.device})` : ''} fd ${f.fd}`).join(', ')
}

/** Memory the holder has locked or pinned against its limit: what DMA mapping has used so far. */
export function memlockText(h: Holder): string | null {
  if (h.memlock === null && h.vmLck === null && h.vmPin === null) return null
  const lim = h.memlock === null ? 'unknown' : h.memlock.soft === null ? 'unlimited' : formatSize(h.memlock.soft)
  const used = (h.vmLck ?? 0n) > (h.vmPin ?? 0n) ? (h.vmLck ?? 0n) : (h.vmPin ?? 0n)
  let s = `memlock limit ${lim}, VmLck ${formatSize(h.vmLck ?? 0n)}, VmPin ${formatSize(h.vmPin ?? 0n)}`
  const soft = h.memlock?.soft ?? null
  if (soft !== null && used > soft) s += h.ipcLock === true ? ' (over the limit: allowed by CAP_IPC_LOCK)' : ' (over the limit)'
  else if (soft !== null && soft > 0n && used * 10n >= soft * 9n) s += ' (near the limit: more DMA mapping will fail with ENOMEM)'
  return s
}

export function holderLines(h: Holder, view: ViewOptions, style: Style, ind: string): string[] {
  const lines = [`${ind}${style.warn(holderTitle(h))}: ${fdList(h)}`]
  // Only a process that has locked or pinned memory (a VMM that mapped DMA) has a memlock story.
  const m = (h.vmLck ?? 0n) + (h.vmPin ?? 0n) > 0n ? memlockText(h) : null
  if (m !== null && view.verbose >= 1) lines.push(`${ind}  ${m}`)
  return lines
}

function selfLine(c: Credentials, style: Style): string {
  const caps = Object.entries({ CAP_DAC_OVERRIDE: c.capabilities.dacOverride, CAP_SYS_RAWIO: c.capabilities.sysRawio, CAP_IPC_LOCK: c.capabilities.ipcLock })
    .filter(([, on]) => on)
    .map(([n]) => n)
  const who = `uid ${c.uid}${c.user !== null ? ` (${c.user})` : ''} gid ${c.gid}${c.groups.length > 0 ? ` groups ${c.groups.join(',')}` : ''}`
  return `  ${style.label('This process:')} ${who}${caps.length > 0 ? `, ${caps.join(' ')}` : ', no capabilities'}`
}

/** Findings shown at every verbosity: the ones that stop VFIO and that hostProblems() does not already say. */
export function blockingFindingLines(d: Diagnostics, style: Style): string[] {
  return d.readiness.findings.filter((f) => f.level === 'bad' && f.id === 'interrupt-remapping').flatMap((f) => findingLines(f, style, ''))
}

/** The -v "Readiness:" block (host findings, this process, holders) and the reset-on-open note. */
export function readinessLines(inv: Inventory, d: Diagnostics, view: ViewOptions, style: Style): string[] {
  const lines = [style.label('Readiness:')]
  for (const f of d.readiness.findings) {
    if (view.verbose < 2 && f.level === 'info' && f.id !== 'memlock') continue
    lines.push(...findingLines(f, style, '  '))
  }
  if (d.self !== null) lines.push(selfLine(d.self, style))
  const hs = d.holders.holders
  if (d.holders.scanned === 0) lines.push(`  ${style.label('Holders:')} ${style.dim('unknown: /proc could not be searched')}`)
  else if (hs.length === 0) lines.push(`  ${style.label('Holders:')} no process holds a VFIO node${d.holders.hidden > 0 ? ' (that this user can see)' : ''}`)
  else {
    lines.push(`  ${style.label('Holders:')}`)
    for (const h of hs) lines.push(...holderLines(h, view, style, '    '))
  }
  const opened = inv.groups.flatMap((g) => g.devices).filter((x) => x.vfio !== null && x.vfio.ok)
  // The kernel sets the RESET flag when its reset at open worked: those, and only those, were reset.
  const reset = opened.filter((x) => x.vfio !== null && x.vfio.ok && x.vfio.value.flagNames.includes('reset'))
  if (inv.opened && reset.length > 0) {
    lines.push(
      `  ${style.warn('note:')} ${view.recorded === true ? 'the recording' : 'this run'} opened ${reset.length} idle device${reset.length === 1 ? '' : 's'} with a reset method: vfio-pci reset each on open and again on close (${reset.map((x) => x.address).join(', ')}); without --open nothing is opened`,
    )
  }
  lines.push('')
  return lines
}
