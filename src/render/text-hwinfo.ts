// -vv on the cdev path: IOMMU_GET_HW_INFO's type-specific data, the IOMMU's registers decoded.
import type { DecodedRegister, HwInfoData } from '../model/hw-info.js'
import type { Probe } from '../model/types.js'
import { bracket, formatError } from './format.js'
import type { Style } from './style.js'

const hex64 = (n: bigint): string => `0x${n.toString(16)}`

/** "cap 0xd2008c22260686 [cm zlr psi] nd=2 (256 domains) … unknown 0x…" */
function registerLine(r: DecodedRegister, style: Style, ind: string): string {
  const fields = r.fields.map((f) => `${f.name}=${f.value}${f.text !== String(f.value) ? ` (${f.text})` : ''}`).join(' ')
  const unknown = r.unknown !== 0n ? ` ${style.warn(`unknown ${hex64(r.unknown)}`)}` : ''
  return `${ind}${style.label(`${r.name}:`)} ${hex64(r.value)}${r.bits.length > 0 ? ` ${bracket(r.bits)}` : ''}${fields.length > 0 ? ` ${style.dim(fields)}` : ''}${unknown}`
}

export function hwInfoDataLines(data: Probe<HwInfoData> | undefined, typeName: string, style: Style, ind: string): string[] {
  if (data === undefined) return []
  if (!data.ok) return [`${ind}${style.label('IOMMU data:')} ${style.bad(formatError(data.error))}`]
  const d = data.value
  const short = d.kernelLen < d.asked ? `, the kernel filled ${d.kernelLen}` : ''
  const flags = d.flagNames.length > 0 ? ` flags ${bracket(d.flagNames)}` : ''
  const head = `${ind}${style.label('IOMMU data:')} ${typeName}, ${d.asked} bytes${short}${flags}`
  if (d.registers.length === 0) return [head, `${ind}  ${style.dim(Buffer.from(d.bytes).toString('hex'))}`]
  return [head, ...d.registers.map((r) => registerLine(r, style, `${ind}  `))]
}
