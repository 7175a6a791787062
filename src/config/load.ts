// Reads the YAML configuration, substitutes ${VAR} and ${VAR:-default} from the environment,
// and validates it. A bad file stops start-up with the path of the bad key and why.
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { fromRoot } from '../paths.ts'
import { parseDocument } from 'yaml'
import { TongbanError } from '../errors.ts'
import { Config } from './schema.ts'
import { BUILT_IN_ADAPTERS } from './adapters.ts'
import { loadExternalAdapters } from './adapter-loader.ts'
import { formatPath } from './path.ts'
import { configuredSimulators } from './simulators.ts'
import { RESOLUTION } from '../unify/survivorship.ts'
import { AUTH_CREDENTIALS, secretCredentials } from '../adapter-sdk/auth.ts'
import { DATA_KEY_CREDENTIALS } from '../adapter-sdk/encrypted.ts'
import { signatureType, WEBHOOK_SECRETS } from '../adapter-sdk/webhook.ts'

const ENV_REF = /\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}/g

function substitute (value: unknown, env: NodeJS.ProcessEnv, file: string, path: string): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (_, name: string, fallback: string | undefined) => {
      const v = env[name]
      if (v !== undefined && v !== '') return v
      if (fallback !== undefined) return fallback
      throw new TongbanError('TB_CONFIG_ENV_MISSING', [`${file}: ${path || '(root)'}`, name])
    })
  }
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, env, file, `${path}[${i}]`))
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, env, file, path ? `${path}.${k}` : k)]))
  }
  return value
}

function validate (text: string, file: string, env: NodeJS.ProcessEnv): Config {
  const doc = parseDocument(text)
  if (doc.errors.length > 0) throw new TongbanError('TB_CONFIG_INVALID', [file, doc.errors[0]!.message])
  const raw = substitute(doc.toJS(), env, file, '')
  const result = Config.safeParse(raw)
  if (!result.success) {
    const issue = result.error.issues[0]!
    throw new TongbanError('TB_CONFIG_INVALID', [file, `${formatPath(issue.path)}: ${issue.message}`])
  }
  return result.data
}

/** A configuration running built-in adapters only: one that names `path:` or `package:` is loaded from its file (loadConfig). */
export function parseConfig (text: string, file: string, env: NodeJS.ProcessEnv = process.env): Config {
  const config = validate(text, file, env)
  checkInstances(config, file)
  return config
}

