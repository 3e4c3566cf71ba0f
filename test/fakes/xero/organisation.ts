// The Xero fake's organisation: contacts, quotes and invoices in memory, validated the way the Accounting API does.
import { randomUUID } from 'node:crypto';
import { type ElementErrors, parseRequestDate, xeroDate, xeroDateString } from './wire';

export interface FakeXeroContact {
  ContactID: string;
  ContactNumber?: string;
  ContactStatus: 'ACTIVE' | 'ARCHIVED';
  Name: string;
  FirstName?: string;
  LastName?: string;
  EmailAddress?: string;
  Addresses: unknown[];
  Phones: unknown[];
  ContactGroups: unknown[];
  IsSupplier: boolean;
  IsCustomer: boolean;
  HasAttachments: boolean;
  HasValidationErrors: boolean;
  UpdatedDateUTC: string;
}

export interface FakeXeroLineItem {
  LineItemID: string;
  Description: string;
  Quantity: number;
  UnitAmount: number;
  LineAmount: number;
  TaxAmount: number;
  AccountCode?: string;
  Tracking: unknown[];
}

interface Document {
  Contact: { ContactID: string; Name: string };
  LineItems: FakeXeroLineItem[];
  Date: string;
  DateString: string;
  Status: string;
  Reference: string;
  CurrencyCode: string;
  CurrencyRate: number;
  SubTotal: number;
  TotalTax: number;
  Total: number;
  UpdatedDateUTC: string;
}

export interface FakeXeroQuote extends Document {
  QuoteID: string;
  QuoteNumber: string;
  Title: string;
  Summary: string;
  Terms: string;
  ExpiryDate?: string;
  ExpiryDateString?: string;
  TotalDiscount: number;
  LineAmountTypes: string;
}

export interface FakeXeroInvoice extends Document {
  InvoiceID: string;
  InvoiceNumber: string;
  Type: 'ACCREC' | 'ACCPAY';
  DueDate?: string;
  DueDateString?: string;
  AmountDue: number;
  AmountPaid: number;
  LineAmountTypes: string;
}

export interface WriteCounts {
  created: number;
  updated: number;
}

export type RecordKind = 'contacts' | 'quotes' | 'invoices';

/** A write either applies to every element, or fails as a whole (Xero's default summarizeErrors=true). */
export type SaveOutcome<T> = { kind: 'saved'; records: T[] } | { kind: 'invalid'; failures: ElementErrors[] } | { kind: 'not-found' };

/** PUT creates; POST updates the element whose id it names, or creates. */
export type SaveMode = 'create' | 'create-or-update';

/** `where` is not a filter this fake (or Xero) understands. */
export class QueryParseError extends Error {}

const QUOTE_STATUSES = ['DRAFT', 'SENT', 'DECLINED', 'ACCEPTED', 'INVOICED', 'DELETED'];
const INVOICE_STATUSES = ['DRAFT', 'SUBMITTED', 'AUTHORISED', 'DELETED', 'VOIDED'];
const QUOTE_LINE_AMOUNT_TYPES = ['EXCLUSIVE', 'INCLUSIVE', 'NOTAX'];
const INVOICE_LINE_AMOUNT_TYPES = ['Exclusive', 'Inclusive', 'NoTax'];
const CONTACT_FIELDS = ['Name', 'ContactNumber', 'FirstName', 'LastName', 'EmailAddress'] as const;
// Field limits of Xero-OpenAPI's xero_accounting.yaml.
const LIMITS = { contactName: 255, contactNumber: 50, quoteTitle: 100, quoteSummary: 3000 };
const WHERE_CLAUSE = /^\s*(\w+)\s*==\s*"((?:[^"\\]|\\.)*)"\s*$/;
const CONTACT_MISSING = 'A Contact must be specified for this type of transaction';

const round2 = (value: number) => Math.round(value * 100) / 100;
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const sameName = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

export class FakeXeroOrganisation {
  readonly contacts = new Map<string, FakeXeroContact>();
  readonly quotes = new Map<string, FakeXeroQuote>();
  readonly invoices = new Map<string, FakeXeroInvoice>();
  readonly writes: Record<RecordKind, WriteCounts> = { contacts: { created: 0, updated: 0 }, quotes: { created: 0, updated: 0 }, invoices: { created: 0, updated: 0 } };
  private nextQuoteNumber = 1;
  private nextInvoiceNumber = 1;

  constructor(private readonly currencyCode: string) {}

  clear(): void {
    this.contacts.clear();
    this.quotes.clear();
    this.invoices.clear();
    for (const counts of Object.values(this.writes)) Object.assign(counts, { created: 0, updated: 0 });
    this.nextQuoteNumber = 1;
    this.nextInvoiceNumber = 1;
  }

