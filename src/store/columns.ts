// Canonical field -> column, per entity kind. The store's SQL for persons and enterprises (reads
// and unify's writes) is built from these tables, so a new canonical field is one line here and
// one column in a migration.
import type { EntityKind } from '../model/index.ts'

export interface Column { name: string, type: 'text' | 'date' | 'jsonb' }

export const tables: Record<EntityKind, { table: string, key: string, columns: Record<string, Column> }> = {
  person: {
    table: 'persons',
    key: 'idNumber',
    columns: {
      idNumber: { name: 'id_number', type: 'text' },
      name: { name: 'name', type: 'text' },
      gender: { name: 'gender', type: 'text' },
      birthDate: { name: 'birth_date', type: 'date' },
      ethnicityCode: { name: 'ethnicity_code', type: 'text' },
      phone: { name: 'phone', type: 'text' },
      address: { name: 'address', type: 'text' },
      divisionCode: { name: 'division_code', type: 'text' },
      status: { name: 'status', type: 'text' },
    },
  },
  enterprise: {
    table: 'enterprises',
    key: 'creditCode',
    columns: {
      creditCode: { name: 'credit_code', type: 'text' },
      name: { name: 'name', type: 'text' },
      type: { name: 'type', type: 'text' },
      legalRepresentative: { name: 'legal_representative', type: 'jsonb' },
      address: { name: 'address', type: 'text' },
      divisionCode: { name: 'division_code', type: 'text' },
      status: { name: 'status', type: 'text' },
      establishedOn: { name: 'established_on', type: 'date' },
      industryCode: { name: 'industry_code', type: 'text' },
      registeredCapital: { name: 'registered_capital', type: 'jsonb' },
    },
  },
}
