import t from 'tap'
import { address, enterpriseName, isEmpty, personName, text, toHalfWidth } from '../../src/normalize/index.ts'

t.test('personName: NFKC, no whitespace, one middle dot', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['张秀英', '张秀英', 'clean'],
    ['\u3000张秀英  ', '张秀英', 'padding with U+3000 and spaces'],
    ['张\u3000伟', '张伟', 'U+3000 inside'],
    ['张 伟', '张伟', 'space inside'],
    ['  欧阳 文杰\t', '欧阳文杰', 'two-character surname'],
    ['买买提·艾力', '买买提·艾力', 'U+00B7 kept'],
    ['买买提.艾力', '买买提·艾力', 'full stop'],
    ['买买提•艾力', '买买提·艾力', 'U+2022 bullet'],
    ['买买提・艾力', '买买提·艾力', 'U+30FB katakana middle dot'],
    ['买买提‧艾力', '买买提·艾力', 'U+2027 hyphenation point'],
    ['买买提∙艾力', '买买提·艾力', 'U+2219 bullet operator'],
    ['买买提⋅艾力', '买买提·艾力', 'U+22C5 dot operator'],
    ['买买提･艾力', '买买提·艾力', 'U+FF65 halfwidth katakana middle dot'],
    ['买买提．艾力', '买买提·艾力', 'U+FF0E full-width full stop'],
    ['阿依古丽 · 吐尔逊', '阿依古丽·吐尔逊', 'spaces around the dot'],
    ['迈克尔·杰克逊', '迈克尔·杰克逊', 'transliterated name'],
    ['ＬＩ　Ｍｉｎｇ', 'LIMing', 'full-width Latin letters (NFKC), whitespace removed'],
    ['张\u200b伟', '张伟', 'zero-width space'],
    ['\ufeff张伟', '张伟', 'BOM'],
  ]
  for (const [input, value, why] of cases) t.same(personName(input), { ok: true, value }, `${why}: ${JSON.stringify(input)}`)
  for (const input of ['', '   ', '\u3000\u3000', '\t\n', '\u200b']) {
    const r = personName(input)
    t.equal(r.ok ? 'ok' : r.error.code, 'TB_TEXT_INVALID', `empty: ${JSON.stringify(input)}`)
    if (!r.ok) t.ok(r.error.message.includes(JSON.stringify(input)), 'the message names the value')
  }
})

t.test('personName keeps every real name: scripts, marks, rare characters, foreign names', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['欧阳娜娜', '欧阳娜娜', 'Han'],
    ['𠀋𡈽', '𠀋𡈽', 'CJK extension B (surrogate pairs)'],
    ['王\ue000', '王\ue000', 'a rare character a register keeps in the private use area'],
    ['李〇', '李〇', '〇 U+3007'],
    ['扎西顿珠', '扎西顿珠', 'Tibetan name in Han'],
    ['བཀྲ་ཤིས', 'བཀྲ་ཤིས', 'Tibetan script with its marks and tsheg'],
    ['ئەخمەت', 'ئەخمەت', 'Uyghur (Arabic script)'],
    ['让-保罗·萨特', '让-保罗·萨特', 'hyphen in a transliterated name'],
    ["O'Brien", "O'Brien", 'apostrophe'],
    ['O\u2019Brien', 'O\u2019Brien', 'typographic apostrophe'],
    ['José', 'José', 'Latin with an accent'],
    ['Nguyễn', 'Nguyễn', 'Vietnamese diacritics'],
  ]
  for (const [input, value, why] of cases) t.same(personName(input), { ok: true, value }, `${why}: ${JSON.stringify(input)}`)
})

