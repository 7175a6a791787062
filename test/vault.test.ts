// The credential vault: sealed boxes in both algorithms and every way of tampering with them, the
// master key's sources, and the stores on PGlite and PostgreSQL — no plaintext in any column, no
// box opening in another row, rotation leaving the old keys unable to open anything.
import t, { type Test } from 'tap'
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { isTongbanError } from '../src/errors.ts'
import type { Db } from '../src/store/db.ts'
import { readHeader, seal, unseal, VAULT_ALGORITHMS } from '../src/vault/envelope.ts'
import { loadMasterKey, MASTER_KEY_ENV, newMasterKeyText, parseMasterKey, type MasterKey } from '../src/vault/master-key.ts'
import { createVault, rotateVault, SEALED_COLUMNS, secretRef } from '../src/vault/vault.ts'
import {
  deleteServiceCredentials, deleteStaffAccount, getServiceCredentials, getStaffAccount, listStaffAccounts, putServiceCredentials, putStaffAccount,
} from '../src/vault/credentials.ts'
import { vaultStatus } from '../src/vault/status.ts'
import { stores, tempDir } from './helpers.ts'

/** Expects a TongbanError with `code` whose message, details and stack name none of `secrets`. */
async function failsWith (t: Test, fn: () => unknown, code: string, secrets: readonly string[] = []): Promise<void> {
  try {
    await fn()
  } catch (err) {
    t.ok(isTongbanError(err), `a TongbanError (${String(err)})`)
    t.equal((err as { code?: string }).code, code)
    const text = `${(err as Error).message}\n${JSON.stringify(err)}\n${(err as Error).stack ?? ''}`
    for (const secret of secrets) t.notOk(text.includes(secret), 'the error does not contain the secret')
    return
  }
  t.fail(`expected ${code}, nothing was thrown`)
}

const masterKey = (): MasterKey => parseMasterKey(newMasterKeyText(), 'test')
const flip = (box: Buffer, at: number): Buffer => { const copy = Buffer.from(box); copy[at]! ^= 0x01; return copy }

