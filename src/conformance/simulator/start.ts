// The adapter's own simulator, started for the checks as the demo would start it: its options and
// the instance that talks to it come from a configuration (the demo's by default, which pairs a
// simulator's credentials with the instance's) or else from the schema's defaults and the
// instance the simulator declares, on a free port. A simulator that calls the gateway
// is pointed at a receiver of ours that keeps every delivery for the webhook check.
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { AdapterDefinition, RunningSimulator, SimulatorDeclaration } from '../../adapter-sdk/index.ts'
import { loadConfig } from '../../config/load.ts'
import { AdapterInstance, type Config } from '../../config/schema.ts'
import { configuredSimulators } from '../../config/simulators.ts'

export interface Delivery { path: string, headers: IncomingHttpHeaders, body: Buffer }

export interface SimulatorRun {
  sim: RunningSimulator
  declaration: SimulatorDeclaration
  /** The options it was started with. */
  options: unknown
  /** The instance configuration that reaches the simulator (baseUrl pointed at it). */
  instance: AdapterInstance
  /** What the simulator posted to the gateway, in arrival order (simulators that call it). */
  deliveries: Delivery[]
  /** The configuration's towns (12-digit division codes): whose matter catalogue the checks read. */
  towns: readonly string[]
  close: () => Promise<void>
}

interface Receiver { url: string, deliveries: Delivery[], close: () => Promise<void> }

/** Where a simulator that calls the gateway delivers: every POST is kept and answered 204. */
async function startReceiver (): Promise<Receiver> {
  const deliveries: Delivery[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.method === 'POST') deliveries.push({ path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) })
      res.writeHead(req.method === 'POST' ? 204 : 404).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    deliveries,
    close: async () => { server.closeAllConnections(); await new Promise<void>((resolve) => server.close(() => { resolve() })) },
  }
}

/** The options to start with: the configuration's, on a free port when the simulator takes one. */
function simulatorOptions (adapter: AdapterDefinition, declaration: SimulatorDeclaration, config: Config | undefined): unknown {
  const configured = (config?.simulators?.[adapter.id] ?? {}) as Record<string, unknown>
  const onFreePort = declaration.options.safeParse({ ...configured, port: 0 })
  if (onFreePort.success) return onFreePort.data
  const asGiven = declaration.options.safeParse(configured)
  if (asGiven.success) return asGiven.data
  const issue = onFreePort.error.issues[0]!
  throw new Error(`the simulator's options ${config ? 'in the configuration' : 'by default'} do not do: simulators.${adapter.id}.${issue.path.join('.')}: ${issue.message}; give them under simulators.${adapter.id} in the configuration (--config)`)
}

/**
 * Starts the adapter's simulator, or says why it cannot (an Error whose message is the reason).
 * `configFile` undefined: the schema's defaults alone, and an instance without credentials.
 */
export async function startSimulatorRun (adapter: AdapterDefinition, configFile: string | undefined): Promise<SimulatorRun> {
  const declaration = adapter.simulator
  if (!declaration) throw new Error('the adapter declares no simulator')
  const config = configFile === undefined ? undefined : await loadConfig(configFile)
  const options = simulatorOptions(adapter, declaration, config)
  const configuredInstance = config?.adapters.find((a) => a.adapter === adapter.id)
  const demo = {
    towns: config?.towns.map((t) => t.code) ?? [],
    simulators: { ...Object.fromEntries((config ? configuredSimulators(config) : []).map((s) => [s.adapter.id, s.options])), [adapter.id]: options },
  }
  let receiver: Receiver | undefined
  let sim: RunningSimulator
  if (declaration.callsGateway) {
    receiver = await startReceiver()
    try {
      sim = await declaration.start(options, { ...demo, gatewayUrl: receiver.url })
    } catch (err) {
      await receiver.close()
      throw err
    }
  } else {
    sim = await declaration.start(options, demo)
  }
  const declared = declaration.instance?.(options)
  // The simulator listens where it was started (a free port): a pull reaches it at its URL, a file
  // drop where it declares its files, whatever the configuration's port.
  const reach = { baseUrl: sim.url, ...(configuredInstance?.files && declared?.files ? { files: declared.files } : {}) }
  const instance = AdapterInstance.safeParse({ ...(configuredInstance ?? { id: adapter.id, adapter: adapter.id, ...declared }), ...reach })
  if (!instance.success) {
    await sim.close()
    await receiver?.close()
    const issue = instance.error.issues[0]!
    throw new Error(`the instance the simulator declares is no instance configuration: ${issue.path.join('.')}: ${issue.message}`)
  }
  return {
    sim,
    declaration,
    options,
    instance: instance.data,
    deliveries: receiver?.deliveries ?? [],
    towns: demo.towns,
    async close () {
      await sim.close()
      await receiver?.close()
    },
  }
}