t.test('personName refuses markup, template syntax, symbols and control characters', async (t) => {
  const cases: Array<[string, RegExp, string]> = [
    ['<script>alert(1)</script>', /letters, the middle dot/, 'markup'],
    ['{{7*7}}${7*7}', /letters, the middle dot/, 'template syntax'],
    ['＜ｂ＞王芳', /letters, the middle dot/, 'full-width markup (NFKC folds it to <b>)'],
    ['王芳"onmouseover="x', /letters, the middle dot/, 'a quote'],
    ['王芳&amp;', /letters, the middle dot/, 'an entity'],
    ['王芳1', /letters, the middle dot/, 'a digit'],
    ['王芳(曾用名)', /letters, the middle dot/, 'brackets'],
    ['王芳😀', /letters, the middle dot/, 'an emoji'],
    ['王\u0000芳', /control character U\+0000/, 'NUL'],
    ['王\u0007芳', /control character U\+0007/, 'BEL'],
    ['王\u001b[31m芳', /control character U\+001B/, 'an ANSI escape'],
    ['王\u0085芳', /control character U\+0085/, 'C1 NEL'],
    ['王\ud800芳', /letters, the middle dot/, 'a lone surrogate'],
  ]
  for (const [input, message, why] of cases) {
    const r = personName(input)
    t.equal(r.ok ? 'ok' : r.error.code, 'TB_TEXT_INVALID', `${why}: ${JSON.stringify(input)}`)
    if (!r.ok) t.ok(message.test(r.error.message) && r.error.message.includes(JSON.stringify(input)), `${why}: says why and names the value (${r.error.message})`)
  }
  t.same(personName('\t王芳\r\n'), { ok: true, value: '王芳' }, 'tabs and line breaks are padding, not control characters')
})

t.test('text and address: NFKC, whitespace collapsed, trimmed', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['湟里镇村前村12号', '湟里镇村前村12号', 'clean'],
    ['  湟里镇村前村12号\u3000', '湟里镇村前村12号', 'padding'],
    ['湟里镇  村前村\u3000\u300012号', '湟里镇 村前村 12号', 'runs collapse to one space'],
    ['湟里镇村前村１２号', '湟里镇村前村12号', 'full-width digits'],
    ['湟里镇（东区）', '湟里镇(东区)', 'NFKC folds full-width brackets'],
    ['Room 1\t\n2', 'Room 1 2', 'tabs and newlines'],
    ['ﾃｽﾄ', 'テスト', 'half-width katakana (NFKC)'],
    ['①号楼', '1号楼', 'circled digit (NFKC)'],
    ['常州市，武进区', '常州市,武进区', 'full-width comma (NFKC)'],
    ['《常州日报》、湟里镇。', '《常州日报》、湟里镇。', 'CJK punctuation stays'],
  ]
  for (const [input, value, why] of cases) {
    t.same(text(input), { ok: true, value }, `text, ${why}: ${JSON.stringify(input)}`)
    t.same(address(input), { ok: true, value }, `address, ${why}`)
  }
  for (const input of ['', ' ', '\u3000', '\r\n\t']) {
    for (const f of [text, address]) {
      const r = f(input)
      t.equal(r.ok ? 'ok' : r.error.code, 'TB_TEXT_INVALID', `${f.name} empty: ${JSON.stringify(input)}`)
    }
  }
})

t.test('enterpriseName: trimmed, collapsed, CJK spacing removed, brackets full-width', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['常州市武进区湟里镇恒达机械有限公司', '常州市武进区湟里镇恒达机械有限公司', 'clean'],
    ['常州市武进区湟里镇恒达机械有限公司  ', '常州市武进区湟里镇恒达机械有限公司', 'trailing spaces (spec quirk)'],
    ['  常州恒达机械有限公司 ', '常州恒达机械有限公司', 'padding both sides'],
    ['常州 恒达 机械有限公司', '常州恒达机械有限公司', 'spaces between CJK'],
    ['常州\u3000恒达机械有限公司', '常州恒达机械有限公司', 'U+3000 between CJK'],
    ['江苏恒达机械有限公司（湟里分公司）', '江苏恒达机械有限公司（湟里分公司）', 'full-width brackets kept'],
    ['江苏恒达机械有限公司(湟里分公司)', '江苏恒达机械有限公司（湟里分公司）', 'half-width brackets made full-width'],
    ['恒达机械(常州)有限公司', '恒达机械（常州）有限公司', 'brackets in the middle'],
    ['恒达机械 ( 常州 ) 有限公司', '恒达机械（常州）有限公司', 'spaces around brackets'],
    ['恒达机械（常州)有限公司', '恒达机械（常州）有限公司', 'mixed brackets made consistent'],
    ['ABC Technology (China) Co., Ltd.', 'ABC Technology（China）Co., Ltd.', 'spaces between Latin words stay'],
    ['常州ＡＢＣ科技有限公司', '常州ABC科技有限公司', 'full-width Latin letters (NFKC)'],
    ['常州 ABC 科技有限公司', '常州 ABC 科技有限公司', 'spaces between CJK and Latin stay'],
  ]
  for (const [input, value, why] of cases) t.same(enterpriseName(input), { ok: true, value }, `${why}: ${JSON.stringify(input)}`)
  for (const input of ['', '   ', '\u3000']) {
    const r = enterpriseName(input)
    t.equal(r.ok ? 'ok' : r.error.code, 'TB_TEXT_INVALID', `empty: ${JSON.stringify(input)}`)
  }
})

