// A matter's form filled from the applicant's unified record (一次采集、多方利用): each field whose
// name the canonical model or a facet answers gets the stored value with where it came from and
// when; the others stay empty for the worker. Materials the government already holds (source
// `sharing`) are marked 免提交 with the record that stands in for them. A record outside the
// caller's scope is not read, and a sensitive facet only as its access rule allows.
import { Purpose, facetAccess, facetCatalogue, facetInfo, type FacetAccess, type FacetSources } from '../facets/access.ts'
import type { Role } from '../auth/principal.ts'
import { RESOLUTION } from '../unify/survivorship.ts'
import { WINDOW_SOURCE } from './window-observation.ts'
import type { FormField, Matter, MatterMaterial } from '../model/matter.ts'
import type { Provenance } from '../model/provenance.ts'
import type { Scope } from '../model/scope.ts'
import { creditCode, residentId } from '../normalize/index.ts'
import type { Queryable } from '../store/db.ts'
import { facetEntries, type FacetEntry } from '../store/facets.ts'
import { getRecord, recordInScope, type UnifiedRecord } from '../store/records.ts'
import { TongbanError } from '../errors.ts'

export interface PrefillDeps {
  db: Queryable
  /** The display name of the department behind an adapter instance ('公安 人口信息'). */
  department: (adapter: string) => string
  /** How the caller may read a facet (src/facets/access.ts): freely, with a purpose, or not at all. */
  facetAccess: (facet: string) => FacetAccess
}

/** Names of the sources that are no department system. */
const OWN_SOURCES: Readonly<Record<string, string>> = { [WINDOW_SOURCE]: '窗口核实', [RESOLUTION]: '人工裁决' }

/** The deps of a platform for a caller with these roles: departments by their adapters' names, facets by the configured access. */
export function platformPrefill (platform: FacetSources, roles: readonly Role[]): PrefillDeps {
  const catalogue = facetCatalogue([...platform.instances.values()].map((i) => i.adapter))
  return {
    db: platform.db,
    department: (adapter) => {
      const instance = platform.instances.get(adapter)
      if (!instance) return OWN_SOURCES[adapter] ?? adapter
      // two instances of one adapter (two counties' registers) are told apart by their instance id
      return instance.adapter.id === adapter ? instance.adapter.department.name : `${instance.adapter.department.name}（${adapter}）`
    },
    facetAccess: (facet) => facetAccess(platform.config.facets, facetInfo(catalogue, facet, 'person'), roles),
  }
}

export interface Applicant { kind: 'person' | 'enterprise', key: string }

/** Where a pre-filled value came from: the observation behind it, and its department by name. */
export interface PrefillSource extends Provenance { department: string }

export interface PrefilledField {
  field: string
  label: string
  type: FormField['type']
  /** The record's value as the form writes it; null when nothing answers the field. */
  value: string | null
  source: PrefillSource | null
  /** Why a facet's value is not given: the caller's roles may not read it, or give no purpose. */
  withheld: 'forbidden' | 'purpose-required' | null
}

/** What stands in for a 免提交 material: the applicant's record (or a facet of it) and whence it is. */
export interface Replacement { kind: 'person' | 'enterprise', key: string, facet: string | null, title: string, source: PrefillSource | null }

export interface PrefilledMaterial extends MatterMaterial {
  /** 免提交: the government holds it already. */
  exempt: boolean
  /** The record that replaces it, when the unified records hold one. */
  replacedBy: Replacement | null
}

export interface Prefill {
  applicant: Applicant & { name: string | null, found: boolean }
  fields: PrefilledField[]
  materials: PrefilledMaterial[]
}

type Value = { value: string, from: Provenance | undefined } | undefined

const GENDER: Readonly<Record<string, string>> = { male: '男', female: '女' }

/** A record field's value with the observation it came from. */
function fromRecord (record: UnifiedRecord, field: string, show: (v: unknown) => string | undefined = (v) => (typeof v === 'string' && v !== '' ? v : undefined)): Value {
  const value = show(record[field])
  return value === undefined ? undefined : { value, from: (record.provenance as Record<string, Provenance>)[field] }
}

