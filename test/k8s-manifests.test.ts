// The Kubernetes manifests under deploy/k8s read as a cluster would take them (no cluster here):
// each object valid against the Kubernetes schemas (kubernetes-models: the API's OpenAPI schemas
// compiled per kind), no field the API does not know, and everything they name — environment
// variables, Secrets, probes, the image's command, adapter instances, metrics — something the
// gateway, the Dockerfile, the example configuration and the README really have.
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join, relative, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import ts from 'typescript'
import { parse, parseAllDocuments } from 'yaml'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const K8S = join(ROOT, 'deploy', 'k8s')
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8')

// Only the fields these checks read; the schemas check the rest.
interface KeyRef { name: string, key: string, optional?: boolean }
interface EnvVar { name: string, value?: string, valueFrom?: { secretKeyRef?: KeyRef, configMapKeyRef?: KeyRef } }
interface Probe { httpGet?: { path: string, port: string | number } }
interface Container {
  name: string
  image: string
  command?: string[]
  args?: string[]
  ports?: Array<{ name?: string, containerPort: number }>
  env?: EnvVar[]
  envFrom?: Array<{ secretRef?: { name: string }, configMapRef?: { name: string } }>
  volumeMounts?: Array<{ name: string, mountPath: string, readOnly?: boolean }>
  startupProbe?: Probe
  livenessProbe?: Probe
  readinessProbe?: Probe
  resources?: { requests?: Record<string, string>, limits?: Record<string, string> }
  securityContext?: { readOnlyRootFilesystem?: boolean }
}
interface PodSpec { containers: Container[], volumes?: Array<{ name: string, configMap?: { name: string, items?: Array<{ key: string }> } }> }
interface Manifest {
  apiVersion: string
  kind: string
  metadata: { name: string, labels?: Record<string, string> }
  spec?: {
    selector?: { matchLabels?: Record<string, string> } & Record<string, string>
    template?: { metadata?: { labels?: Record<string, string> }, spec: PodSpec }
    ports?: Array<{ targetPort: string | number }>
    scaleTargetRef?: { kind: string, name: string }
    metrics?: Array<{ external?: { metric: { name: string, selector?: { matchLabels?: Record<string, string> } } } }>
  }
}
interface Loaded { file: string, manifest: Manifest }

function filesUnder (dir: string, ext: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile() && e.name.endsWith(ext)).map((e) => join(e.parentPath, e.name)).sort()
}

const kustomization = parse(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8')) as {
  kind: string, resources: string[], images: Array<{ name: string, newName?: string, newTag?: string }>
}

// Every document of every file but the kustomization itself.
const loaded: Loaded[] = []
const parseErrors: string[] = []
for (const path of filesUnder(K8S, '.yaml')) {
  if (path === join(K8S, 'kustomization.yaml')) continue
  const file = relative(K8S, path)
  for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) {
    for (const e of doc.errors) parseErrors.push(`${file}: ${e.message}`)
    if (doc.contents !== null) loaded.push({ file, manifest: doc.toJS() as Manifest })
  }
}
const applied = loaded.filter((l) => kustomization.resources.includes(l.file))
const of = (kind: string): Loaded[] => loaded.filter((l) => l.manifest.kind === kind)
const label = (l: Loaded): string => `${l.file}: ${l.manifest.kind} ${l.manifest.metadata.name}`
const podsOf = (l: Loaded): PodSpec => l.manifest.spec!.template!.spec
const containers = loaded.flatMap((l) => l.manifest.spec?.template ? podsOf(l).containers.map((c) => ({ at: label(l), workload: l, c })) : [])

/** kubernetes-models' module of a kind: `apps/v1` + Deployment → kubernetes-models/apps/v1/Deployment. */
const modelModule = (m: Manifest): string => `kubernetes-models/${m.apiVersion}/${m.kind}`

t.test('every manifest parses and is listed', async (t) => {
  t.same(parseErrors, [], 'YAML without errors')
  t.equal(kustomization.kind, 'Kustomization')
  for (const resource of kustomization.resources) t.ok(existsSync(join(K8S, resource)), `kustomization.yaml: ${resource} exists`)
  // The autoscaler is an example (it needs a metrics adapter); everything else is applied.
  const unlisted = [...new Set(loaded.map((l) => l.file))].filter((f) => !kustomization.resources.includes(f))
  t.same(unlisted, ['autoscaling/worker-household-registration.yaml'], 'only the examples are left out of kustomization.yaml')
  t.same([...new Set(applied.map((l) => l.manifest.kind))].sort(), ['Deployment', 'Job', 'PodDisruptionBudget', 'Service', 'ServiceAccount'])
  const names = loaded.map((l) => `${l.manifest.kind}/${l.manifest.metadata.name}`)
  t.equal(new Set(names).size, names.length, 'no two objects of a kind share a name')
})

