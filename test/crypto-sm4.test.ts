// SM4 field encryption: the cipher against GB/T 32907's example, the field format against Node's
// own OpenSSL SM4-CBC (an independent implementation), and every way a value can fail to decrypt.
import t, { type Test } from 'tap'
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { sm4 } from 'sm-crypto-v2'
import { decryptSm4Field, encryptSm4Field } from '../src/crypto/sm4.ts'
import { encryptSm4Field as fromTestkit } from '../src/adapter-sdk/testkit/index.ts'
import { isTongbanError } from '../src/errors.ts'

const key = Buffer.from('0123456789abcdeffedcba9876543210', 'hex')

function failsWith (t: Test, value: string, why: RegExp, withKey = key): void {
  try {
    decryptSm4Field(withKey, value)
    t.fail(`decrypted ${value}`)
  } catch (err) {
    t.ok(isTongbanError(err) && err.code === 'TB_FIELD_DECRYPT_FAILED', 'TB_FIELD_DECRYPT_FAILED')
    t.match((err as Error).message, why)
    t.notMatch((err as Error).message, value.slice(0, 24), 'the message never holds the value')
  }
}

t.test('the block cipher: GB/T 32907-2016 example 1', async (t) => {
  const out = sm4.encrypt(key, key, { mode: 'ecb', padding: 'none', output: 'array' })
  t.equal(Buffer.from(out).toString('hex'), '681edf34d206965e86b3e94f536e4246')
})

t.test('a field is base64 of IV || SM4-CBC/PKCS#7, as OpenSSL reads and writes it', async (t) => {
  const iv = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex')
  const value = encryptSm4Field(key, '320412198001011234', iv)
  const bytes = Buffer.from(value, 'base64')
  t.same(bytes.subarray(0, 16), iv, 'the IV leads')
  t.equal(bytes.length, 16 + 32, '18 bytes pad to two blocks')
  const openssl = createDecipheriv('sm4-cbc', key, iv)
  t.equal(Buffer.concat([openssl.update(bytes.subarray(16)), openssl.final()]).toString('utf8'), '320412198001011234')

  const iv2 = randomBytes(16)
  const c = createCipheriv('sm4-cbc', key, iv2)
  const written = Buffer.concat([iv2, c.update('武进区湟里镇 13912345678', 'utf8'), c.final()]).toString('base64')
  t.equal(decryptSm4Field(key, written), '武进区湟里镇 13912345678')
})

t.test('round trips, a fresh IV each time, a whole block of padding', async (t) => {
  for (const text of ['', 'a', '0123456789abcdef', '张三', '1'.repeat(100)]) {
    t.equal(decryptSm4Field(key, encryptSm4Field(key, text)), text)
  }
  t.not(encryptSm4Field(key, 'same'), encryptSm4Field(key, 'same'), 'a random IV unless given')
  t.equal(Buffer.from(encryptSm4Field(key, '0123456789abcdef'), 'base64').length, 48, '16 bytes get a whole padding block')
  t.equal(fromTestkit, encryptSm4Field, 'simulators encrypt through the test kit')
})

t.test('a wrong key fails cleanly, never returns garbage', async (t) => {
  let failures = 0
  for (let i = 0; i < 200; i++) {
    const value = encryptSm4Field(key, `3204121980010${String(i).padStart(5, '0')}`)
    try {
      decryptSm4Field(randomBytes(16), value)
    } catch (err) {
      if (isTongbanError(err) && err.code === 'TB_FIELD_DECRYPT_FAILED') failures++
    }
  }
  // A wrong key passes the padding check by chance about 1 in 256 and then almost never gives UTF-8.
  t.ok(failures >= 198, `${failures} of 200 refused`)
  failsWith(t, encryptSm4Field(key, '320412198001011234'), /padding|UTF-8/, Buffer.alloc(16, 7))
})

t.test('malformed values', async (t) => {
  const good = encryptSm4Field(key, '13912345678')
  failsWith(t, '13912345678!', /not base64/)
  failsWith(t, 'abc', /not base64/)
  failsWith(t, Buffer.alloc(16).toString('base64'), /16 bytes is not/)
  failsWith(t, Buffer.alloc(40).toString('base64'), /40 bytes is not/)
  const cut = Buffer.from(good, 'base64')
  failsWith(t, Buffer.concat([cut, Buffer.alloc(16)]).toString('base64'), /padding/)
  // A last plaintext byte of 0 is not padding (the library would take it as "no padding").
  const zero = createCipheriv('sm4-cbc', key, Buffer.alloc(16)).setAutoPadding(false)
  failsWith(t, Buffer.concat([Buffer.alloc(16), zero.update(Buffer.alloc(16)), zero.final()]).toString('base64'), /padding/)
  // Valid padding around bytes that are not UTF-8.
  const latin = createCipheriv('sm4-cbc', key, Buffer.alloc(16))
  failsWith(t, Buffer.concat([Buffer.alloc(16), latin.update(Buffer.from([0xff, 0xfe, 0x41])), latin.final()]).toString('base64'), /UTF-8/)
  t.throws(() => decryptSm4Field(Buffer.alloc(8), good), TypeError, 'a key of the wrong size is a programming error')
})
