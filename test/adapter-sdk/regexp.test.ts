// escapeRegExp: every character a regular expression gives meaning to is matched literally.
import t from 'tap'
import { escapeRegExp } from '../../src/adapter-sdk/regexp.ts'

t.test('special characters match themselves', async (t) => {
  const text = 'a.b*c+d?e^f$g{h}i(j)k|l[m]n\\o/p-q'
  t.ok(new RegExp(`^${escapeRegExp(text)}$`).test(text))
  t.notOk(new RegExp(`^${escapeRegExp('a.b')}$`).test('axb'), 'a dot is a dot')
  t.equal(escapeRegExp('YYYY年MM月'), 'YYYY年MM月', 'ordinary text is unchanged')
})