t.test('every object is valid against the Kubernetes schemas', async (t) => {
  for (const l of loaded) {
    const module = await import(modelModule(l.manifest)) as Record<string, new (data: unknown) => { validate: () => void }>
    const Model = module[l.manifest.kind]
    if (!Model) { t.fail(`${label(l)}: no schema for ${l.manifest.apiVersion} ${l.manifest.kind}`); continue }
    try {
      new Model(l.manifest).validate()
      t.pass(label(l))
    } catch (err) {
      t.fail(`${label(l)}: ${(err as Error).message}`)
    }
  }
})

// The OpenAPI schemas let unknown fields through, as the API server does (it drops them): a typo
// such as `livenesProbe` would pass, and the pod would run without its probe. The package's
// TypeScript declarations of the same schemas are closed, so each object, written out as an object
// literal of its kind's type, shows any field the API does not know (kubeconform's -strict).
t.test('no field the Kubernetes API does not know', async (t) => {
  const file = join(ROOT, 'test', '.k8s-manifests-strict.ts')
  const lines = loaded.map((l, i) => `import type { I${l.manifest.kind} as T${i} } from '${modelModule(l.manifest)}'`)
  const first = lines.length
  lines.push(...loaded.map((l, i) => `export const m${i}: T${i} = ${JSON.stringify(l.manifest)}`))
  const source = lines.join('\n')
  const options: ts.CompilerOptions = {
    strict: true, noEmit: true, skipLibCheck: true, types: [], lib: ['lib.es5.d.ts'],
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
  }
  const host = ts.createCompilerHost(options)
  const { getSourceFile, fileExists } = host
  host.getSourceFile = (name, language, ...rest) => name === file ? ts.createSourceFile(name, source, language) : getSourceFile.call(host, name, language, ...rest)
  host.fileExists = (name) => name === file || fileExists.call(host, name)
  const program = ts.createProgram([file], options, host)
  const problems = [...program.getOptionsDiagnostics(), ...program.getSemanticDiagnostics(program.getSourceFile(file))].map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1
    const l = loaded[line - first]
    return `${l ? label(l) : 'the imports'}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`
  })
  t.same(problems, [], 'every field is one of its kind')
})

t.test('the image and its command are the Dockerfile\'s', async (t) => {
  const dockerfile = read('Dockerfile')
  const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)![1]!) as string[]
  t.same(entrypoint.slice(-2), ['node', 'bin/tongban.js'], 'the Dockerfile\'s ENTRYPOINT runs bin/tongban.js')
  const { version } = JSON.parse(read('package.json')) as { version: string }
  const image = kustomization.images.find((i) => i.name === 'tongban')
  t.equal(image?.newTag, version, 'kustomization.yaml sets the image to this version')
  const main = read('src/cli/main.ts')
  for (const { at, c } of containers) {
    t.equal(c.image, `tongban:${version}`, `${at}: the image kustomization.yaml replaces`)
    // `command` would replace the ENTRYPOINT, and with it tini, which passes SIGTERM on to node.
    t.notOk(c.command, `${at}: keeps the image's ENTRYPOINT`)
    const sub = c.args?.[0]
    t.ok(sub && main.includes(`case '${sub}':`), `${at}: \`tongban ${sub ?? ''}\` is a command`)
  }
})

// --role <role> as the CLI lists it ("start --role api|worker|scheduler|all").
const ROLES = /--role\s+([a-z]+(?:\|[a-z]+)+)/.exec(read('src/cli/main.ts'))?.[1]?.split('|') ?? []

t.test('one Deployment per role, and per adapter instance of the example configuration', async (t) => {
  t.ok(ROLES.includes('api') && ROLES.includes('worker') && ROLES.includes('scheduler'), `the CLI's roles: ${ROLES.join(', ')}`)
  const byRole = new Map<string, string[]>()
  for (const l of of('Deployment')) {
    const args = podsOf(l).containers[0]!.args ?? []
    t.equal(args[0], 'start', `${label(l)}: tongban start`)
    const role = args[args.indexOf('--role') + 1] ?? ''
    t.ok(ROLES.includes(role) && role !== 'all', `${label(l)}: one role, ${role}`)
    t.equal(l.manifest.metadata.labels?.['app.kubernetes.io/component'], role, `${label(l)}: labelled by its role`)
    const adapters = args.filter((_a, i) => args[i - 1] === '--adapter')
    if (role === 'worker') t.equal(adapters.length, 1, `${label(l)}: the workers of one adapter instance`)
    byRole.set(role, [...byRole.get(role) ?? [], ...adapters])
  }
  t.same(byRole.get('api'), [], 'an api Deployment')
  t.same(byRole.get('scheduler'), [], 'a scheduler Deployment')

  const example = parse(read('config/example.yaml')) as { adapters: Array<{ id: string, enabled?: boolean }> }
  const instances = example.adapters.filter((a) => a.enabled !== false).map((a) => a.id).sort()
  t.same(byRole.get('worker')?.sort(), instances, 'a worker Deployment for each instance of config/example.yaml')

  // The worker files are copies of one another but for the instance's id: they do not drift apart.
  const workers = loaded.filter((l) => l.file.startsWith('worker-'))
  const [model, ...copies] = workers
  const modelId = model!.file.replace(/^worker-|\.yaml$/g, '')
  for (const copy of copies) {
    const id = copy.file.replace(/^worker-|\.yaml$/g, '')
    const same = loaded.filter((l) => l.file === model!.file).map((l) => JSON.stringify(l.manifest).replaceAll(modelId, id))
    t.same(loaded.filter((l) => l.file === copy.file).map((l) => JSON.stringify(l.manifest)), same, `${copy.file} is ${model!.file} for ${id}`)
  }
})

