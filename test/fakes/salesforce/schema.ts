// The fake org's object metadata (Opportunity as Salesforce defines it), its describe JSON and the field checks of a save.

export type FieldType = 'id' | 'string' | 'textarea' | 'picklist' | 'date' | 'datetime' | 'currency' | 'percent' | 'boolean' | 'reference';

export interface FieldSchema {
  name: string;
  label: string;
  type: FieldType;
  length?: number;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  externalId?: boolean;
  /** Picklist values; `restricted` rejects any other value. */
  picklist?: { values: string[]; restricted: boolean };
}

export interface SObjectSchema {
  name: string;
  label: string;
  keyPrefix: string;
  fields: FieldSchema[];
}

/** One error of a failed save, as the REST API reports it (`errorCode` for single records, `statusCode` in collections). */
export interface SaveError {
  errorCode: string;
  message: string;
  fields: string[];
}

/** The standard Opportunity stages of a new org. */
const STANDARD_OPPORTUNITY_STAGES = [
  'Prospecting',
  'Qualification',
  'Needs Analysis',
  'Value Proposition',
  'Id. Decision Makers',
  'Perception Analysis',
  'Proposal/Price Quote',
  'Negotiation/Review',
  'Closed Won',
  'Closed Lost',
];

const readOnly = (name: string, label: string, type: FieldType): FieldSchema => ({ name, label, type, nillable: false, createable: false, updateable: false });
const writable = (field: Omit<FieldSchema, 'createable' | 'updateable'>): FieldSchema => ({ ...field, createable: true, updateable: true });

/** Opportunity with its usual standard fields and our custom external-id text field. */
export function opportunitySchema(externalIdField: string): SObjectSchema {
  return {
    name: 'Opportunity',
    label: 'Opportunity',
    keyPrefix: '006',
    fields: [
      readOnly('Id', 'Opportunity ID', 'id'),
      readOnly('IsDeleted', 'Deleted', 'boolean'),
      writable({ name: 'AccountId', label: 'Account ID', type: 'reference', nillable: true }),
      writable({ name: 'Name', label: 'Name', type: 'string', length: 120, nillable: false }),
      writable({ name: 'Description', label: 'Description', type: 'textarea', length: 32_000, nillable: true }),
      writable({ name: 'StageName', label: 'Stage', type: 'picklist', length: 255, nillable: false, picklist: { values: STANDARD_OPPORTUNITY_STAGES, restricted: true } }),
      writable({ name: 'Amount', label: 'Amount', type: 'currency', nillable: true }),
      writable({ name: 'Probability', label: 'Probability (%)', type: 'percent', nillable: true }),
      writable({ name: 'CloseDate', label: 'Close Date', type: 'date', nillable: false }),
      writable({ name: 'Type', label: 'Opportunity Type', type: 'picklist', length: 255, nillable: true, picklist: { values: ['Existing Business', 'New Business'], restricted: false } }),
      writable({ name: externalIdField, label: 'Current RMS Id', type: 'string', length: 255, nillable: true, externalId: true }),
      readOnly('CreatedDate', 'Created Date', 'datetime'),
      readOnly('LastModifiedDate', 'Last Modified Date', 'datetime'),
      readOnly('SystemModstamp', 'System Modstamp', 'datetime'),
    ],
  };
}

/** GET /sobjects/{type}/describe: the parts of DescribeSObjectResult clients read. */
export function describe(schema: SObjectSchema, baseUrl: string): object {
  return {
    name: schema.name,
    label: schema.label,
    keyPrefix: schema.keyPrefix,
    createable: true,
    updateable: true,
    deletable: true,
    queryable: true,
    fields: schema.fields.map((field) => ({
      name: field.name,
      label: field.label,
      type: field.type,
      length: field.length ?? 0,
      nillable: field.nillable,
      createable: field.createable,
      updateable: field.updateable,
      externalId: field.externalId ?? false,
      idLookup: field.type === 'id' || (field.externalId ?? false),
      unique: false,
      restrictedPicklist: field.picklist?.restricted ?? false,
      picklistValues: (field.picklist?.values ?? []).map((value) => ({ active: true, defaultValue: false, label: value, value })),
    })),
    urls: { sobject: `${baseUrl}/sobjects/${schema.name}`, describe: `${baseUrl}/sobjects/${schema.name}/describe`, rowTemplate: `${baseUrl}/sobjects/${schema.name}/{ID}` },
  };
}

/** The field name as the schema spells it (API names are case-insensitive), or undefined. */
export function fieldNamed(schema: SObjectSchema, name: string): FieldSchema | undefined {
  const lower = name.toLowerCase();
  return schema.fields.find((field) => field.name.toLowerCase() === lower);
}

/**
 * The values keyed by the fields' own spelling, or the first problem Salesforce would report, in its order: unknown
 * field, read-only field, wrong JSON type, too long, bad restricted picklist value, required fields missing or nulled.
 */
export function checkValues(schema: SObjectSchema, values: Record<string, unknown>, operation: 'create' | 'update'): { values: Record<string, unknown> } | { error: SaveError } {
  const canonical: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    const field = fieldNamed(schema, name);
    if (!field) return { error: { errorCode: 'INVALID_FIELD', message: `No such column '${name}' on sobject of type ${schema.name}`, fields: [] } };
    canonical[field.name] = value === '' ? null : value; // the REST API reads an empty string as null
  }
  const given = schema.fields.filter((field) => Object.hasOwn(canonical, field.name));
  const readOnlyFields = given.filter((field) => !(operation === 'create' ? field.createable : field.updateable)).map((field) => field.name);
  if (readOnlyFields.length > 0) {
    const message = `Unable to create/update fields: ${readOnlyFields.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`;
    return { error: { errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', message, fields: readOnlyFields } };
  }
  for (const field of given) {
    const error = checkValue(field, canonical[field.name]);
    if (error) return { error };
  }
  const blank = (value: unknown) => value === undefined || value === null;
  const missing = schema.fields
    .filter((field) => field.createable && !field.nillable)
    .filter((field) => (operation === 'create' || Object.hasOwn(canonical, field.name)) && blank(canonical[field.name]))
    .map((field) => field.name);
  if (missing.length > 0) return { error: { errorCode: 'REQUIRED_FIELD_MISSING', message: `Required fields are missing: [${missing.join(', ')}]`, fields: missing } };
  return { values: canonical };
}

function checkValue(field: FieldSchema, value: unknown): SaveError | undefined {
  if (value === null) return undefined;
  const wrongType = (javaType: string): SaveError => ({
    errorCode: 'JSON_PARSER_ERROR',
    message: `Cannot deserialize instance of ${javaType} from ${typeof value === 'string' ? 'VALUE_STRING' : 'VALUE_NUMBER_INT'} value ${JSON.stringify(value)} or request may be missing a required field`,
    fields: [],
  });
  switch (field.type) {
    case 'currency':
    case 'percent':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : wrongType(field.type);
    case 'boolean':
      return typeof value === 'boolean' ? undefined : wrongType('boolean');
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value)) ? undefined : wrongType('date');
    case 'datetime':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? undefined : wrongType('datetime');
    default: {
      if (typeof value !== 'string') return wrongType('string');
      if (field.length !== undefined && value.length > field.length) {
        return { errorCode: 'STRING_TOO_LONG', message: `${field.label}: data value too large: ${value} (max length=${field.length})`, fields: [field.name] };
      }
      if (field.picklist?.restricted && !field.picklist.values.includes(value)) {
        return { errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', message: `${field.label}: bad value for restricted picklist field: ${value}`, fields: [field.name] };
      }
      return undefined;
    }
  }
}
