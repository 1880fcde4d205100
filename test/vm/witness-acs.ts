// lspci -vvv's ACS lines per device, named as lsvfio names the bits: the witness for ACS per hop.

const LSPCI_ACS: Readonly<Record<string, string>> = { SrcValid: 'SV', TransBlk: 'TB', ReqRedir: 'RR', CmpltRedir: 'CR', UpstreamFwd: 'UF', EgressCtrl: 'EC', DirectTrans: 'DT' }

export interface LspciAcs {
  header: string
  cap: string[] | null
  ctl: string[] | null
}

/** Per address: the device's first lspci line and its ACSCap/ACSCtl "+" bits (null without ACS). */
export function lspciAcs(text: string): Map<string, LspciAcs> {
  const out = new Map<string, LspciAcs>()
  let cur: LspciAcs | null = null
  const bits = (line: string): string[] => [...line.matchAll(/(\w+)\+/g)].map((m) => LSPCI_ACS[m[1] ?? ''] ?? '?')
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) (.*)$/.exec(line)
    if (m !== null) {
      cur = { header: m[2] ?? '', cap: null, ctl: null }
      out.set(m[1] ?? '', cur)
    } else if (cur !== null && /^\s+ACSCap:/.test(line)) cur.cap = bits(line)
    else if (cur !== null && /^\s+ACSCtl:/.test(line)) cur.ctl = bits(line)
  }
  return out
}

