// seedStaff[].accounts: the department accounts a seeded staff member acts as go into the vault at
// start (sealed, as one mapped through the API would be), once: a mapping made since is kept.
import t from 'tap'
import { startGateway } from '../src/runtime/gateway.ts'
import { Config } from '../src/config/schema.ts'
import { findStaff } from '../src/auth/staff.ts'
import { getStaffAccount, putStaffAccount } from '../src/vault/credentials.ts'
import { DEMO_SECRET, captureLogger, freshRedis, tempDir } from './helpers.ts'

t.test("a seeded staff member's department account is put into the vault once", async (t) => {
  const dataDir = await tempDir(t)
  const redisUrl = await freshRedis(t, 10)
  const config = Config.parse({
    towns: [{ code: '320412120000', name: '武进区湟里镇' }],
    adapters: [{ id: 'household-registration', adapter: 'household-registration', webhook: { secrets: [DEMO_SECRET] } }],
    seedStaff: [{
      username: 'window', name: '王芳', town: '320412120000', roles: ['window-staff'], password: 'Seed-Accounts-2026',
      accounts: [{ adapter: 'household-registration', username: 'hr_czy01', password: 'Operator-Pass-1' }],
    }],
  })
  const settings = { port: 0, host: '127.0.0.1', dataDir, configPath: '(test)', redisUrl, databaseUrl: undefined, adminToken: 'test-admin-token-0123456789' }
  const start = async () => await startGateway(settings, { config, logger: captureLogger().logger })

  const first = await start()
  const { db, vault } = first.platform
  const staff = (await findStaff(db, 'window'))!
  t.same(await getStaffAccount(db, vault!, staff.id, 'household-registration'), { username: 'hr_czy01', password: 'Operator-Pass-1' }, 'mapped and sealed at start')
  const { rows } = await db.query<{ password: Uint8Array }>('SELECT password FROM staff_accounts WHERE staff_id = $1', [staff.id])
  t.notOk(Buffer.from(rows[0]!.password).includes('Operator-Pass-1'), 'the password is not kept in clear')
  await putStaffAccount(db, vault!, { staffId: staff.id, adapter: 'household-registration', username: 'hr_czy02', password: 'Changed-Since-2' })
  await first.stop()

  const second = await start()
  t.teardown(second.stop)
  t.same(await getStaffAccount(second.platform.db, second.platform.vault!, staff.id, 'household-registration'), { username: 'hr_czy02', password: 'Changed-Since-2' }, 'a mapping made since is kept on the next start')
})

t.test('an account for an instance the configuration lacks is refused when the configuration is read', async (t) => {
  const parsed = Config.safeParse({
    towns: [{ code: '320412120000', name: '武进区湟里镇' }],
    adapters: [],
    seedStaff: [{ username: 'window', name: '王芳', town: '320412120000', roles: ['window-staff'], password: 'Seed-Accounts-2026', accounts: [{ adapter: 'civil-affairs', username: 'x', password: 'y' }] }],
  })
  t.notOk(parsed.success)
  t.match(parsed.error?.issues[0], { path: ['seedStaff', 0, 'accounts', 0, 'adapter'], message: 'no adapter instance "civil-affairs"' })
})