/** Form field names the canonical person answers (applicant a resident). */
const PERSON_FIELDS: Readonly<Record<string, (p: UnifiedRecord) => Value>> = {
  idNumber: (p) => fromRecord(p, 'idNumber') && { value: p.idNumber as string, from: provenanceOf(p, 'idNumber') },
  name: (p) => fromRecord(p, 'name'),
  applicantName: (p) => fromRecord(p, 'name'),
  // a resident opening a business (个体工商户) is its operator
  legalRepresentative: (p) => fromRecord(p, 'name'),
  gender: (p) => fromRecord(p, 'gender', (v) => GENDER[String(v)]),
  birthDate: (p) => fromRecord(p, 'birthDate'),
  phone: (p) => fromRecord(p, 'phone'),
  address: (p) => fromRecord(p, 'address'),
  division: (p) => fromRecord(p, 'divisionCode'),
  divisionCode: (p) => fromRecord(p, 'divisionCode'),
}

const representative = (e: UnifiedRecord): { name?: string, idNumber?: string } | null => e.legalRepresentative as { name?: string, idNumber?: string } | null

/** Form field names the canonical enterprise answers; `rep` is its legal representative's person record, when held. */
const ENTERPRISE_FIELDS: Readonly<Record<string, (e: UnifiedRecord, rep: UnifiedRecord | undefined) => Value>> = {
  creditCode: (e) => ({ value: e.creditCode as string, from: provenanceOf(e, 'creditCode') }),
  enterpriseName: (e) => fromRecord(e, 'name'),
  name: (e) => fromRecord(e, 'name'),
  legalRepresentative: (e) => fromRecord(e, 'legalRepresentative', (v) => (v as { name?: string } | null)?.name),
  idNumber: (e) => fromRecord(e, 'legalRepresentative', (v) => (v as { idNumber?: string } | null)?.idNumber),
  address: (e) => fromRecord(e, 'address'),
  division: (e) => fromRecord(e, 'divisionCode'),
  divisionCode: (e) => fromRecord(e, 'divisionCode'),
  phone: (_e, rep) => rep && fromRecord(rep, 'phone'),
}

/** The key has no provenance of its own: the observation behind the name (or any field) made the record. */
function provenanceOf (record: UnifiedRecord, field: string): Provenance | undefined {
  const provenance = record.provenance as Record<string, Provenance>
  return provenance[field] ?? provenance.name ?? Object.values(provenance)[0]
}

/** A facet that answers a form field: which facet, and how its entries read as the field's value. */
interface FacetField { facet: string, value: (entries: readonly FacetEntry[]) => FacetEntry & { text: string } | undefined }

// 救助对象类别 from 民政's social assistance: a current entry, the stronger support first.
const ASSISTANCE_STATUS: ReadonlyArray<[category: string, text: string]> = [
  ['extreme-poverty-support', '特困供养'], ['urban-minimum-living', '城乡低保'], ['rural-minimum-living', '城乡低保'],
]
const FACET_FIELDS: Readonly<Record<string, FacetField>> = {
  assistanceStatus: {
    facet: 'social-assistance',
    value: (entries) => {
      const current = entries.filter((e) => e.data.state === undefined || e.data.state === 'in-payment')
      for (const [category, text] of ASSISTANCE_STATUS) {
        const entry = current.find((e) => e.data.category === category)
        if (entry) return { ...entry, text }
      }
      return undefined
    },
  },
}

/** Which record answers for a 免提交 material, by what the material is. */
function replacementKind (m: MatterMaterial, applicant: Applicant): { kind: 'person' | 'enterprise', facet: string | null } | undefined {
  if (/身份证|户口/.test(m.name)) return { kind: 'person', facet: null }
  if (/营业执照|登记证/.test(m.name) && applicant.kind === 'enterprise') return { kind: 'enterprise', facet: null }
  if (/低保|特困|救助/.test(m.name) && applicant.kind === 'person') return { kind: 'person', facet: 'social-assistance' }
  return undefined
}

