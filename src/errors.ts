// The one catalogue of tongban's errors. Every code is stable, has an HTTP status and a message a
// person can act on, and is documented in docs/errors.md (a test keeps the two in step).

export interface ErrorSpec {
  readonly status: number
  readonly message: string
}

export const errorCatalogue = {
  // request and routing
  TB_NOT_FOUND: { status: 404, message: 'No route matches %s' },
  TB_VALIDATION: { status: 400, message: 'The request is invalid: %s' },
  TB_UNAUTHORIZED: { status: 401, message: 'A valid bearer token is required in the Authorization header' },
  TB_BODY_TOO_LARGE: { status: 413, message: 'The body is larger than the %s bytes this endpoint accepts' },
  TB_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Content type %s is not accepted; send %s' },
  TB_URL_INVALID: { status: 400, message: 'The URL path is not percent-encoded UTF-8 text; percent-encode the UTF-8 bytes of every non-ASCII character (机 is %E6%9C%BA)' },
  TB_URL_TOO_LONG: { status: 414, message: 'A path segment is longer than %s characters; no identifier of this API is that long' },
  TB_REQUEST_MALFORMED: { status: 400, message: 'The request is not valid HTTP/1.1 (%s); percent-encode spaces, control and non-ASCII characters in the URL (curl -G --data-urlencode \'q=机械\')' },
  TB_HEADERS_TOO_LARGE: { status: 431, message: 'The URL and headers together are larger than %s bytes; shorten the query' },
  TB_REQUEST_TIMEOUT: { status: 408, message: 'The request did not arrive completely in time; send it again' },
  TB_INTERNAL: { status: 500, message: 'An internal error occurred; the log has the details under request id %s' },

  // webhooks
  TB_ADAPTER_NOT_FOUND: { status: 404, message: 'No adapter instance "%s" receives webhooks here' },
  TB_WEBHOOK_HEADERS_MISSING: { status: 401, message: 'Missing webhook header(s): %s (%s)' },
  TB_WEBHOOK_SIGNATURE_INVALID: { status: 401, message: 'No signature in %s matches the body; check the subscriber secret' },
  TB_WEBHOOK_SCHEME_NOT_ACCEPTED: { status: 401, message: 'webhook-signature carries no signature of a scheme this instance accepts (%s)' },
  TB_WEBHOOK_TIMESTAMP_STALE: { status: 401, message: 'The webhook timestamp %s is outside the ±%s second tolerance; check the sender clock' },
  TB_WEBHOOK_BODY_INVALID: { status: 400, message: 'The webhook body cannot be read: %s' },
  TB_WEBHOOK_DUPLICATE: { status: 409, message: 'Webhook %s was already received; it is not processed again' },
  TB_INBOX_UNAVAILABLE: { status: 503, message: 'The inbox cannot store webhooks right now (%s); nothing was accepted, send it again later' },

  // records and normalisation (quarantine reasons)
  TB_RECORD_INVALID: { status: 422, message: 'The record does not match the canonical model: %s' },
  TB_EVENT_TYPE_UNKNOWN: { status: 422, message: 'Unknown event type %s' },
  TB_VALUE_MISSING: { status: 422, message: 'A required value is missing: %s' },
  TB_FACET_INVALID: { status: 422, message: 'The record does not fit its facet: %s' },
  TB_ID_FORMAT: { status: 422, message: 'Not a resident ID number: %s' },
  TB_ID_CHECKSUM: { status: 422, message: 'The check character of resident ID number %s is wrong' },
  TB_ID_DIVISION: { status: 422, message: 'The first six digits of resident ID number %s are not a division code that exists or existed' },
  TB_ID_BIRTHDATE: { status: 422, message: 'The birth date does not agree with the resident ID number: %s' },
  TB_ID_GENDER: { status: 422, message: 'The gender does not agree with the resident ID number: %s' },
  TB_CREDIT_CODE_FORMAT: { status: 422, message: 'Not a unified social credit code: %s' },
  TB_CREDIT_CODE_CHECKSUM: { status: 422, message: 'The check character of unified social credit code %s is wrong' },
  TB_DIVISION_INVALID: { status: 422, message: 'Not a division code: %s' },
  TB_DATE_INVALID: { status: 422, message: 'Not a valid date: %s' },
  TB_PHONE_INVALID: { status: 422, message: 'Not a mainland mobile or landline number: %s' },
  TB_CODE_UNKNOWN: { status: 422, message: 'Code %s is not in the code table' },
  TB_TEXT_INVALID: { status: 422, message: 'The text cannot be used: %s' },
  TB_ENCODING_INVALID: { status: 422, message: 'The bytes are not valid %s text: %s' },
  TB_ENCODING_UNREPRESENTABLE: { status: 422, message: 'The text cannot be written in %s: %s' },
  TB_CAPITAL_INVALID: { status: 422, message: 'Registered capital text cannot be read: %s' },
  TB_NUMBER_INVALID: { status: 422, message: 'Not a number in the expected form: %s' },
  TB_FIELD_DECRYPT_FAILED: { status: 422, message: 'An encrypted field cannot be decrypted: %s' },

  // department systems
  TB_DEPARTMENT_UNAVAILABLE: { status: 503, message: 'Department system %s is unavailable: %s' },
  TB_DEPARTMENT_RATE_LIMITED: { status: 503, message: 'Department system %s asked us to slow down' },
  TB_DEPARTMENT_AUTH: { status: 502, message: 'Department system %s rejected our credentials: %s' },
  TB_DEPARTMENT_ERROR: { status: 502, message: 'Department system %s answered with business error %s' },
  TB_DEPARTMENT_ACCOUNT_REJECTED: { status: 403, message: 'Department system %s refused your own account there (%s); ask a security administrator to correct your department account mapping' },
  TB_DEPARTMENT_FORBIDDEN: { status: 403, message: 'Department system %s does not allow your account this request: %s' },
  TB_DEPARTMENT_FIELDS_REFUSED: { status: 422, message: 'Department system %s refused field(s) of the request: %s' },
  TB_DEPARTMENT_CONFLICT: { status: 409, message: 'Department system %s already holds %s with different content; send the same content again, or a new number for a new one' },
  TB_DEPARTMENT_STATE: { status: 409, message: 'Department system %s does not allow this in the current state: %s' },
  TB_DEPARTMENT_HOST_NOT_ALLOWED: { status: 500, message: 'Adapter tried to call %s outside its department host %s' },
  TB_BREAKER_OPEN: { status: 503, message: 'The circuit breaker for %s is open after repeated failures; calls resume after %s ms' },

  // operations: calls to a department (POST /api/v1/adapters/:instance/operations/:name)
  TB_OPERATION_NOT_FOUND: { status: 404, message: 'Adapter instance "%s" offers no operation "%s" here; GET /api/v1/adapters/%s/operations lists what it offers' },
  TB_OPERATION_INPUT_INVALID: { status: 400, message: 'The input of operation %s is invalid: %s' },
  TB_OPERATION_OUTPUT_INVALID: { status: 502, message: 'Department system %s answered operation %s with something its declared output does not allow: %s' },
  TB_OPERATION_NEEDS_STAFF: { status: 403, message: 'Operation %s acts as the signed-in staff member through their own department account; a %s cannot call it, sign in as a staff member' },
  TB_STAFF_ACCOUNT_MISSING: { status: 409, message: 'Operation %s acts as you in department system %s, but %s; ask a security administrator to map your account there in the vault (PUT /api/v1/staff/%s/accounts/%s)' },
  TB_OPERATION_IN_PROGRESS: { status: 409, message: 'A call of operation %s with the same idempotency key is still running; try again in a moment' },
  TB_SFTP_HOST_KEY: { status: 502, message: 'SFTP server %s presented host key %s, not the configured %s' },

  // file drops
  TB_FILE_INTEGRITY: { status: 422, message: 'File %s failed its integrity check: %s' },
  TB_FILE_UNREADABLE: { status: 422, message: 'File %s cannot be read: %s' },

  // resources
  TB_RATE_LIMITED: { status: 429, message: 'Too many requests; try again in %s seconds' },
  TB_FORBIDDEN: { status: 403, message: 'Your roles do not allow this (%s)' },
  TB_SIGN_IN_FAILED: { status: 401, message: 'Wrong username or password' },
  TB_ACCOUNT_LOCKED: { status: 423, message: 'The account is locked until %s after repeated failed sign-ins; try again then, or ask a security administrator to reset the password' },
  TB_ACCOUNT_DISABLED: { status: 403, message: 'The account is disabled; ask a security administrator' },
  TB_TOTP_REQUIRED: { status: 401, message: 'This account needs the 6-digit code from its authenticator app (field otp)' },
  TB_TOTP_INVALID: { status: 401, message: 'The authenticator code is wrong or expired' },
  TB_FEDERATION_FAILED: { status: 401, message: 'Sign-in through the identity platform failed: %s' },
  TB_FEDERATION_UNAVAILABLE: { status: 502, message: 'The identity platform %s cannot be reached or answered unexpectedly: %s' },
  TB_FEDERATION_NOT_LINKED: { status: 403, message: 'No tongban staff account named %s exists to link to your identity platform account, and this gateway creates none (provisioning: link-only); ask a security administrator to add it' },
  TB_CSRF: { status: 403, message: 'The form or request is missing its CSRF token (%s); reload the page and try again' },
  TB_PASSWORD_WEAK: { status: 422, message: 'The password does not meet the policy: %s' },
  TB_STAFF_EXISTS: { status: 409, message: 'A staff account named %s already exists' },
  TB_STAFF_NOT_FOUND: { status: 404, message: 'No staff account %s' },
  TB_TOKEN_NOT_FOUND: { status: 404, message: 'No API token %s' },
  TB_LIAISON_INVALID: { status: 400, message: 'Not a valid department liaison: %s' },
  TB_LIAISON_DEPARTMENT_UNKNOWN: { status: 400, message: 'No department %s in whistles.departments of the configuration; the configured ones are %s' },
  TB_PERSON_NOT_FOUND: { status: 404, message: 'No resident with ID number %s' },
  TB_ENTERPRISE_NOT_FOUND: { status: 404, message: 'No enterprise with credit code %s' },
  TB_QUARANTINE_NOT_FOUND: { status: 404, message: 'No quarantine item %s' },
  TB_QUARANTINE_CLOSED: { status: 409, message: 'Quarantine item %s is already %s; only open items are retried or dismissed' },
  TB_JOB_NOT_FOUND: { status: 404, message: 'No failed job %s in queue %s' },
  TB_CONFLICT_NOT_FOUND: { status: 404, message: 'No conflict %s' },
  TB_CONFLICT_CLOSED: { status: 409, message: 'Conflict %s is already closed (%s); a new disagreement opens a new conflict' },
  TB_CONFLICT_VALUE_INVALID: { status: 422, message: 'The chosen value is not valid for field %s: %s' },
  TB_CURSOR_INVALID: { status: 400, message: 'The page cursor is not one this API issued' },
  TB_FACET_NOT_FOUND: { status: 404, message: 'No facet %s of %s %s' },
  TB_FACET_FORBIDDEN: { status: 403, message: 'Facet %s is sensitive and your roles may not read it; the configuration\'s facets.sensitiveRoles (or facets.access.%s.roles) names the roles that may' },
  TB_PURPOSE_REQUIRED: { status: 400, message: 'Reading %s needs its purpose (查询事由): 2 to 200 characters in the purpose query parameter or the x-purpose header (percent-encoded); it is written to the audit log' },

  // single sign-on for department apps (OpenID Provider, CAS server)
  TB_SSO_REQUEST_INVALID: { status: 400, message: 'The department app\'s sign-in request was refused: %s' },
  TB_SSO_INTERACTION_EXPIRED: { status: 400, message: 'This sign-in for a department app expired or is already finished (%s); open the app and sign in again' },
  TB_CAS_SERVICE_NOT_REGISTERED: { status: 403, message: 'Service %s is not a department app registered for single sign-on' },

  // credential vault (never a secret in a message: only where it belongs and why it fails)
  TB_MASTER_KEY_MISSING: { status: 500, message: '%s is not set; with DATABASE_URL no master key is generated: set it to 32 random bytes in base64 (openssl rand -base64 32) and keep a copy apart from the database backups' },
  TB_MASTER_KEY_INVALID: { status: 500, message: 'The master key in %s must be 32 bytes in base64 (openssl rand -base64 32), but %s' },
  TB_VAULT_MASTER_KEY_MISMATCH: { status: 500, message: 'Vault data key %s is sealed by master key %s, not by the given master key %s; use the master key the vault was set up or last rotated with' },
  TB_VAULT_KEY_UNAVAILABLE: { status: 500, message: 'Vault secret %s is sealed under data key %s, which %s; store the secret again' },
  TB_VAULT_DECRYPT_FAILED: { status: 500, message: 'Vault secret %s does not open: it was altered, copied from another row, or sealed under another key' },
  TB_VAULT_CIPHERTEXT_INVALID: { status: 500, message: 'Vault secret %s cannot be read: %s' },
  TB_VAULT_GATEWAY_RUNNING: { status: 500, message: 'tongban vault needs the embedded database in %s, which the running gateway (pid %s) holds; stop the gateway, run the command, then start it again (or set DATABASE_URL)' },
  TB_AUDIT_DETACH_REFUSED: { status: 409, message: 'Audit month %s is not detached: %s' },

  // configuration and start-up
  TB_CONFIG_INVALID: { status: 500, message: 'Configuration %s is invalid: %s' },
  TB_CONFIG_INSECURE: { status: 500, message: 'Configuration %s uses the demo\'s published secret at %s; set a secret of your own (only config/demo.yaml may use the demo defaults)' },
  TB_CONFIG_ENV_MISSING: { status: 500, message: 'Configuration %s references environment variable %s, which is not set' },
  TB_REDIS_SERVER_MISSING: { status: 500, message: 'redis-server is not on PATH: install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL' },
  TB_REDIS_EVICTION_POLICY: { status: 500, message: 'Redis %s has maxmemory-policy %s, so it may evict queued jobs and sessions; run CONFIG SET maxmemory-policy noeviction on it and every other node, replicas too (and set it in redis.conf or the service\'s parameters, so that it outlives a restart)' },
  TB_REDIS_UNREACHABLE: { status: 500, message: 'Redis %s did not answer within %s s (%s); check REDIS_URL and that Redis is running' },
  TB_DATA_DIR_LOCKED: { status: 500, message: 'The embedded database in %s is held by a running gateway (pid %s); run the command through it or set DATABASE_URL' },

  // working-day calendar and legal deadlines
  TB_CALENDAR_NOT_COVERED: { status: 503, message: 'The working-day calendar does not cover %s (it knows %s); add the State Council\'s holiday notice for %s as a calendar file under the configuration key calendar.files (see src/calendar/data/README.md)' },
  TB_CALENDAR_FILE_INVALID: { status: 500, message: 'Calendar file %s is invalid: %s' },
  TB_DEADLINE_INPUT_INVALID: { status: 422, message: 'The deadline cannot be computed: %s' },

  // cases (办件)
  TB_CASE_NOT_FOUND: { status: 404, message: 'No case %s in your scope' },
  TB_CASE_FORM_INVALID: { status: 422, message: 'The form of matter %s has %s value(s) to correct: %s' },
  TB_FORM_VALUE_MISSING: { status: 422, message: '%s is required' },
  TB_FORM_VALUE_INVALID: { status: 422, message: '%s must be %s' },
  TB_FORM_FIELD_UNKNOWN: { status: 422, message: 'The matter\'s forms have no field %s' },
  TB_CASE_MATTER_NOT_OFFERED: { status: 422, message: 'Matter %s is not on the power list of town %s on %s; GET /api/v1/matters?town=%s lists the matters in force' },
  TB_CASE_APPLICANT_UNNAMED: { status: 422, message: 'Applicant %s is not in the unified records and the form gives no name (field name, legalRepresentative or enterpriseName); fill it in' },
  TB_CASE_TRANSITION_NOT_ALLOWED: { status: 409, message: 'Case %s is %s, where %s is not allowed; allowed now: %s' },
  TB_CASE_ACTION_NOT_YOURS: { status: 403, message: 'Action %s on a case is taken by %s, not by %s' },
  TB_CASE_ACTION_REFUSED: { status: 409, message: 'Case %s cannot take %s: %s' },
  TB_CASE_CHANGED: { status: 409, message: 'Case %s changed while this %s was being applied; load it again and retry' },
  TB_CASE_REQUEST_REUSED: { status: 409, message: 'requestId %s was used for another action (%s) on case %s; use a new requestId for a new action' },
  TB_OUTBOX_NOT_FOUND: { status: 404, message: 'No outbox row %s in your scope' },
  TB_OUTBOX_NOT_DEAD: { status: 409, message: 'Outbox row %s is %s; only a dead row is re-sent (a pending one is sent in its turn, a held one once its date can be computed)' },
  TB_DEPARTMENT_ENDPOINT_MISSING: { status: 503, message: 'No endpoint for department %s in the vault: store its {url, secret} as the service credentials of department:%s (PUT /api/v1/vault/credentials/department:%s); the whistle waits and is tried again' },

  // hotline work orders (工单)
  TB_ORDER_NOT_FOUND: { status: 404, message: 'No work order %s in your scope' },
  TB_ORDER_TRANSITION_NOT_ALLOWED: { status: 409, message: 'Work order %s is %s, where %s is not allowed; allowed now: %s' },
  TB_ORDER_RETURN_TOO_LATE: { status: 409, message: 'Work order %s was dispatched on %s: it could be returned (退单) until the end of %s (2 working days); reply to it instead, or ask the hotline to re-dispatch it' },
  TB_ORDER_DIVISION_INVALID: { status: 422, message: 'Work order %s cannot be placed in %s: %s' },
  TB_ORDER_TOWN_UNKNOWN: { status: 422, message: 'Work order %s from %s names no configured town (division code %s); give the instance its town (adapters[].town) or configure the town' },

  // whistles (吹哨)
  TB_WHISTLE_NOT_FOUND: { status: 404, message: 'No whistle %s in your scope' },
  TB_WHISTLE_TYPE_UNKNOWN: { status: 422, message: 'No whistle type %s; the configured types are %s' },
  TB_WHISTLE_DEPARTMENT_UNKNOWN: { status: 422, message: 'Department %s cannot be summoned by town %s: %s' },
  TB_WHISTLE_NO_ROUTE: { status: 422, message: 'No departments for this whistle: %s; name them in departments[], or add the category to the town\'s routing table (GET /api/v1/whistles/routing)' },
  TB_WHISTLE_SOURCE_NOT_FOUND: { status: 422, message: 'The whistle\'s source %s %s is not in town %s' },
  TB_WHISTLE_TRANSITION_NOT_ALLOWED: { status: 409, message: 'Whistle %s: %s is %s, where %s is not allowed; allowed now: %s' },
  TB_WHISTLE_ACTION_REFUSED: { status: 409, message: 'Whistle %s cannot take %s: %s' },
  TB_WHISTLE_NOT_YOUR_DEPARTMENT: { status: 403, message: 'Whistle %s: %s answers only for its own department, and this whistle does not summon %s' },
  TB_WHISTLE_CHANGED: { status: 409, message: 'Whistle %s changed (version %s, you checked %s) while this %s was being decided; load it again, check and retry' },
  TB_WHISTLE_REQUEST_REUSED: { status: 409, message: 'requestId %s was used for another action (%s) on whistle %s; use a new requestId for a new action' },
  TB_WHISTLE_ROUTING_INVALID: { status: 422, message: 'The routing table of town %s cannot be published: %s' },

  // 好差评 ratings, rectification (整改) and appeals (申诉)
  TB_RATING_STAGE_NOT_REACHED: { status: 409, message: 'Case %s is %s: it can be rated at %s only once it has been %s' },
  TB_RATING_EXISTS: { status: 409, message: 'Case %s was already rated at %s (rating %s); a second rating comes only as a re-rating after rectification' },
  TB_RATING_LINK_UNKNOWN: { status: 404, message: 'This rating link is not known; ask the window for a new one' },
  TB_RATING_LINK_USED: { status: 410, message: 'This rating link was used at %s; ask the window for a new one' },
  TB_RATING_LINK_EXPIRED: { status: 410, message: 'This rating link expired at %s; ask the window for a new one' },
  TB_RATING_NOT_FOUND: { status: 404, message: 'No rating %s in your scope' },
  TB_RECTIFICATION_NOT_FOUND: { status: 404, message: 'No rectification %s in your scope' },
  TB_RECTIFICATION_CLOSED: { status: 409, message: 'Rectification %s is %s; nothing more can be done on it' },
  TB_RECTIFICATION_NO_FOLLOW_UP: { status: 409, message: 'Rectification %s has no follow-up contact yet; record who called the resident and what was done (POST /api/v1/rectifications/%s/follow-ups) before the re-rating' },
  TB_RATING_NOT_APPEALABLE: { status: 409, message: 'Rating %s is level %s; only a 差评 (level 1 or 2) can be appealed' },
  TB_APPEAL_EXISTS: { status: 409, message: 'Rating %s was already appealed (appeal %s); a rating is appealed once' },
  TB_APPEAL_NOT_FOUND: { status: 404, message: 'No appeal %s in your scope' },
  TB_APPEAL_DECIDED: { status: 409, message: 'Appeal %s was already decided (%s)' },

  // service matters (政务服务事项) of the towns' power lists
  TB_MATTER_NOT_FOUND: { status: 404, message: 'No service matter %s for town %s; GET /api/v1/matters?town=%s lists the matters it offers' },
  TB_MATTER_DECISION_INVALID: { status: 400, message: 'The 赋权 decision cannot be recorded: %s' },
  TB_TOWN_NOT_CONFIGURED: { status: 404, message: 'No town %s is configured here; the configured towns are %s' },
  TB_TOWN_OUT_OF_SCOPE: { status: 403, message: 'Town %s is outside your scope (division %s); ask for a town of your own division' },

  // photos (risk reports, whistle answers)
  TB_PHOTO_NOT_IMAGE: { status: 415, message: 'The file is not a JPEG, PNG or WebP image (its content reads as %s); send a photo in one of those formats' },
  TB_PHOTO_TOO_LARGE: { status: 413, message: 'The photo is %s bytes, more than the %s bytes accepted; send it at a lower resolution or quality' },
  TB_PHOTO_TOO_MANY_PIXELS: { status: 422, message: 'The photo is %s×%s pixels, more than the %s accepted (no side over %s); send it at a lower resolution' },
  TB_PHOTO_CORRUPT: { status: 422, message: 'The %s image cannot be read (%s); it is cut short or damaged, send it again' },
  TB_PHOTO_STORE_UNAVAILABLE: { status: 503, message: 'The photo store cannot be used right now (%s); nothing was stored, send the photo again later' },
  TB_PHOTO_NOT_FOUND: { status: 404, message: 'No photo %s was uploaded' },

  // risk reports (风险源/隐患)
  TB_RISK_NOT_FOUND: { status: 404, message: 'No risk report %s in your scope' },
  TB_RISK_INVALID: { status: 422, message: 'The risk report cannot be taken: %s' },
  TB_RISK_TRANSITION_NOT_ALLOWED: { status: 409, message: 'Risk report %s is %s, where %s is not allowed; allowed now: %s' },
  TB_RISK_NOT_VERIFIED: { status: 409, message: 'Risk report %s is %s and was not verified; verify it first, or close it with a verification note (what was checked on site)' },
  TB_RISK_NOT_YOURS: { status: 403, message: 'Risk report %s was made by someone else; only its reporter or a town leader corrects it' },
  TB_RISK_CHANGED: { status: 409, message: 'Risk report %s changed while this %s was being applied; load it again and retry' },
  TB_RISK_REQUEST_REUSED: { status: 409, message: 'requestId %s was used for another action (%s) on risk report %s; use a new requestId for a new action' },
} as const satisfies Record<`TB_${string}`, ErrorSpec>

export type ErrorCode = keyof typeof errorCatalogue

function format (template: string, args: readonly unknown[]): string {
  let i = 0
  return template.replace(/%s/g, () => (i < args.length ? String(args[i++]) : '?'))
}

export class TongbanError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number
  readonly details?: Record<string, unknown>

  constructor (code: ErrorCode, args: readonly unknown[] = [], options?: { cause?: unknown, details?: Record<string, unknown> }) {
    super(format(errorCatalogue[code].message, args), options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'TongbanError'
    this.code = code
    this.statusCode = errorCatalogue[code].status
    if (options?.details) this.details = options.details
  }
}

export function isTongbanError (err: unknown): err is TongbanError {
  return err instanceof TongbanError
}
