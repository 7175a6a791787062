// A deadline's explanation as sentences a person reads: when counting began, which days counted,
// which were skipped and why, and the due day (or why there is none while the clock is stopped).
import type { Explanation, Limit, Span } from './deadline.ts'

export type Lang = 'zh' | 'en'

// The statutory festivals' names in English; any other name (a local holiday) is shown as written.
const FESTIVALS_EN: Readonly<Record<string, string>> = {
  元旦: 'New Year\'s Day',
  春节: 'Spring Festival',
  清明节: 'Qingming Festival',
  劳动节: 'Labour Day',
  端午节: 'Dragon Boat Festival',
  中秋节: 'Mid-Autumn Festival',
  国庆节: 'National Day',
  '国庆节、中秋节': 'National Day and Mid-Autumn Festival',
}

const festival = (name: string | undefined, lang: Lang): string => (lang === 'en' ? FESTIVALS_EN[name ?? ''] : undefined) ?? name ?? ''

function limitText (limit: Limit, lang: Lang): string {
  if (lang === 'zh') return `${limit.amount} 个${limit.unit === 'working-days' ? '工作日' : '自然日'}`
  return `${limit.amount} ${limit.unit === 'working-days' ? 'working' : 'calendar'} day${limit.amount === 1 ? '' : 's'}`
}

function range (span: Span, lang: Lang): string {
  return span.from === span.to ? span.from : `${span.from}${lang === 'zh' ? ' 至 ' : ' to '}${span.to}`
}

function spanText (span: Span, lang: Lang): string {
  const when = range(span, lang)
  const n = span.days
  if (lang === 'zh') {
    switch (span.why) {
      case 'workday': return `${when}：计入 ${n} 个工作日`
      case 'make-up-workday': return `${when}：调休上班日（${span.name ?? ''}），计入 ${n} 个工作日`
      case 'calendar-day': return `${when}：计入 ${n} 日`
      case 'weekend': return `${when}：周末，不计`
      case 'holiday': return `${when}：${span.name ?? ''}假期，不计`
      case 'paused': return `${when}：暂停计时（${span.name ?? ''}），不计`
      case 'moved': return `期限最后一日 ${span.movedFrom ?? ''} 不是工作日，顺延至 ${when}`
    }
  }
  const days = `${n} day${n === 1 ? '' : 's'}`
  switch (span.why) {
    case 'workday': return `${when}: ${n} working ${n === 1 ? 'day' : 'days'} counted`
    case 'make-up-workday': return `${when}: make-up working ${n === 1 ? 'day' : 'days'} (${festival(span.name, lang)}), counted`
    case 'calendar-day': return `${when}: ${days} counted`
    case 'weekend': return `${when}: weekend, not counted`
    case 'holiday': return `${when}: ${festival(span.name, lang)} holiday, not counted`
    case 'paused': return `${when}: clock paused (${span.name ?? ''}), not counted`
    case 'moved': return `The last day, ${span.movedFrom ?? ''}, is not a working day; it moves to ${when}`
  }
}

/** The explanation as a list of sentences, in Chinese or English. */
export function explainText (explanation: Explanation, lang: Lang): string[] {
  const e = explanation
  const zh = lang === 'zh'
  const lines = [zh
    ? `${e.start} 开始计时，当日不计入，自次日起算；期限 ${limitText(e.limit, lang)}${e.extension ? `，延期 ${limitText(e.extension, lang)}` : ''}。`
    : `The clock started on ${e.start}; that day is not counted, counting begins the next day. Limit: ${limitText(e.limit, lang)}${e.extension ? `, extended by ${limitText(e.extension, lang)}` : ''}.`]
  let extensionSaid = false
  for (const span of e.spans) {
    if (span.part === 'extension' && !extensionSaid && e.limitDue) {
      lines.push(zh ? `原期限于 ${e.limitDue} 届满，延期自次日起算。` : `The limit ends on ${e.limitDue}; the extension counts from the next day.`)
      extensionSaid = true
    }
    lines.push(`${spanText(span, lang)}${zh ? '。' : '.'}`)
  }
  if (e.stopped) {
    const left = limitText(e.stopped.remaining, lang)
    const part = e.stopped.part === 'extension' ? (zh ? '延期' : 'of the extension') : (zh ? '期限' : 'of the limit')
    lines.push(zh
      ? `自 ${e.stopped.since} 起暂停计时（${e.stopped.reason}），暂停期间没有截止日；${part}尚余 ${left}。`
      : `The clock is stopped since ${e.stopped.since} (${e.stopped.reason}); there is no due date while it is stopped; ${left} ${part} remain.`)
  } else if (e.due) {
    lines.push(zh ? `截止日：${e.due}。` : `Due: ${e.due}.`)
  }
  return lines
}