t.test('envelope', async (t) => {
  const aad = Buffer.from('["staff_accounts","password","42","household-registration"]')
  for (const algorithm of VAULT_ALGORITHMS) {
    t.test(algorithm, async (t) => {
      const key = randomBytes(32)
      const [nonce, tag] = algorithm === 'aes-256-gcm' ? [12, 16] : [16, 32]

      for (const plaintext of [Buffer.alloc(0), Buffer.from('hunter2 口令 🔑'), randomBytes(70_000)]) {
        const box = seal(algorithm, key, 7, plaintext, aad)
        t.equal(box.length, 6 + nonce + plaintext.length + tag, `${plaintext.length} bytes: header, nonce, ciphertext, tag`)
        t.same(readHeader(box, 'x'), { algorithm, keyId: 7 }, 'the header names algorithm and key')
        t.ok(unseal(key, box, aad, 'x').equals(plaintext), `${plaintext.length} bytes round trip`)
      }
      const secret = 'hunter2-secret-口令'
      const box = seal(algorithm, key, 7, Buffer.from(secret), aad)
      t.notOk(box.includes(Buffer.from(secret)), 'the box does not contain the plaintext')
      t.notOk(seal(algorithm, key, 7, Buffer.from(secret), aad).equals(box), 'a fresh nonce every time')

      await failsWith(t, () => unseal(key, flip(box, 0), aad, 'x'), 'TB_VAULT_CIPHERTEXT_INVALID', [secret])
      await failsWith(t, () => unseal(key, flip(box, 1), aad, 'x'), 'TB_VAULT_CIPHERTEXT_INVALID', [secret])
      await failsWith(t, () => unseal(key, flip(box, 5), aad, 'x'), 'TB_VAULT_DECRYPT_FAILED', [secret]) // key id: authenticated
      await failsWith(t, () => unseal(key, flip(box, 6), aad, 'x'), 'TB_VAULT_DECRYPT_FAILED', [secret]) // nonce
      await failsWith(t, () => unseal(key, flip(box, 6 + nonce), aad, 'x'), 'TB_VAULT_DECRYPT_FAILED', [secret]) // ciphertext
      await failsWith(t, () => unseal(key, flip(box, box.length - 1), aad, 'x'), 'TB_VAULT_DECRYPT_FAILED', [secret]) // tag
      await failsWith(t, () => unseal(key, box.subarray(0, box.length - 1), aad, 'x'), 'TB_VAULT_DECRYPT_FAILED', [secret])
      await failsWith(t, () => unseal(key, box.subarray(0, 5), aad, 'x'), 'TB_VAULT_CIPHERTEXT_INVALID', [secret])
      await failsWith(t, () => unseal(key, box, Buffer.from('["staff_accounts","password","43","household-registration"]'), 'x'), 'TB_VAULT_DECRYPT_FAILED', [secret])
      await failsWith(t, () => unseal(randomBytes(32), box, aad, 'x'), 'TB_VAULT_DECRYPT_FAILED', [secret])
      // Relabelled as the other algorithm (a downgrade): the header is authenticated by either.
      const relabelled = Buffer.from(box)
      relabelled[1] = algorithm === 'aes-256-gcm' ? 2 : 1
      await failsWith(t, () => unseal(key, relabelled, aad, 'x'), 'TB_VAULT_DECRYPT_FAILED', [secret])
    })
  }

  t.test('sm4 is SM4-CTR then HMAC-SM3 over header, IV, AAD length, AAD and ciphertext, keys by HKDF-SM3', async (t) => {
    const key = randomBytes(32)
    const box = seal('sm4', key, 3, Buffer.from('service secret'), aad)
    const okm = Buffer.from(hkdfSync('sm3', key, Buffer.alloc(0), 'tongban vault sm4-ctr+hmac-sm3 v1', 48))
    const [head, iv, ciphertext, tag] = [box.subarray(0, 6), box.subarray(6, 22), box.subarray(22, box.length - 32), box.subarray(box.length - 32)]
    const aadLength = Buffer.alloc(4)
    aadLength.writeUInt32BE(aad.length)
    t.ok(createHmac('sm3', okm.subarray(16)).update(Buffer.concat([head, iv, aadLength, aad, ciphertext])).digest().equals(tag), 'the tag is that HMAC-SM3')
    const decipher = createDecipheriv('sm4-ctr', okm.subarray(0, 16), iv)
    t.equal(Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString(), 'service secret')
  })

  t.test('SM4 underneath matches the published vector (SM3 and HMAC-SM3: crypto.test.ts)', async (t) => {
    // GB/T 32907-2016 appendix A, example 1 (key and plaintext 0123456789abcdeffedcba9876543210).
    const k = Buffer.from('0123456789abcdeffedcba9876543210', 'hex')
    const ecb = createCipheriv('sm4-ecb', k, null).setAutoPadding(false)
    t.equal(Buffer.concat([ecb.update(k), ecb.final()]).toString('hex'), '681edf34d206965e86b3e94f536e4246', 'SM4 block')
    // CTR's first keystream block is the encrypted counter: the same block through sm4-ctr.
    const ctr = createCipheriv('sm4-ctr', k, k)
    t.equal(ctr.update(Buffer.alloc(16)).toString('hex'), '681edf34d206965e86b3e94f536e4246', 'SM4-CTR keystream')
  })
})

