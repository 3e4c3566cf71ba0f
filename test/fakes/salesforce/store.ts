// The fake org's records: creates, updates, upserts by external id and deletes, with Salesforce's checks, ids and write counts.
import { checkValues, fieldNamed, type SaveError, type SObjectSchema } from './schema';

export type SObjectRecord = Record<string, unknown> & { Id: string };

/** A validation rule an admin added: when `rejects` holds for the saved record, the save fails with `message`. */
export interface ValidationRule {
  type: string;
  message: string;
  /** The field the message is shown on, if any. */
  field?: string;
  rejects: (record: Readonly<Record<string, unknown>>) => boolean;
}

export type SaveOutcome = { success: true; id: string; created: boolean } | { success: false; status: number; error: SaveError };
/** An upsert whose external id matches several records does nothing. */
export type UpsertOutcome = SaveOutcome | { success: false; status: 300; duplicates: string[] };

export interface WriteCounts {
  creates: number;
  updates: number;
}

const NOT_FOUND: SaveError = { errorCode: 'NOT_FOUND', message: 'The requested resource does not exist', fields: [] };
const ID_CHECKSUM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

export class RecordStore {
  private constructor(
    private readonly schemas: ReadonlyMap<string, SObjectSchema>,
    readonly rules: ValidationRule[],
    private readonly records: Map<string, Map<string, SObjectRecord>>,
    private readonly counts: Map<string, WriteCounts>,
    private sequence: number,
  ) {}

  static empty(schemas: SObjectSchema[]): RecordStore {
    return new RecordStore(new Map(schemas.map((schema) => [schema.name.toLowerCase(), schema])), [], new Map(), new Map(), 0);
  }

  /** A copy to apply an all-or-none batch to: committed by using it, rolled back by dropping it. */
  draft(): RecordStore {
    const records = new Map([...this.records].map(([type, byId]) => [type, new Map(byId)]));
    const counts = new Map([...this.counts].map(([type, count]) => [type, { ...count }]));
    return new RecordStore(this.schemas, this.rules, records, counts, this.sequence);
  }

  /** The object's schema; type names are case-insensitive, like the API's. */
  schema(type: string): SObjectSchema | undefined {
    return this.schemas.get(type.toLowerCase());
  }

  list(type: string): SObjectRecord[] {
    return [...this.table(type).values()].map((record) => ({ ...record }));
  }

  get(type: string, id: string): SObjectRecord | undefined {
    const record = this.table(type).get(id);
    return record && { ...record };
  }

  writeCounts(type: string): WriteCounts {
    return { ...(this.counts.get(this.canonicalType(type)) ?? { creates: 0, updates: 0 }) };
  }

  create(type: string, values: Record<string, unknown>): SaveOutcome {
    const schema = this.schema(type);
    if (!schema) return { success: false, status: 404, error: NOT_FOUND };
    const checked = checkValues(schema, values, 'create');
    if ('error' in checked) return { success: false, status: 400, error: checked.error };
    const now = salesforceTimestamp();
    const record: SObjectRecord = { Id: this.nextId(schema.keyPrefix), IsDeleted: false, ...checked.values, CreatedDate: now, LastModifiedDate: now, SystemModstamp: now };
    const ruleError = this.violatedRule(schema.name, record);
    if (ruleError) return { success: false, status: 400, error: ruleError };
    this.table(type).set(record.Id, record);
    this.count(schema.name, 'creates');
    return { success: true, id: record.Id, created: true };
  }

  update(type: string, id: string, values: Record<string, unknown>): SaveOutcome {
    const schema = this.schema(type);
    const current = this.table(type).get(id);
    if (!schema || !current) return { success: false, status: 404, error: NOT_FOUND };
    const checked = checkValues(schema, values, 'update');
    if ('error' in checked) return { success: false, status: 400, error: checked.error };
    const now = salesforceTimestamp();
    const record: SObjectRecord = { ...current, ...checked.values, Id: id, LastModifiedDate: now, SystemModstamp: now };
    const ruleError = this.violatedRule(schema.name, record);
    if (ruleError) return { success: false, status: 400, error: ruleError };
    this.table(type).set(id, record);
    this.count(schema.name, 'updates');
    return { success: true, id, created: false };
  }

  /** Updates the one record whose `externalIdField` equals `value`, creates one (with that value) when none does. */
  upsert(type: string, externalIdField: string, value: string, values: Record<string, unknown>): UpsertOutcome {
    const schema = this.schema(type);
    if (!schema) return { success: false, status: 404, error: NOT_FOUND };
    const field = fieldNamed(schema, externalIdField);
    if (!field?.externalId) {
      return { success: false, status: 404, error: { errorCode: 'NOT_FOUND', message: `Provided external ID field does not exist or is not accessible: ${externalIdField}`, fields: [] } };
    }
    const matches = [...this.table(type).values()].filter((record) => record[field.name] === value).map((record) => record.Id);
    const [match, ...others] = matches;
    if (others.length > 0) return { success: false, status: 300, duplicates: matches };
    return match === undefined ? this.create(type, { ...values, [field.name]: value }) : this.update(type, match, values);
  }

  delete(type: string, id: string): boolean {
    return this.table(type).delete(id);
  }

  private violatedRule(type: string, record: SObjectRecord): SaveError | undefined {
    const rule = this.rules.find((candidate) => candidate.type.toLowerCase() === type.toLowerCase() && candidate.rejects(record));
    return rule && { errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: rule.message, fields: rule.field ? [rule.field] : [] };
  }

  private table(type: string): Map<string, SObjectRecord> {
    const key = this.canonicalType(type);
    let table = this.records.get(key);
    if (!table) this.records.set(key, (table = new Map()));
    return table;
  }

  private canonicalType(type: string): string {
    return this.schema(type)?.name ?? type;
  }

  private count(type: string, kind: keyof WriteCounts): void {
    const counts = this.counts.get(type) ?? { creates: 0, updates: 0 };
    counts[kind] += 1;
    this.counts.set(type, counts);
  }

  /** An 18-character id: key prefix, a fixed instance part, a sequence, and the case-checksum suffix Salesforce appends. */
  private nextId(keyPrefix: string): string {
    this.sequence += 1;
    const id15 = `${keyPrefix}8D0${this.sequence.toString(36).toUpperCase().padStart(9, '0')}`;
    let suffix = '';
    for (let chunk = 0; chunk < 3; chunk++) {
      let bits = 0;
      for (let position = 0; position < 5; position++) if (/[A-Z]/.test(id15[chunk * 5 + position] ?? '')) bits |= 1 << position;
      suffix += ID_CHECKSUM_ALPHABET[bits];
    }
    return id15 + suffix;
  }
}

/** Salesforce's datetime format: 2024-05-01T10:00:00.000+0000. */
const salesforceTimestamp = () => new Date().toISOString().replace('Z', '+0000');
