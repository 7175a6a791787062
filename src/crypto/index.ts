// National (商用密码) algorithms: SM3 and HMAC-SM3 from Node's OpenSSL, SM2 signatures with the
// GM/T 0009 signer ID from sm-crypto-v2.
export { sm3, hmacSm3 } from './sm3.ts'
export { sm2KeyPair, sm2Sign, sm2Verify, SM2_DEFAULT_USER_ID, type Sm2KeyPair } from './sm2.ts'