t.test('every variable they set is one the gateway reads, secrets only from Secrets', async (t) => {
  const settings = read('src/runtime/settings.ts')
  const envKeys = new Set([.../const Env = z\.object\(\{([\s\S]*?)\n\}\)/.exec(settings)![1]!.matchAll(/^\s+([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]!))
  const src = filesUnder(join(ROOT, 'src'), '.ts').map((f) => readFileSync(f, 'utf8')).join('\n')
  // Beyond settings.ts: a constant naming the variable, process.env.NAME, or a key of another
  // environment schema (src/telemetry reads OTEL_*).
  const reads = (name: string): boolean => envKeys.has(name) || src.includes(`'${name}'`) || src.includes(`process.env.${name}`) || new RegExp(`^\\s+${name}: [A-Za-z]+[.(]`, 'm').test(src)
  for (const { at, c } of containers) {
    for (const e of c.env ?? []) {
      t.ok(reads(e.name), `${at}: ${e.name} is read by the gateway (src/runtime/settings.ts)`)
      if (/PASSWORD|SECRET|TOKEN|KEY|_URL$/.test(e.name)) t.ok(e.valueFrom?.secretKeyRef && e.value === undefined, `${at}: ${e.name} comes from a Secret`)
    }
  }
  t.ok(envKeys.has('DATABASE_URL') && envKeys.has('REDIS_URL'), 'settings.ts read as expected')
})

t.test('every Secret they name is documented in the README', async (t) => {
  const readme = read('README.md')
  const section = /\n## Kubernetes\n([\s\S]*?)(?=\n## )/.exec(readme)?.[1] ?? ''
  t.ok(section, 'README has a "Kubernetes" section')
  // | `tongban` | `DATABASE_URL` | required or optional | … |
  const rows = new Map([...section.matchAll(/^\| `([a-z0-9-]+)` \| `([A-Z0-9_]+)` \| (required|optional)\b/gm)].map((m) => [`${m[1]}/${m[2]}`, m[3]]))
  const refs = new Map<string, boolean>()
  for (const { at, c } of containers) {
    for (const e of c.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef
      if (!ref) continue
      const key = `${ref.name}/${ref.key}`
      t.equal(rows.get(key), ref.optional ? 'optional' : 'required', `${at}: Secret ${ref.name}, key ${ref.key} is documented as ${ref.optional ? 'optional' : 'required'}`)
      refs.set(key, true)
    }
    for (const from of c.envFrom ?? []) {
      t.notOk(from.configMapRef, `${at}: no environment from a ConfigMap`)
      if (from.secretRef) t.match(section, `kubectl -n tongban create secret generic ${from.secretRef.name} `, `${at}: how to create ${from.secretRef.name}`)
    }
  }
  t.same([...rows.keys()].filter((k) => !refs.has(k)), [], 'every documented key is used')
  // The departments' Secret holds what the configuration names as ${NAME}: the example's, in the README's command.
  const example = read('config/example.yaml').split('\n').filter((l) => !/^\s*#/.test(l)).join('\n')
  const names = [...new Set([...example.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!))]
  t.ok(names.length > 0, 'the example configuration names secrets')
  const departments = /kubectl -n tongban create secret generic tongban-departments [\s\S]*?\n\n/.exec(section)?.[0] ?? ''
  for (const name of names) t.match(departments, `${name}=`, `the README's tongban-departments has ${name}`)
  t.match(section, 'kubectl -n tongban create configmap tongban-config --from-file=town.yaml=', 'how to create the ConfigMap')
  for (const { at, c } of containers) {
    for (const e of c.env ?? []) {
      const ref = e.valueFrom?.configMapKeyRef
      if (!ref) continue
      t.equal(ref.name, 'tongban-config', `${at}: ${e.name} from the ConfigMap tongban-config`)
      t.ok(ref.optional, `${at}: ${e.name} is optional (the README's command makes town.yaml only)`)
      t.match(section, `--from-literal=${ref.key}=`, `${at}: how to set ${ref.key}`)
    }
  }
})

t.test('probes, ports, volumes and resources', async (t) => {
  const dockerfile = read('Dockerfile')
  const env = Object.fromEntries([.../^ENV (.*)$/m.exec(dockerfile)![1]!.matchAll(/([A-Z_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]))
  const health = read('src/server/health.ts')
  const routeExists = (path: string): boolean => health.includes(`.get('${path}'`)
  for (const l of of('Deployment')) {
    const c = podsOf(l).containers[0]!
    const at = label(l)
    const ports = new Map((c.ports ?? []).map((p) => [p.name, p.containerPort]))
    t.same([...ports.values()], [Number(env.PORT)], `${at}: the port the image listens on (PORT=${env.PORT})`)
    for (const [kind, path] of [['startupProbe', '/livez'], ['livenessProbe', '/livez'], ['readinessProbe', '/readyz']] as const) {
      const get = c[kind]?.httpGet
      t.equal(get?.path, path, `${at}: ${kind} asks ${path}`)
      t.ok(routeExists(path), `${path} is a route (src/server/health.ts)`)
      t.ok(get && (typeof get.port === 'number' ? [...ports.values()].includes(get.port) : ports.has(get.port)), `${at}: ${kind} names its port`)
    }
    // The selector picks the template's pods, and a PodDisruptionBudget guards them.
    const podLabels = l.manifest.spec!.template!.metadata!.labels!
    const selects = (selector: Record<string, string> | undefined): boolean => !!selector && Object.entries(selector).every(([k, v]) => podLabels[k] === v)
    t.ok(selects(l.manifest.spec!.selector!.matchLabels), `${at}: its selector matches its pods`)
    t.equal(of('PodDisruptionBudget').filter((p) => selects(p.manifest.spec!.selector!.matchLabels)).length, 1, `${at}: one PodDisruptionBudget`)
  }
  for (const s of of('Service')) {
    const pods = of('Deployment').filter((d) => Object.entries(s.manifest.spec!.selector!).every(([k, v]) => d.manifest.spec!.template!.metadata!.labels![k] === v))
    t.same(pods.map((d) => d.manifest.metadata.name), ['tongban-api'], `${label(s)} sends to the api`)
    for (const p of s.manifest.spec!.ports!) t.ok(pods[0] && podsOf(pods[0]).containers[0]!.ports!.some((cp) => cp.name === p.targetPort || cp.containerPort === p.targetPort), `${label(s)}: port ${p.targetPort} exists`)
  }
  for (const { at, workload, c } of containers) {
    for (const what of ['requests', 'limits'] as const) t.ok(c.resources?.[what]?.cpu && c.resources[what].memory, `${at}: cpu and memory ${what}`)
    const mounts = new Map((c.volumeMounts ?? []).map((m) => [m.mountPath, m]))
    // A read-only root: the data directory and /tmp are volumes.
    t.ok(c.securityContext?.readOnlyRootFilesystem && mounts.has(env.TONGBAN_DATA_DIR!) && mounts.has('/tmp'), `${at}: read-only root, ${env.TONGBAN_DATA_DIR} and /tmp writable`)
    const config = c.env?.find((e) => e.name === 'TONGBAN_CONFIG')?.value
    if (workload.manifest.kind === 'Job') continue
    t.ok(config, `${at}: TONGBAN_CONFIG`)
    const mount = mounts.get(dirname(config ?? ''))
    const volume = podsOf(workload).volumes?.find((v) => v.name === mount?.name)
    t.ok(mount?.readOnly && volume?.configMap?.name === 'tongban-config' && volume.configMap.items?.some((i) => `${mount.mountPath}/${i.key}` === config), `${at}: ${config ?? 'the configuration'} is the ConfigMap tongban-config's town.yaml, read-only`)
  }
})

t.test('the autoscaler example scales a worker on a metric the gateway exports', async (t) => {
  const metrics = read('src/metrics.ts')
  for (const l of of('HorizontalPodAutoscaler')) {
    const target = l.manifest.spec!.scaleTargetRef!
    t.ok(of(target.kind).some((d) => d.manifest.metadata.name === target.name), `${label(l)}: ${target.kind} ${target.name} exists`)
    for (const m of l.manifest.spec!.metrics!) {
      const name = m.external!.metric.name
      const declared = new RegExp(`name: '${name}'[^\\n]*labelNames: \\[([^\\]]*)\\]`).exec(metrics)
      t.ok(declared, `${label(l)}: ${name} is a metric (src/metrics.ts)`)
      for (const k of Object.keys(m.external!.metric.selector?.matchLabels ?? {})) t.ok(declared?.[1]?.includes(`'${k}'`), `${label(l)}: ${name} has the label ${k}`)
    }
  }
})