  /** Contacts matching `Field=="value"` clauses joined by AND / && (ContactNumber, Name, ContactStatus, ContactID). */
  findContacts(where: string | null): FakeXeroContact[] {
    if (where === null || where.trim() === '') return [...this.contacts.values()];
    const clauses = where.split(/\s+AND\s+|\s*&&\s*/i).map((clause) => {
      const match = WHERE_CLAUSE.exec(clause);
      const field = match?.[1];
      if (!match || !field || !['ContactNumber', 'Name', 'ContactStatus', 'ContactID'].includes(field)) throw new QueryParseError(`Unsupported where clause: ${clause.trim()}`);
      return { field, value: (match[2] ?? '').replace(/\\(.)/g, '$1') };
    });
    return [...this.contacts.values()].filter((contact) =>
      clauses.every(({ field, value }) => {
        const actual = contact[field as keyof FakeXeroContact];
        return field === 'Name' ? typeof actual === 'string' && sameName(actual, value) : actual === value;
      }),
    );
  }

  saveContacts(elements: unknown[], mode: SaveMode): SaveOutcome<FakeXeroContact> {
    const claimedNames: { name: string; id: string | undefined }[] = [];
    const failures: ElementErrors[] = [];
    const plans: { element: Record<string, unknown>; existing: FakeXeroContact | undefined }[] = [];
    for (const element of elements) {
      if (!isRecord(element)) return { kind: 'invalid', failures: [{ element, messages: ['A contact must be a JSON object'] }] };
      const id = mode === 'create-or-update' && typeof element.ContactID === 'string' ? element.ContactID : undefined;
      const existing = id === undefined ? undefined : this.contacts.get(id);
      if (id !== undefined && !existing) return { kind: 'not-found' };
      const name = typeof element.Name === 'string' ? element.Name : existing?.Name;
      const messages: string[] = [];
      if (!name?.trim()) messages.push('The contact name must be specified.');
      else if (name.length > LIMITS.contactName) messages.push(`The contact name must not exceed ${LIMITS.contactName} characters.`);
      else if (this.nameTaken(name, existing?.ContactID) || claimedNames.some((claimed) => sameName(claimed.name, name) && claimed.id !== existing?.ContactID)) {
        messages.push(`The contact name ${name} is already assigned to another contact. The contact name must be unique across all active contacts.`);
      }
      if (typeof element.ContactNumber === 'string' && element.ContactNumber.length > LIMITS.contactNumber) messages.push(`The Contact Number must not exceed ${LIMITS.contactNumber} characters.`);
      if (messages.length > 0) failures.push({ element, messages });
      if (name) claimedNames.push({ name, id: existing?.ContactID });
      plans.push({ element, existing });
    }
    if (failures.length > 0) return { kind: 'invalid', failures };
    return { kind: 'saved', records: plans.map(({ element, existing }) => this.applyContact(element, existing)) };
  }

  listQuotes(filters: { ContactID?: string | null; QuoteNumber?: string | null; Status?: string | null }): FakeXeroQuote[] {
    return [...this.quotes.values()].filter(
      (quote) => (!filters.ContactID || quote.Contact.ContactID === filters.ContactID) && (!filters.QuoteNumber || quote.QuoteNumber === filters.QuoteNumber) && (!filters.Status || quote.Status === filters.Status),
    );
  }

  /** `quoteId` comes from POST /Quotes/{QuoteID}; otherwise each element's QuoteID decides (POST only). */
  saveQuotes(elements: unknown[], mode: SaveMode, quoteId?: string): SaveOutcome<FakeXeroQuote> {
    const failures: ElementErrors[] = [];
    const plans: { element: Record<string, unknown>; existing: FakeXeroQuote | undefined }[] = [];
    for (const element of elements) {
      if (!isRecord(element)) return { kind: 'invalid', failures: [{ element, messages: ['A quote must be a JSON object'] }] };
      const id = quoteId ?? (mode === 'create-or-update' && typeof element.QuoteID === 'string' ? element.QuoteID : undefined);
      const existing = id === undefined ? undefined : this.quotes.get(id);
      if (id !== undefined && !existing) return { kind: 'not-found' };
      const messages = this.documentProblems(element, existing, QUOTE_STATUSES, QUOTE_LINE_AMOUNT_TYPES);
      if (existing?.Status === 'DELETED') messages.push('This quote has been deleted and cannot be edited.');
      if (!existing && element.Status === 'DELETED') messages.push('A quote cannot be created with the status DELETED.');
      if (typeof element.Title === 'string' && element.Title.length > LIMITS.quoteTitle) messages.push(`Title must not exceed ${LIMITS.quoteTitle} characters.`);
      if (typeof element.Summary === 'string' && element.Summary.length > LIMITS.quoteSummary) messages.push(`Summary must not exceed ${LIMITS.quoteSummary} characters.`);
      const date = element.Date === undefined ? parseRequestDate(existing?.DateString) : parseRequestDate(element.Date);
      const expiry = element.ExpiryDate === undefined ? parseRequestDate(existing?.ExpiryDateString) : parseRequestDate(element.ExpiryDate);
      if (element.ExpiryDate !== undefined && expiry === null) messages.push('ExpiryDate is not a valid date.');
      if (date !== null && expiry !== null && expiry < date) messages.push('The expiry date must be on or after the quote date.');
      if (messages.length > 0) failures.push({ element, messages });
      plans.push({ element, existing });
    }
    if (failures.length > 0) return { kind: 'invalid', failures };
    return { kind: 'saved', records: plans.map(({ element, existing }) => this.applyQuote(element, existing)) };
  }