t.test('master key', async (t) => {
  const text = newMasterKeyText()

  t.test('from TONGBAN_MASTER_KEY', async (t) => {
    const key = await loadMasterKey({ dataDir: '/nonexistent', databaseUrl: 'postgres://x/y' }, { [MASTER_KEY_ENV]: ` ${text}\n` })
    t.equal(key.key.toString('base64'), text)
    t.equal(key.source, MASTER_KEY_ENV)
    t.match(key.id, /^[0-9a-f]{16}$/, 'a fingerprint id')
    t.equal(parseMasterKey(text, 'again').id, key.id, 'the id is stable')
    t.notOk(text.includes(key.id), 'the id is not part of the key')
    t.equal(key.generated, undefined)
  })

  t.test('wrong encoding or length, and the value never in the message', async (t) => {
    const env = (v: string) => ({ [MASTER_KEY_ENV]: v })
    const settings = { dataDir: '/nonexistent', databaseUrl: undefined }
    const notBase64 = 'correct-horse-battery-staple-correct-horse-ok'
    await failsWith(t, () => loadMasterKey(settings, env(notBase64)), 'TB_MASTER_KEY_INVALID', [notBase64])
    const base64url = randomBytes(32).toString('base64url')
    await failsWith(t, () => loadMasterKey(settings, env(base64url.replace(/^./, '-'))), 'TB_MASTER_KEY_INVALID', [base64url.slice(1)])
    const short = randomBytes(16).toString('base64')
    await failsWith(t, () => loadMasterKey(settings, env(short)), 'TB_MASTER_KEY_INVALID', [short])
    const long = randomBytes(48).toString('base64')
    await failsWith(t, () => loadMasterKey(settings, env(long)), 'TB_MASTER_KEY_INVALID', [long])
    try {
      parseMasterKey(short, MASTER_KEY_ENV)
    } catch (err) {
      t.match((err as Error).message, /TONGBAN_MASTER_KEY must be 32 bytes in base64.*decodes to 16 bytes/, 'says where and what is wrong')
    }
  })

  t.test('with DATABASE_URL and no key: refused, naming the variable', async (t) => {
    const dataDir = await tempDir(t)
    await failsWith(t, () => loadMasterKey({ dataDir, databaseUrl: 'postgres://db/tongban' }, {}), 'TB_MASTER_KEY_MISSING')
    await failsWith(t, () => loadMasterKey({ dataDir, databaseUrl: 'postgres://db/tongban' }, { [MASTER_KEY_ENV]: '' }), 'TB_MASTER_KEY_MISSING')
    await t.rejects(loadMasterKey({ dataDir, databaseUrl: 'postgres://db/tongban' }, {}), /TONGBAN_MASTER_KEY is not set/)
    await t.rejects(stat(join(dataDir, 'master-key')), { code: 'ENOENT' }, 'nothing generated')
  })

  t.test('embedded default: generated once into <data dir>/master-key, mode 0600', async (t) => {
    const dataDir = join(await tempDir(t), 'var')
    const settings = { dataDir, databaseUrl: undefined }
    const first = await loadMasterKey(settings, {})
    const file = join(dataDir, 'master-key')
    t.equal(first.generated, file, 'says it generated the key, and where')
    t.equal(first.source, file)
    t.equal((await stat(file)).mode & 0o777, 0o600)
    t.equal((await readFile(file, 'utf8')).trim(), first.key.toString('base64'))
    const second = await loadMasterKey(settings, {})
    t.equal(second.id, first.id, 'the same key next time')
    t.equal(second.generated, undefined, 'and it is not reported again')
    const fromEnv = await loadMasterKey(settings, { [MASTER_KEY_ENV]: text })
    t.equal(fromEnv.key.toString('base64'), text, 'TONGBAN_MASTER_KEY wins over the file')
    await writeFile(file, 'garbage\n')
    await failsWith(t, () => loadMasterKey(settings, {}), 'TB_MASTER_KEY_INVALID', ['garbage'])
  })

  t.test('processes starting together generate one key', async (t) => {
    const settings = { dataDir: await tempDir(t), databaseUrl: undefined }
    const keys = await Promise.all(Array.from({ length: 8 }, async () => await loadMasterKey(settings, {})))
    t.equal(new Set(keys.map((k) => k.id)).size, 1, 'all got the same key')
    t.equal(keys.filter((k) => k.generated).length, 1, 'one generated it')
  })
})

// ------------------------------------------------------------------------------------------
// the stores

const VAULT_TABLES = ['vault_keys', 'department_credentials', 'staff_accounts']

/** Every text, varchar, bytea and jsonb column of the schema's tables that contains `needle`. */
async function columnsContaining (db: Db, needle: string): Promise<{ scanned: string[], found: string[] }> {
  const { rows } = await db.query<{ table_name: string, column_name: string, data_type: string }>(
    `SELECT table_name, column_name, data_type FROM information_schema.columns
     WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'bytea', 'jsonb')`)
  const scanned: string[] = []
  const found: string[] = []
  for (const { table_name: table, column_name: column, data_type: type } of rows) {
    const match = type === 'bytea' ? `position(convert_to($1, 'UTF8') in "${column}") > 0` : `strpos("${column}"::text, $1) > 0`
    const { rows: hits } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}" WHERE ${match}`, [needle])
    scanned.push(`${table}.${column}`)
    if (hits[0]!.n > 0) found.push(`${table}.${column}`)
  }
  return { scanned, found }
}