t.test('enterpriseName keeps digits, Latin and punctuation of real names, refuses markup and control characters', async (t) => {
  const kept: Array<[string, string]> = [
    ['常州市第1机械厂', '常州市第1机械厂'],
    ['58同城信息技术有限公司', '58同城信息技术有限公司'],
    ['H&M (China) Co., Ltd.', 'H&M（China）Co., Ltd.'],
    ['常州市“龙城”商贸有限公司', '常州市“龙城”商贸有限公司'],
    ['常州市武进区湟里镇恒达机械厂·经营部', '常州市武进区湟里镇恒达机械厂·经营部'],
    ['江苏恒达机械有限公司常州武进分公司', '江苏恒达机械有限公司常州武进分公司'],
    ['恒达-精工(常州)有限公司', '恒达-精工（常州）有限公司'],
  ]
  for (const [input, value] of kept) t.same(enterpriseName(input), { ok: true, value }, input)
  const refused: Array<[string, RegExp]> = [
    ['<script>alert(1)</script>有限公司', /"<" is not in enterprise names/],
    ['{{7*7}}有限公司', /"\{" is not in enterprise names/],
    ['${7*7}有限公司', /"\$" is not in enterprise names/],
    ['＜恒达＞有限公司', /"<" is not in enterprise names/],
    ['恒达`id`有限公司', /"`" is not in enterprise names/],
    ['恒达\\有限公司', /"\\\\" is not in enterprise names/],
    ['恒达\u0000有限公司', /control character U\+0000/],
    ['恒达\u009b有限公司', /control character U\+009B/],
  ]
  for (const [input, message] of refused) {
    const r = enterpriseName(input)
    t.equal(r.ok ? 'ok' : r.error.code, 'TB_TEXT_INVALID', JSON.stringify(input))
    if (!r.ok) t.match(r.error.message, message, `says why: ${r.error.message}`)
  }
})

t.test('toHalfWidth', async (t) => {
  const cases: Array<[string, string]> = [
    ['', ''],
    ['abc123', 'abc123'],
    ['ＡＢＣ１２３', 'ABC123'],
    ['ａｂｃ', 'abc'],
    ['\u3000', ' '],
    ['（）！～', '()!~'],
    ['张秀英', '张秀英'],
    ['２０２０年９月２９日', '2020年9月29日'],
    ['mixed Ｍｉｘｅｄ', 'mixed Mixed'],
  ]
  for (const [input, value] of cases) t.equal(toHalfWidth(input), value, JSON.stringify(input))
  const same = 'already half width'
  t.equal(toHalfWidth(same), same, 'no copy needed')
})

t.test('isEmpty', async (t) => {
  const empty: unknown[] = [null, undefined, '', ' ', '\u3000', ' \u3000\t\n', 'null', 'NULL', 'Null', ' null ']
  const notEmpty: unknown[] = ['0', 'a', '张', 0, false, {}, [], 'nul', 'nullx', 'undefined']
  for (const v of empty) t.equal(isEmpty(v), true, `${JSON.stringify(v) ?? String(v)} is empty`)
  for (const v of notEmpty) t.equal(isEmpty(v), false, `${JSON.stringify(v) ?? String(v)} is a value`)
})
