// A case's form data checked against its matter's forms: every required field present, every
// value through the normaliser of its type, and stored as the normalised text (the platform
// wants strings). A value that fails is reported at its field with the normaliser's code, so the
// window can say in Chinese what is wrong; nothing is submitted until all fields pass.
import type { FormField, Matter } from '../model/matter.ts'
import { creditCode, date, divisionCode, fail, ok, phone, residentId, type Normalized } from '../normalize/index.ts'

export interface FieldError { field: string, code: string, message: string }

function normalize (field: FormField, value: string): Normalized<string, unknown> {
  switch (field.type) {
    case 'idNumber': return residentId(value)
    case 'creditCode': return creditCode(value)
    case 'phone': return phone(value)
    case 'division': return divisionCode(value)
    case 'date': return date(value)
    case 'number': return /^-?\d+(\.\d+)?$/.test(value.trim()) ? ok(value.trim()) : fail('TB_FORM_VALUE_INVALID', field.label, 'a number')
    case 'select': return field.options?.includes(value) ? ok(value) : fail('TB_FORM_VALUE_INVALID', field.label, `one of ${(field.options ?? []).join(', ')}`)
    case 'text': return ok(value.trim())
  }
}

/** The form data normalised, or the errors of each field that failed. Fields the matter's forms do not name are refused. */
export function checkForm (matter: Pick<Matter, 'forms'>, formData: Readonly<Record<string, string>>): { ok: true, data: Record<string, string> } | { ok: false, errors: FieldError[] } {
  const fields = new Map(matter.forms.flatMap((f) => f.fields).map((f) => [f.name, f]))
  const errors: FieldError[] = []
  const data: Record<string, string> = {}
  for (const name of Object.keys(formData)) {
    if (!fields.has(name)) errors.push({ field: name, ...fail('TB_FORM_FIELD_UNKNOWN', name).error })
  }
  for (const field of fields.values()) {
    const raw = formData[field.name]?.trim() ?? ''
    if (raw === '') {
      if (field.required) errors.push({ field: field.name, ...fail('TB_FORM_VALUE_MISSING', field.label).error })
      continue
    }
    const n = normalize(field, raw)
    if (n.ok) data[field.name] = String(n.value)
    else errors.push({ field: field.name, ...n.error })
  }
  return errors.length ? { ok: false, errors } : { ok: true, data }
}