const normalizedKey = (a: Applicant): string => {
  const n = a.kind === 'person' ? residentId(a.key) : creditCode(a.key)
  if (!n.ok) throw new TongbanError(n.error.code, [a.key])
  return n.value
}

/**
 * The matter's form filled for the applicant. `purpose` (查询事由) opens the sensitive facets the
 * caller's roles may read with one; without it their fields say `purpose-required`.
 */
export async function prefillForm (deps: PrefillDeps, matter: Pick<Matter, 'forms' | 'materials'>, applicant: Applicant, scope: Scope, purpose: string | null): Promise<Prefill> {
  const key = normalizedKey(applicant)
  const inScope = await recordInScope(deps.db, applicant.kind, key, scope)
  const record = inScope ? await getRecord(deps.db, applicant.kind, key) : undefined
  const repId = applicant.kind === 'enterprise' && record ? representative(record)?.idNumber : undefined
  const rep = repId ? await getRecord(deps.db, 'person', repId) : undefined
  const source = (p: Provenance | undefined): PrefillSource | null => (p ? { ...p, department: deps.department(p.adapter) } : null)

  const facets = new Map<string, Promise<FacetEntry[]>>()
  const entriesOf = async (facet: string): Promise<FacetEntry[]> => {
    if (!facets.has(facet)) facets.set(facet, facetEntries(deps.db, applicant.kind, key, facet))
    return await facets.get(facet)!
  }
  const withPurpose = Purpose.safeParse(purpose ?? '').success
  /** Whether the facet may be read now, or why not. */
  const facetRefusal = (facet: string): PrefilledField['withheld'] => {
    const access = deps.facetAccess(facet)
    if (access === 'denied') return 'forbidden'
    return access === 'purpose' && !withPurpose ? 'purpose-required' : null
  }

  const fields: PrefilledField[] = []
  for (const f of matter.forms.flatMap((form) => form.fields)) {
    const empty: PrefilledField = { field: f.name, label: f.label, type: f.type, value: null, source: null, withheld: null }
    if (!record) { fields.push(empty); continue }
    const byFacet = applicant.kind === 'person' ? FACET_FIELDS[f.name] : undefined
    if (byFacet) {
      const withheld = facetRefusal(byFacet.facet)
      const entry = withheld === null ? byFacet.value(await entriesOf(byFacet.facet)) : undefined
      fields.push(entry && fits(f, entry.text) ? { ...empty, value: entry.text, source: source(entry.source) } : { ...empty, withheld })
      continue
    }
    const found = applicant.kind === 'person' ? PERSON_FIELDS[f.name]?.(record) : ENTERPRISE_FIELDS[f.name]?.(record, rep)
    fields.push(found && fits(f, found.value) ? { ...empty, value: found.value, source: source(found.from) } : empty)
  }

  const materials: PrefilledMaterial[] = []
  for (const m of matter.materials) {
    const exempt = m.source === 'sharing'
    const wanted = exempt && record ? replacementKind(m, applicant) : undefined
    let replacedBy: Replacement | null = null
    if (wanted && wanted.facet === null) {
      const holder = wanted.kind === applicant.kind ? record : rep
      if (holder) {
        const holderKey = holder[wanted.kind === 'person' ? 'idNumber' : 'creditCode'] as string
        replacedBy = { kind: wanted.kind, key: holderKey, facet: null, title: wanted.kind === 'person' ? '人口信息' : '市场主体登记信息', source: source(provenanceOf(holder, 'name')) }
      }
    } else if (wanted?.facet && facetRefusal(wanted.facet) === null) {
      const entry = (await entriesOf(wanted.facet))[0]
      if (entry) replacedBy = { kind: 'person', key, facet: wanted.facet, title: '社会救助信息', source: source(entry.source) }
    }
    materials.push({ ...m, exempt, replacedBy })
  }

  return { applicant: { kind: applicant.kind, key, name: typeof record?.name === 'string' ? record.name : null, found: record !== undefined }, fields, materials }
}

/** A value the field can take: a select's value must be one of its options. */
function fits (f: FormField, value: string): boolean {
  return f.type !== 'select' || (f.options ?? []).includes(value)
}