  saveInvoices(elements: unknown[], mode: SaveMode): SaveOutcome<FakeXeroInvoice> {
    const failures: ElementErrors[] = [];
    const plans: { element: Record<string, unknown>; existing: FakeXeroInvoice | undefined }[] = [];
    for (const element of elements) {
      if (!isRecord(element)) return { kind: 'invalid', failures: [{ element, messages: ['An invoice must be a JSON object'] }] };
      const id = mode === 'create-or-update' && typeof element.InvoiceID === 'string' ? element.InvoiceID : undefined;
      const existing = id === undefined ? undefined : this.invoices.get(id);
      if (id !== undefined && !existing) return { kind: 'not-found' };
      const messages = this.documentProblems(element, existing, INVOICE_STATUSES, INVOICE_LINE_AMOUNT_TYPES);
      if (!existing && element.Type !== 'ACCREC' && element.Type !== 'ACCPAY') messages.push('Invoice Type must be ACCREC or ACCPAY.');
      if (messages.length > 0) failures.push({ element, messages });
      plans.push({ element, existing });
    }
    if (failures.length > 0) return { kind: 'invalid', failures };
    return { kind: 'saved', records: plans.map(({ element, existing }) => this.applyInvoice(element, existing)) };
  }

  private nameTaken(name: string, exceptId: string | undefined): boolean {
    return [...this.contacts.values()].some((contact) => contact.ContactStatus === 'ACTIVE' && contact.ContactID !== exceptId && sameName(contact.Name, name));
  }

  /** The checks quotes and invoices share: an existing contact, a date, line items, a known status and line amount type. */
  private documentProblems(element: Record<string, unknown>, existing: Document | undefined, statuses: string[], lineAmountTypes: string[]): string[] {
    const messages: string[] = [];
    const contact = element.Contact;
    if (contact !== undefined || !existing) {
      const contactId = isRecord(contact) && typeof contact.ContactID === 'string' ? contact.ContactID : undefined;
      if (contactId === undefined) messages.push(CONTACT_MISSING);
      else if (!this.contacts.has(contactId)) messages.push(`The contact with ContactID ${contactId} could not be found.`);
    }
    if ((element.Date !== undefined || !existing) && parseRequestDate(element.Date) === null) messages.push('A valid Date must be specified.');
    if (element.LineItems !== undefined || !existing) {
      const lines = Array.isArray(element.LineItems) ? element.LineItems : [];
      if (lines.length === 0) messages.push('At least one line item must be specified.');
      if (lines.some((line) => !isRecord(line) || (line.UnitAmount !== undefined && typeof line.UnitAmount !== 'number') || (line.Quantity !== undefined && typeof line.Quantity !== 'number'))) {
        messages.push('Line items need numeric Quantity and UnitAmount values.');
      }
    }
    if (element.Status !== undefined && !(typeof element.Status === 'string' && statuses.includes(element.Status))) messages.push(`Status must be one of ${statuses.join(', ')}.`);
    if (element.LineAmountTypes !== undefined && !(typeof element.LineAmountTypes === 'string' && lineAmountTypes.includes(element.LineAmountTypes))) messages.push(`LineAmountTypes must be one of ${lineAmountTypes.join(', ')}.`);
    return messages;
  }

  private applyContact(element: Record<string, unknown>, existing: FakeXeroContact | undefined): FakeXeroContact {
    const contact: FakeXeroContact = existing ?? {
      ContactID: randomUUID(),
      ContactStatus: 'ACTIVE',
      Name: '',
      Addresses: [],
      Phones: [],
      ContactGroups: [],
      IsSupplier: false,
      IsCustomer: false,
      HasAttachments: false,
      HasValidationErrors: false,
      UpdatedDateUTC: '',
    };
    for (const field of CONTACT_FIELDS) if (typeof element[field] === 'string') contact[field] = element[field];
    if (element.ContactStatus === 'ACTIVE' || element.ContactStatus === 'ARCHIVED') contact.ContactStatus = element.ContactStatus;
    contact.UpdatedDateUTC = xeroDate(Date.now());
    this.count('contacts', existing);
    this.contacts.set(contact.ContactID, contact);
    return structuredClone(contact);
  }

