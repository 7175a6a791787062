// What `tongban adapter new` is asked for, checked before anything is written: the adapter id, how
// the department delivers (mode), over what (transport) and how calls to it are signed (auth).
import { ADAPTER_ID } from '../../adapter-sdk/module.ts'

export const MODES = ['push', 'pull', 'files'] as const
export const TRANSPORTS = ['http-json', 'http-xml', 'sftp', 'local'] as const
export const AUTHS = ['oauth2-client-credentials', 'signed-params', 'hmac-headers', 'basic', 'sm2', 'none'] as const

export type Mode = (typeof MODES)[number]
export type Transport = (typeof TRANSPORTS)[number]
export type Auth = (typeof AUTHS)[number]

export interface ScaffoldOptions {
  id: string
  mode: Mode
  transport: Transport
  auth: Auth
  /** The department's name as people read it (adapter.ts `department.name`). */
  department: string
}

/** Which transports and auths each mode can be scaffolded with, and why not the others. */
const SUPPORTED: Record<Mode, { transports: readonly Transport[], auths: readonly Auth[], why: string }> = {
  push: {
    transports: ['http-json', 'http-xml'],
    auths: ['none'],
    why: 'a pushing department signs its webhooks (Standard Webhooks, checked with the instance\'s webhook.secrets); --auth is for calls to the department: give --auth none and declare auth when you add an operation',
  },
  pull: {
    transports: ['http-json'],
    auths: ['oauth2-client-credentials', 'signed-params', 'hmac-headers', 'basic', 'sm2', 'none'],
    why: 'a pulling department answers JSON over HTTP here; for SOAP (http-xml) start from --transport http-json and follow adapters/civil-affairs (defineSoapService, callSoap)',
  },
  files: {
    transports: ['local'],
    auths: ['none'],
    why: 'the scaffold writes a local directory drop (a directory needs no auth); for SFTP start from it and give the instance files.sftp, with auth: { type: \'sftp-key\' } or { type: \'basic\' } in adapter.ts',
  },
}

const oneOf = <T extends string>(list: readonly T[], value: string | undefined, what: string): T | string =>
  (list as readonly string[]).includes(value ?? '') ? value as T : `--${what} must be one of ${list.join(', ')}${value === undefined ? '' : ` (not "${value}")`}`

/** The options, or what is wrong with them in words a person acts on. */
export function checkOptions (raw: { id: string | undefined, mode?: string, transport?: string, auth?: string, department?: string }): ScaffoldOptions | string {
  if (raw.id === undefined) return 'name the adapter: tongban adapter new <id> …'
  if (!ADAPTER_ID.test(raw.id)) return `"${raw.id}" is no adapter id: lowercase letters, digits and dashes, starting with a letter, 2 to 63 characters (it becomes the folder, the default instance id and a URL segment)`
  const mode = oneOf(MODES, raw.mode, 'mode')
  const transport = oneOf(TRANSPORTS, raw.transport, 'transport')
  const auth = oneOf(AUTHS, raw.auth, 'auth')
  for (const v of [mode, transport, auth]) if (!(MODES as readonly string[]).concat(TRANSPORTS, AUTHS).includes(v)) return v
  const supported = SUPPORTED[mode as Mode]
  if (!supported.transports.includes(transport as Transport)) return `--mode ${mode} --transport ${transport}: ${supported.why}`
  if (!supported.auths.includes(auth as Auth)) return `--mode ${mode} --auth ${auth}: ${supported.why}`
  return { id: raw.id, mode: mode as Mode, transport: transport as Transport, auth: auth as Auth, department: raw.department ?? `${raw.id} 部门系统` }
}