for (const store of ['pglite', 'postgres'] as const) {
  t.test(`vault on ${store}`, async (t) => {
    const { db } = await stores[store](t)
    const m1 = masterKey()
    const aes = createVault({ masterKey: m1 })
    const APP_SECRET = 'app-secret-Zq8#口令-0001'
    const PASSWORD = 'window-staff-pw-Xy7!-0002'

    t.test('service credentials: stored, read, replaced, deleted', async (t) => {
      t.equal(await getServiceCredentials(db, aes, 'market-regulation'), undefined, 'none yet')
      await putServiceCredentials(db, aes, 'market-regulation', { appKey: 'mr-app', appSecret: APP_SECRET })
      t.same(await getServiceCredentials(db, aes, 'market-regulation'), { appKey: 'mr-app', appSecret: APP_SECRET })
      await putServiceCredentials(db, aes, 'market-regulation', { appKey: 'mr-app', appSecret: `${APP_SECRET}-new` })
      t.same(await getServiceCredentials(db, aes, 'market-regulation'), { appKey: 'mr-app', appSecret: `${APP_SECRET}-new` })
      await putServiceCredentials(db, aes, 'market-regulation', { appKey: 'mr-app', appSecret: APP_SECRET })
      await putServiceCredentials(db, aes, 'civil-affairs', { token: 'temporary' })
      t.equal(await deleteServiceCredentials(db, 'civil-affairs'), true)
      t.equal(await deleteServiceCredentials(db, 'civil-affairs'), false)
    })

    t.test('staff accounts: stored, read, listed without secrets, deleted', async (t) => {
      await putStaffAccount(db, aes, { staffId: 42, adapter: 'household-registration', username: 'hl_zhangsan', password: PASSWORD })
      await putStaffAccount(db, aes, { staffId: 42, adapter: 'market-regulation', username: 'zhangsan@scjg', password: null })
      await putStaffAccount(db, aes, { staffId: 43, adapter: 'household-registration', username: 'hl_lisi', password: `${PASSWORD}-lisi` })
      t.same(await getStaffAccount(db, aes, 42, 'household-registration'), { username: 'hl_zhangsan', password: PASSWORD })
      t.same(await getStaffAccount(db, aes, 42, 'market-regulation'), { username: 'zhangsan@scjg', password: null })
      t.equal(await getStaffAccount(db, aes, 44, 'household-registration'), undefined)

      const all = await listStaffAccounts(db)
      t.same(all.map((a) => [a.staffId, a.adapter, a.username, a.hasPassword]), [
        [42, 'household-registration', 'hl_zhangsan', true],
        [42, 'market-regulation', 'zhangsan@scjg', false],
        [43, 'household-registration', 'hl_lisi', true],
      ])
      t.notOk(JSON.stringify(all).includes(PASSWORD), 'the listing carries no password')
      t.same((await listStaffAccounts(db, { staffId: 42 })).map((a) => a.adapter), ['household-registration', 'market-regulation'])
      t.same((await listStaffAccounts(db, { adapter: 'household-registration' })).map((a) => a.staffId), [42, 43])

      await putStaffAccount(db, aes, { staffId: 50, adapter: 'household-registration', username: 'gone', password: 'gone-pw' })
      t.equal(await deleteStaffAccount(db, 50, 'household-registration'), true)
      t.equal(await deleteStaffAccount(db, 50, 'household-registration'), false)
      t.equal(await getStaffAccount(db, aes, 50, 'household-registration'), undefined)
    })

    t.test('no plaintext secret anywhere in the database', async (t) => {
      for (const secret of [APP_SECRET, PASSWORD, `${PASSWORD}-lisi`, m1.key.toString('base64'), m1.key.toString('hex')]) {
        const { scanned, found } = await columnsContaining(db, secret)
        for (const table of VAULT_TABLES) t.ok(scanned.some((c) => c.startsWith(`${table}.`)), `${table} scanned`)
        t.same(found, [], 'found in no column')
      }
      // The scan would see one: the department user name is stored as it is, on purpose.
      t.same((await columnsContaining(db, 'hl_zhangsan')).found, ['staff_accounts.username'], 'the scan finds what is there')
    })

    t.test('a box opens only in its own row', async (t) => {
      await db.query(`UPDATE staff_accounts SET password = (SELECT password FROM staff_accounts WHERE staff_id = 43)
                      WHERE staff_id = 42 AND adapter = 'household-registration'`)
      await failsWith(t, () => getStaffAccount(db, aes, 42, 'household-registration'), 'TB_VAULT_DECRYPT_FAILED', [PASSWORD])
      await db.query(`UPDATE department_credentials SET credentials = (SELECT password FROM staff_accounts WHERE staff_id = 43)
                      WHERE adapter = 'market-regulation'`)
      await failsWith(t, () => getServiceCredentials(db, aes, 'market-regulation'), 'TB_VAULT_DECRYPT_FAILED', [PASSWORD, APP_SECRET])
      await db.query(`UPDATE department_credentials SET credentials = set_byte(credentials, 20, get_byte(credentials, 20) # 1)`)
      await failsWith(t, () => getServiceCredentials(db, aes, 'market-regulation'), 'TB_VAULT_DECRYPT_FAILED', [APP_SECRET])
      await putStaffAccount(db, aes, { staffId: 42, adapter: 'household-registration', username: 'hl_zhangsan', password: PASSWORD })
      await putServiceCredentials(db, aes, 'market-regulation', { appKey: 'mr-app', appSecret: APP_SECRET })
    })

    t.test('the wrong master key, or an altered data key, opens nothing', async (t) => {
      const other = createVault({ masterKey: masterKey() })
      await failsWith(t, () => getStaffAccount(db, other, 42, 'household-registration'), 'TB_VAULT_MASTER_KEY_MISMATCH', [PASSWORD])
      await failsWith(t, () => putStaffAccount(db, other, { staffId: 60, adapter: 'x', username: 'u', password: 'p-60' }), 'TB_VAULT_MASTER_KEY_MISMATCH')
      const { rows: [key] } = await db.query<{ wrapped_key: Uint8Array }>('SELECT wrapped_key FROM vault_keys WHERE retired_at IS NULL')
      await db.query('UPDATE vault_keys SET wrapped_key = set_byte(wrapped_key, 30, get_byte(wrapped_key, 30) # 1) WHERE retired_at IS NULL')
      await failsWith(t, () => getStaffAccount(db, aes, 42, 'household-registration'), 'TB_VAULT_DECRYPT_FAILED', [PASSWORD])
      await db.query('UPDATE vault_keys SET wrapped_key = $1 WHERE retired_at IS NULL', [key!.wrapped_key])
      t.same(await getStaffAccount(db, aes, 42, 'household-registration'), { username: 'hl_zhangsan', password: PASSWORD })
    })

    const m2 = masterKey()
    const sm4 = createVault({ masterKey: m2, algorithm: 'sm4' })

    t.test('rotation to a new master key and SM4', async (t) => {
      const before = await vaultStatus(db)
      t.equal(before.keys.length, 1)
      t.same(before.secrets.map((s) => [s.table, s.keyId, s.algorithm, s.count]), [
        ['department_credentials', 1, 'aes-256-gcm', 1], ['staff_accounts', 1, 'aes-256-gcm', 2],
      ])
      const { rows: [old] } = await db.query<{ password: Uint8Array }>(`SELECT password FROM staff_accounts WHERE staff_id = 42 AND adapter = 'household-registration'`)

      const wrong = createVault({ masterKey: masterKey() })
      await failsWith(t, () => rotateVault(db, wrong, wrong), 'TB_VAULT_MASTER_KEY_MISMATCH')
      t.same(await vaultStatus(db), before, 'a failed rotation changes nothing')

      const rotation = await rotateVault(db, aes, sm4)
      t.same(rotation, { retiredKeyIds: [1], keyId: 2, algorithm: 'sm4', masterKeyId: m2.id, secrets: { department_credentials: 1, staff_accounts: 2, staff: 0, audit_keys: 0 } })

      t.same(await getServiceCredentials(db, sm4, 'market-regulation'), { appKey: 'mr-app', appSecret: APP_SECRET }, 'every secret opens under the new keys')
      t.same(await getStaffAccount(db, sm4, 42, 'household-registration'), { username: 'hl_zhangsan', password: PASSWORD })
      t.same(await getStaffAccount(db, sm4, 43, 'household-registration'), { username: 'hl_lisi', password: `${PASSWORD}-lisi` })
      t.same(await getStaffAccount(db, sm4, 42, 'market-regulation'), { username: 'zhangsan@scjg', password: null })

      const after = await vaultStatus(db)
      t.equal(after.keys[0]!.retiredAt !== null, true, 'data key 1 retired')
      t.equal(after.keys[1]!.masterKeyId, m2.id, 'data key 2 sealed by the new master key')
      t.same(after.secrets.map((s) => [s.table, s.keyId, s.algorithm, s.count]), [
        ['department_credentials', 2, 'sm4', 1], ['staff_accounts', 2, 'sm4', 2],
      ])
      const { rows: retired } = await db.query('SELECT id FROM vault_keys WHERE wrapped_key IS NOT NULL')
      t.same(retired, [{ id: 2 }], 'the old data key is destroyed, not only marked')

      await failsWith(t, () => getStaffAccount(db, aes, 42, 'household-registration'), 'TB_VAULT_MASTER_KEY_MISMATCH', [PASSWORD])
      await db.query(`UPDATE staff_accounts SET password = $1 WHERE staff_id = 42 AND adapter = 'household-registration'`, [old!.password])
      await failsWith(t, () => getStaffAccount(db, sm4, 42, 'household-registration'), 'TB_VAULT_KEY_UNAVAILABLE', [PASSWORD])
      await failsWith(t, () => rotateVault(db, sm4, sm4), 'TB_VAULT_KEY_UNAVAILABLE', [PASSWORD])
      await putStaffAccount(db, sm4, { staffId: 42, adapter: 'household-registration', username: 'hl_zhangsan', password: PASSWORD })

      const again = await rotateVault(db, sm4, sm4)
      t.same(again.retiredKeyIds, [2], 'a data key rotation under the same master key')
      t.ok(again.keyId > 2, 'to a new data key')
      t.same(await getStaffAccount(db, sm4, 42, 'household-registration'), { username: 'hl_zhangsan', password: PASSWORD })
      for (const secret of [APP_SECRET, PASSWORD, m2.key.toString('base64')]) t.same((await columnsContaining(db, secret)).found, [])
    })

    if (store === 'postgres') {
      t.test('writes racing a rotation all land under the new data key', async (t) => {
        const before = await vaultStatus(db)
        const write = async (n: number): Promise<void> => {
          await putStaffAccount(db, sm4, { staffId: 1000 + n, adapter: 'household-registration', username: `u${n}`, password: `pw-${n}` })
        }
        // A write sealed under the current key and not yet committed when the rotation starts.
        let sealed!: () => void
        let commit!: () => void
        const sealedYet = new Promise<void>((resolve) => { sealed = resolve })
        const committing = new Promise<void>((resolve) => { commit = resolve })
        const inFlight = db.transaction(async (tx) => {
          const box = await sm4.encrypt(tx, secretRef(SEALED_COLUMNS.staffPassword, [1000, 'household-registration']), Buffer.from('pw-0'))
          await tx.query("INSERT INTO staff_accounts (staff_id, adapter, username, password) VALUES (1000, 'household-registration', 'u0', $1)", [box])
          sealed()
          await committing
        })
        await sealedYet
        let rotated = false
        const rotating = rotateVault(db, sm4, sm4).finally(() => { rotated = true })
        const writes = Array.from({ length: 30 }, async (_, i) => { await write(i + 1) })
        await new Promise((resolve) => setTimeout(resolve, 200))
        t.notOk(rotated, 'the rotation waits for the write in flight')
        commit()
        const [rotation] = await Promise.all([rotating, inFlight, ...writes])
        t.ok(rotation.secrets.staff_accounts! >= 3, 'the rotation sealed the in-flight write again')
        const after = await vaultStatus(db)
        t.equal(after.keys.length, before.keys.length + 1, 'one rotation')
        t.same(after.secrets.filter((s) => s.keyId !== rotation.keyId), [], 'no box under a retired key')
        for (let i = 0; i <= 30; i++) {
          t.same(await getStaffAccount(db, sm4, 1000 + i, 'household-registration'), { username: `u${i}`, password: `pw-${i}` })
        }
      })
    }
  })
}