  private applyQuote(element: Record<string, unknown>, existing: FakeXeroQuote | undefined): FakeXeroQuote {
    const quote: FakeXeroQuote = existing ?? {
      QuoteID: randomUUID(),
      QuoteNumber: `QU-${String(this.nextQuoteNumber++).padStart(4, '0')}`,
      Title: '',
      Summary: '',
      Terms: '',
      TotalDiscount: 0,
      LineAmountTypes: 'EXCLUSIVE',
      ...this.blankDocument(),
    };
    for (const field of ['Title', 'Summary', 'Terms', 'LineAmountTypes'] as const) if (typeof element[field] === 'string') quote[field] = element[field];
    if (element.ExpiryDate !== undefined) {
      const expiry = parseRequestDate(element.ExpiryDate)!;
      Object.assign(quote, { ExpiryDate: xeroDate(expiry), ExpiryDateString: xeroDateString(expiry) });
    }
    this.applyDocument(quote, element);
    this.count('quotes', existing);
    this.quotes.set(quote.QuoteID, quote);
    return structuredClone(quote);
  }

  private applyInvoice(element: Record<string, unknown>, existing: FakeXeroInvoice | undefined): FakeXeroInvoice {
    const invoice: FakeXeroInvoice = existing ?? {
      InvoiceID: randomUUID(),
      InvoiceNumber: element.Type === 'ACCREC' ? `INV-${String(this.nextInvoiceNumber++).padStart(4, '0')}` : '',
      Type: element.Type as FakeXeroInvoice['Type'],
      AmountDue: 0,
      AmountPaid: 0,
      LineAmountTypes: 'Exclusive',
      ...this.blankDocument(),
    };
    if (typeof element.LineAmountTypes === 'string') invoice.LineAmountTypes = element.LineAmountTypes;
    const due = parseRequestDate(element.DueDate);
    if (due !== null) Object.assign(invoice, { DueDate: xeroDate(due), DueDateString: xeroDateString(due) });
    this.applyDocument(invoice, element);
    invoice.AmountDue = invoice.Total - invoice.AmountPaid;
    this.count('invoices', existing);
    this.invoices.set(invoice.InvoiceID, invoice);
    return structuredClone(invoice);
  }

  private blankDocument(): Document {
    return {
      Contact: { ContactID: '', Name: '' },
      LineItems: [],
      Date: '',
      DateString: '',
      Status: 'DRAFT',
      Reference: '',
      CurrencyCode: this.currencyCode,
      CurrencyRate: 1,
      SubTotal: 0,
      TotalTax: 0,
      Total: 0,
      UpdatedDateUTC: '',
    };
  }

  /** Fields quotes and invoices share; the element was validated, so its contact exists and its date parses. */
  private applyDocument(document: Document, element: Record<string, unknown>): void {
    if (isRecord(element.Contact)) {
      const contact = this.contacts.get(element.Contact.ContactID as string)!;
      document.Contact = { ContactID: contact.ContactID, Name: contact.Name };
    }
    if (element.Date !== undefined) {
      const date = parseRequestDate(element.Date)!;
      Object.assign(document, { Date: xeroDate(date), DateString: xeroDateString(date) });
    }
    if (typeof element.Status === 'string') document.Status = element.Status;
    if (typeof element.Reference === 'string') document.Reference = element.Reference;
    if (Array.isArray(element.LineItems)) {
      document.LineItems = (element.LineItems as Record<string, unknown>[]).map((line) => {
        const quantity = (line.Quantity as number | undefined) ?? 1;
        const unitAmount = (line.UnitAmount as number | undefined) ?? 0;
        return {
          LineItemID: randomUUID(),
          Description: typeof line.Description === 'string' ? line.Description : '',
          Quantity: quantity,
          UnitAmount: unitAmount,
          LineAmount: round2(quantity * unitAmount),
          TaxAmount: 0,
          ...(typeof line.AccountCode === 'string' ? { AccountCode: line.AccountCode } : {}),
          Tracking: [],
        };
      });
    }
    // The fake has no tax rates: every line is tax-free, so totals are the sum of line amounts.
    document.SubTotal = round2(document.LineItems.reduce((sum, line) => sum + line.LineAmount, 0));
    document.Total = document.SubTotal;
    document.UpdatedDateUTC = xeroDate(Date.now());
  }

  private count(kind: RecordKind, existing: unknown): void {
    this.writes[kind][existing ? 'updated' : 'created'] += 1;
  }
}