function checkInstances (config: Config, file: string): void {
  const seen = new Set<string>()
  config.adapters.forEach((instance, i) => {
    const at = (key: string, why: string): never => { throw new TongbanError('TB_CONFIG_INVALID', [file, `adapters[${i}]${key}: ${why}`]) }
    if (seen.has(instance.id)) at('.id', `instance id "${instance.id}" is used twice`)
    seen.add(instance.id)
    const loaded = config.loadedAdapters ?? BUILT_IN_ADAPTERS
    if (instance.adapter === undefined) at(instance.path !== undefined ? '.path' : '.package', 'an adapter from a path or package is loaded with the configuration file (loadConfig)')
    const adapter = loaded.get(instance.adapter!)?.definition
    if (!adapter) at('.adapter', `no adapter "${instance.adapter}" (known: ${[...loaded.keys()].join(', ')}; or give path: or package:)`)
    const issue = adapter!.instance.safeParse(instance).error?.issues[0]
    if (issue) throw new TongbanError('TB_CONFIG_INVALID', [file, `${formatPath(['adapters', i, ...issue.path])}: ${issue.message}`])
    // Credentials in the file are checked against the adapter's auth strategy now; from the vault, at each use.
    const auth = adapter!.auth
    if (auth && instance.credentials && instance.credentials !== 'vault') {
      const bad = AUTH_CREDENTIALS[auth.type].safeParse(instance.credentials).error?.issues[0]
      if (bad) throw new TongbanError('TB_CONFIG_INVALID', [file, `${formatPath(['adapters', i, 'credentials', ...bad.path])}: ${auth.type} needs ${Object.keys(AUTH_CREDENTIALS[auth.type].shape).join(' and ')}: ${bad.message}`])
    }
    // Encrypted fields need the data key beside whatever the auth strategy needs; from the vault, at each use.
    if (adapter!.encrypted && instance.credentials !== 'vault') {
      if (instance.credentials === undefined) at('.credentials', `adapter ${adapter!.id} decrypts fields ${adapter!.encrypted.fields.join(', ')}: give credentials.dataKey (32 hex digits), or credentials: vault in production`)
      const bad = DATA_KEY_CREDENTIALS.safeParse(instance.credentials).error?.issues[0]
      if (bad) at(`.credentials.${formatPath(bad.path)}`, `adapter ${adapter!.id} decrypts fields ${adapter!.encrypted.fields.join(', ')} with it: ${bad.message}`)
    }
    // Webhook secrets are checked against the adapter's signature scheme (whsec_… for Standard Webhooks).
    const receive = adapter!.receive
    const secretShape = receive && WEBHOOK_SECRETS[signatureType(receive.signature)]
    instance.webhook?.secrets.forEach((secret, j) => {
      const bad = secretShape?.safeParse(secret).error?.issues[0]
      if (bad) at(`.webhook.secrets[${j}]`, bad.message)
    })
  })
  if (seen.has(RESOLUTION)) throw new TongbanError('TB_CONFIG_INVALID', [file, `adapters: instance id "${RESOLUTION}" is reserved for values chosen by resolving conflicts`])
  for (const [kind, rules] of Object.entries(config.survivorship ?? {})) {
    for (const [field, rule] of Object.entries(rules ?? {})) {
      if (rule === undefined || rule === 'latest') continue
      rule.forEach((id, i) => {
        if (!seen.has(id)) throw new TongbanError('TB_CONFIG_INVALID', [file, `survivorship.${kind}.${field}[${i}]: no adapter instance "${id}"`])
      })
    }
  }
  configuredSimulators(config, file)
}

/** The configuration in a file, with the adapters it loads from paths and packages beside the built-in ones. */
export async function loadConfig (file: string, env: NodeJS.ProcessEnv = process.env): Promise<Config & Required<Pick<Config, 'loadedAdapters'>>> {
  const config = await loadExternalAdapters(validate(await readText(file), file, env), file)
  checkInstances(config, file)
  if (resolve(file) !== DEMO_CONFIG) refusePublishedSecrets(config, parseConfig(await readText(DEMO_CONFIG), DEMO_CONFIG, {}), file)
  return config
}

async function readText (file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    throw new TongbanError('TB_CONFIG_INVALID', [file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`])
  }
}

const DEMO_CONFIG = fromRoot('config', 'demo.yaml')

/**
 * Outside the demo, a secret the demo configuration publishes (its defaults are in this
 * repository) is no secret: refuse to start and say which key holds it.
 */
function refusePublishedSecrets (config: Config, demo: Config, file: string): void {
  const published = new Set<string>()
  for (const a of demo.adapters) {
    for (const s of a.webhook?.secrets ?? []) published.add(s)
    for (const [, secret] of secretCredentials(a.credentials)) published.add(secret)
  }
  for (const s of demo.seedStaff ?? []) {
    published.add(s.password)
    for (const a of s.accounts ?? []) published.add(a.password)
  }
  config.seedStaff?.forEach((s, i) => {
    if (published.has(s.password)) throw new TongbanError('TB_CONFIG_INSECURE', [file, `seedStaff[${i}].password`])
    s.accounts?.forEach((a, j) => {
      if (published.has(a.password)) throw new TongbanError('TB_CONFIG_INSECURE', [file, `seedStaff[${i}].accounts[${j}].password`])
    })
  })
  config.adapters.forEach((a, i) => {
    a.webhook?.secrets.forEach((s, j) => {
      if (published.has(s)) throw new TongbanError('TB_CONFIG_INSECURE', [file, `adapters[${i}].webhook.secrets[${j}]`])
    })
    for (const [key, secret] of secretCredentials(a.credentials)) {
      if (published.has(secret)) throw new TongbanError('TB_CONFIG_INSECURE', [file, `adapters[${i}].credentials.${key}`])
    }
  })
}

export type { Config } from './schema.ts'
