// Who may read which facet: ordinary ones whoever reads the record, sensitive ones only the
// configured roles (per facet, else sensitiveRoles); a facet no running adapter declares counts as
// sensitive; of two declarations of one name, the sensitive one.
import t from 'tap'
import { Config } from '../src/config/schema.ts'
import { facetAccess, facetCatalogue, facetInfo, Purpose } from '../src/facets/access.ts'
import { assistanceAdapter } from './facet-adapters.ts'

const facetsConfig = (facets?: unknown): Config['facets'] =>
  Config.parse({ towns: [{ code: '320412120000', name: '湟里镇' }], adapters: [], ...(facets === undefined ? {} : { facets }) }).facets

t.test('the catalogue and the access rule', async (t) => {
  const catalogue = facetCatalogue([
    assistanceAdapter('a', 'test-assistance', 'sensitive'),
    assistanceAdapter('b', 'test-doctor', 'ordinary'),
    assistanceAdapter('c', 'test-shared', 'ordinary'),
    assistanceAdapter('d', 'test-shared', 'sensitive'),
  ])
  const assistance = facetInfo(catalogue, 'test-assistance', 'person')
  t.match(assistance, { of: 'person', sensitivity: 'sensitive', fields: ['category', 'since', 'note'], labels: { category: { zh: '救助类别' }, since: { zh: '起始日期' }, note: { zh: '备注' } } })
  t.equal(facetInfo(catalogue, 'test-shared', 'person').sensitivity, 'sensitive', 'of two declarations of a name, the sensitive one')
  const gone = facetInfo(catalogue, 'no-longer-declared', 'enterprise')
  t.same([gone.sensitivity, gone.of, gone.title], ['sensitive', 'enterprise', { zh: 'no-longer-declared', en: 'no-longer-declared' }], 'a facet no adapter declares is sensitive')

  const defaults = facetsConfig()
  t.same(defaults, { sensitiveRoles: ['window-staff', 'town-leader'], access: {} }, 'by default window staff and town leaders read sensitive facets')
  t.equal(facetAccess(defaults, facetInfo(catalogue, 'test-doctor', 'person'), ['grid-staff']), 'open')
  t.equal(facetAccess(defaults, assistance, ['window-staff']), 'purpose')
  t.equal(facetAccess(defaults, assistance, ['grid-staff', 'town-leader']), 'purpose', 'any of the roles')
  t.equal(facetAccess(defaults, assistance, ['county-admin']), 'denied')
  t.equal(facetAccess(defaults, gone, ['window-staff']), 'purpose')

  const narrowed = facetsConfig({ sensitiveRoles: ['town-leader'], access: { 'test-assistance': { roles: ['grid-staff'] } } })
  t.equal(facetAccess(narrowed, assistance, ['town-leader']), 'denied', 'a facet named in access: its roles only')
  t.equal(facetAccess(narrowed, assistance, ['grid-staff']), 'purpose')
  t.equal(facetAccess(narrowed, gone, ['town-leader']), 'purpose', 'others: sensitiveRoles')
  t.throws(() => facetsConfig({ sensitiveRoles: ['janitor'] }), 'roles are checked')
  t.throws(() => facetsConfig({ acess: {} }), 'a misspelt key is an error, not silently open')

  t.same(['', ' x ', '低保', ' 低保年审 ', 'x'.repeat(200), 'x'.repeat(201)].map((p) => Purpose.safeParse(p).success), [false, false, true, true, true, false], 'a purpose: 2 to 200 characters, trimmed')
})
