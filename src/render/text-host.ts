// The host problems (diagnose/host.ts) and the --no-open note, shown at the top of the text and tree views.
import { hostProblems } from '../diagnose/host.js'
import type { Inventory } from '../model/types.js'
import type { Style } from './style.js'

export const NO_OPEN_NOTE = 'nothing was opened: VFIO regions, IRQs and reset are predicted from sysfs; --open asks the kernel (and resets idle devices that have a reset method)'

/** Why nothing (or nothing usable) is listed, with the fix. Shown at every verbosity. */
export function hostProblemLines(inv: Inventory, style: Style): string[] {
  return hostProblems(inv).flatMap((f) => [
    (f.level === 'bad' ? style.bad : style.warn)(f.text),
    ...f.fix.map((x, i) => `  ${i === 0 ? style.warn('fix:') : ' or:'} ${x}`),
  ])
}
