// National algorithms against the standards' published examples, and each implementation checked
// against an independent one (Node's OpenSSL against sm-crypto-v2's pure JS, and back).
import t from 'tap'
import { createHash } from 'node:crypto'
import { sm2 as lib, sm3 as libSm3 } from 'sm-crypto-v2'
import { hmacSm3, sm2KeyPair, sm2Sign, sm2Verify, sm3, SM2_DEFAULT_USER_ID } from '../src/crypto/index.ts'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const unhex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex')

t.test('SM3: GB/T 32905-2016 examples', async (t) => {
  t.equal(hex(sm3('abc')), '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0')
  t.equal(hex(sm3('abcd'.repeat(16))), 'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732')
  t.equal(hex(sm3(Buffer.from('abc'))), hex(sm3('abc')), 'bytes and their UTF-8 string hash alike')
  const unicode = '武进区湟里镇'
  t.equal(hex(sm3(unicode)), libSm3(new TextEncoder().encode(unicode)), 'agrees with an independent implementation')
})

t.test('HMAC-SM3: GM/T 0042-2015 appendix D.3 examples', async (t) => {
  const key32 = unhex('0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20')
  const key37 = unhex('0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425')
  const vectors: { key: Buffer, data: string | Buffer, mac: string }[] = [
    { key: key32, data: 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'.repeat(2), mac: 'ca05e144ed05d1857840d1f318a4a8669e559fc8391f414485bfdf7bb408963a' },
    { key: key37, data: Buffer.alloc(50, 0xcd), mac: '220bf579ded555393f0159f66c99877822a3ecf610d1552154b41d44b94db3ae' },
    { key: Buffer.alloc(32, 0x0b), data: 'Hi There', mac: 'c0ba18c68b90c88bc07de794bfc7d2c8d19ec31ed8773bc2b390c9604e0be11e' },
    { key: Buffer.from('Jefe'), data: 'what do ya want for nothing?', mac: '2e87f1d16862e6d964b50a5200bf2b10b764faa9680a296a2405f24bec39f882' },
  ]
  for (const v of vectors) {
    t.equal(hex(hmacSm3(v.key, v.data)), v.mac)
    const data = typeof v.data === 'string' ? new TextEncoder().encode(v.data) : new Uint8Array(v.data)
    t.equal(libSm3(data, { key: new Uint8Array(v.key), mode: 'hmac' }), v.mac, 'sm-crypto-v2 agrees')
  }
  // A key longer than SM3's 64-byte block is hashed first (RFC 2104); the two implementations agree.
  const longKey = Buffer.alloc(100, 0x5a)
  t.equal(hex(hmacSm3(longKey, 'tongban')), libSm3('tongban', { key: new Uint8Array(longKey), mode: 'hmac' }))
})

// GB/T 32918.5-2017 (GM/T 0003.5-2012) appendix A: the example on the recommended curve with the
// default signer ID. (Part 2's examples use a different test curve, which no sm2p256v1 library
// can run.)
const D = '3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8'
const XA = '09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020'
const YA = 'ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13'
const PUBLIC = `04${XA}${YA}`
const MESSAGE = 'message digest'
const Z_A = 'b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3'
const E = 'f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640'
const K = '59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21'
const X1 = '04ebfc718e8d1798620432268e77feb6415e2ede0e073c0f4f640ecd2e149a73' // of [k]G
const R = 'f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3'
const S = 'b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa'
const CURVE = {
  a: 'fffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffc',
  b: '28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93',
  gx: '32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7',
  gy: 'bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0',
}

t.test('SM2: GB/T 32918.5 appendix A signature example', async (t) => {
  t.equal(SM2_DEFAULT_USER_ID, '1234567812345678')
  t.equal(lib.getPublicKeyFromPrivateKey(D), PUBLIC, 'the public key is [d]G')

  // Z_A = SM3(ENTL || ID || a || b || Gx || Gy || xA || yA), computed here with Node's SM3.
  const id = Buffer.from(SM2_DEFAULT_USER_ID)
  const entl = Buffer.from([(id.length * 8) >> 8, (id.length * 8) & 0xff])
  const z = createHash('sm3').update(Buffer.concat([entl, id, ...[CURVE.a, CURVE.b, CURVE.gx, CURVE.gy, XA, YA].map(unhex)])).digest()
  t.equal(hex(z), Z_A, 'Z_A by the standard\'s formula')
  t.equal(hex(lib.getZ(PUBLIC, SM2_DEFAULT_USER_ID)), Z_A, 'the library\'s Z_A')
  t.equal(hex(sm3(Buffer.concat([z, Buffer.from(MESSAGE)]))), E, 'e = SM3(Z_A || M)')

  // The library with the standard's k reproduces r and s exactly.
  const fixedK = [{ k: BigInt(`0x${K}`), x1: BigInt(`0x${X1}`) }]
  t.equal(lib.getPublicKeyFromPrivateKey(K).slice(2, 66), X1, 'x1 is the x of [k]G')
  t.equal(lib.doSignature(new TextEncoder().encode(MESSAGE), D, { hash: true, userId: SM2_DEFAULT_USER_ID, pointPool: fixedK }), R + S)

  t.ok(sm2Verify(PUBLIC, MESSAGE, R + S), 'the published signature verifies')
  t.ok(sm2Verify(PUBLIC, Buffer.from(MESSAGE), (R + S).toUpperCase()), 'as bytes, in upper case')
  t.ok(sm2Verify(XA + YA, MESSAGE, R + S), 'with the key as x || y')
  t.ok(sm2Verify(lib.compressPublicKeyHex(PUBLIC), MESSAGE, R + S), 'with the key compressed')
})

t.test('SM2: what must not verify', async (t) => {
  const other = sm2KeyPair()
  t.notOk(sm2Verify(PUBLIC, 'message digesT', R + S), 'another message')
  t.notOk(sm2Verify(other.publicKey, MESSAGE, R + S), 'another key')
  t.notOk(sm2Verify(PUBLIC, MESSAGE, R + S, 'ALICE123@YAHOO.COM'), 'another signer ID')
  t.notOk(lib.doVerifySignature(MESSAGE, R + S, PUBLIC), 'the library alone, without Z_A, does not verify the standard\'s signature')
  const flip = (s: string, at: number): string => s.slice(0, at) + (s[at] === '0' ? '1' : '0') + s.slice(at + 1)
  t.notOk(sm2Verify(PUBLIC, MESSAGE, flip(R + S, 10)), 'r changed')
  t.notOk(sm2Verify(PUBLIC, MESSAGE, flip(R + S, 100)), 's changed')
  for (const bad of ['', 'zz', R, R + S + '00', '00'.repeat(64), 'ff'.repeat(64), `${R}${'ff'.repeat(32)}`]) {
    t.equal(sm2Verify(PUBLIC, MESSAGE, bad), false, `malformed signature ${bad.slice(0, 12)}… (${bad.length}) is false, not an exception`)
  }
  t.throws(() => sm2Verify('04' + '00'.repeat(64), MESSAGE, R + S), TypeError, 'a point off the curve is a configuration error')
  t.throws(() => sm2Verify(XA, MESSAGE, R + S), TypeError)
  t.throws(() => sm2Sign('01', MESSAGE), TypeError)
  t.throws(() => sm2Sign('00'.repeat(32), MESSAGE), 'zero is no private key')
})

t.test('SM2: sign and verify round trip', async (t) => {
  const signature = sm2Sign(D, MESSAGE)
  t.match(signature, /^[0-9a-f]{128}$/)
  t.not(signature, R + S, 'k is random')
  t.not(sm2Sign(D, MESSAGE), signature, 'every signature is new')
  t.ok(sm2Verify(PUBLIC, MESSAGE, signature))
  t.ok(lib.doVerifySignature(MESSAGE, signature, PUBLIC, { hash: true, userId: '1234567812345678' }), 'made with Z_A of the default ID')
  t.ok(sm2Verify(PUBLIC, '通办', sm2Sign(D, '通办')), 'strings are signed as UTF-8')
  t.ok(sm2Verify(PUBLIC, Buffer.from('通办'), sm2Sign(D, '通办')))
  t.ok(sm2Verify(PUBLIC, 'x', sm2Sign(D, 'x', 'ALICE123@YAHOO.COM'), 'ALICE123@YAHOO.COM'), 'another agreed signer ID')

  for (let i = 0; i < 20; i++) {
    const pair = sm2KeyPair()
    t.match(pair, { privateKey: /^[0-9a-f]{64}$/, publicKey: /^04[0-9a-f]{128}$/ })
    const body = `record ${i}`
    const sig = sm2Sign(pair.privateKey, body)
    if (!sm2Verify(pair.publicKey, body, sig) || sm2Verify(pair.publicKey, `${body}.`, sig)) t.fail(`key pair ${i}`)
  }
})
