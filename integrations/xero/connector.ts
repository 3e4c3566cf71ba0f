// Writes an opportunity to Xero as its customer's contact plus one quote, never twice (ids, lookups and idempotency keys).
import type { XeroContactPayload, XeroPayload, XeroQuotePayload } from '../../domain/sync-payloads/xero';
import type { XeroSettings } from '../../lib/config';
import { IntegrationError } from '../errors';
import type { ConnectorWrite, ConnectorWriteResult, ExternalLink, SyncConnector } from '../sync-connector';
import { XERO_PAGE_SIZE, XeroClient, type XeroClientOptions, type XeroQuote } from './client';
import { XERO_SYSTEM } from './errors';

/** What a successful write leaves in `external_integrations.metadata` (and gets back as `previous.metadata`). */
export interface XeroLinkMetadata {
  contactId: string;
  /** The ContactNumber and Name last written to that contact: while both match, the contact needs no call. */
  contactNumber: string;
  contactName: string;
  quoteNumber: string;
}

/**
 * Assumptions: the quote stays a DRAFT while we sync it (Xero restricts edits of sent or accepted quotes; such a
 * refusal surfaces as a validation failure with Xero's message), and a quote a Xero user deleted is not ours to revive:
 * a live opportunity then gets a new quote.
 */
export class XeroConnector implements SyncConnector<XeroPayload> {
  readonly system = 'xero' as const;
  private readonly client: XeroClient;

  constructor(settings: XeroSettings, options: XeroClientOptions = {}) {
    this.client = new XeroClient(settings, options);
  }

  async write({ payload, idempotencyKey, previous, signal }: ConnectorWrite<XeroPayload>): Promise<ConnectorWriteResult> {
    const contactId = await this.ensureContact(payload.contact, idempotencyKey, previousMetadata(previous), signal);
    const { quote, created } = await this.ensureQuote(payload.quote, contactId, idempotencyKey, previous?.externalId ?? null, signal);
    const metadata: XeroLinkMetadata = { contactId, contactNumber: payload.contact.ContactNumber, contactName: payload.contact.Name, quoteNumber: quote.QuoteNumber };
    return { externalId: quote.QuoteID, created, metadata: { ...metadata } };
  }

  /** The ContactID of the customer's contact: the one we linked before, else the one carrying its ContactNumber, else a new one. */
  private async ensureContact(contact: XeroContactPayload, key: string, previous: Partial<XeroLinkMetadata>, signal?: AbortSignal): Promise<string> {
    if (previous.contactId !== undefined && previous.contactNumber === contact.ContactNumber) {
      if (previous.contactName === contact.Name) return previous.contactId;
      const updated = await this.client.saveContact({ ContactID: previous.contactId, ...contact }, `${key}:contact:${previous.contactId}`, signal);
      if (updated) return updated.ContactID;
      // 404: the contact is gone from this organisation; find or create it again below.
    }
    const numbered = await this.contactWithNumber(contact, key, signal);
    if (numbered !== null) return numbered;
    // Adopt a contact someone created by hand for this customer (names are unique among active contacts); a
    // same-named contact linked to another member is left alone, and Xero's "already assigned" refusal says why.
    const [named] = await this.client.contactsWhere(`Name==${whereString(contact.Name)}`, signal);
    if (named && !named.ContactNumber) return this.updateContact(named.ContactID, contact, key, signal);
    return this.createContact(contact, key, signal);
  }

  /**
   * A new contact. Syncs of two opportunities of one new customer race to create it: the loser's POST is refused
   * ("already assigned"), and the winner's contact, found by its ContactNumber, is the one both link to.
   */
  private async createContact(contact: XeroContactPayload, key: string, signal?: AbortSignal): Promise<string> {
    try {
      const created = await this.client.saveContact({ ...contact }, `${key}:contact:new`, signal);
      if (!created) throw new IntegrationError(XERO_SYSTEM, 'validation', 'Xero POST /Contacts answered 404 to a new contact');
      return created.ContactID;
    } catch (error) {
      if (!(error instanceof IntegrationError && error.kind === 'validation')) throw error;
      const sibling = await this.contactWithNumber(contact, key, signal);
      if (sibling === null) throw error;
      return sibling;
    }
  }

  /** The ContactID of the contact carrying the customer's ContactNumber (its name brought up to date), or null. */
  private async contactWithNumber(contact: XeroContactPayload, key: string, signal?: AbortSignal): Promise<string | null> {
    const [numbered] = await this.client.contactsWhere(`ContactNumber==${whereString(contact.ContactNumber)}`, signal);
    if (!numbered) return null;
    return numbered.Name === contact.Name ? numbered.ContactID : this.updateContact(numbered.ContactID, contact, key, signal);
  }

  private async updateContact(contactId: string, contact: XeroContactPayload, key: string, signal?: AbortSignal): Promise<string> {
    const updated = await this.client.saveContact({ ContactID: contactId, ...contact }, `${key}:contact:${contactId}`, signal);
    if (!updated) throw new IntegrationError(XERO_SYSTEM, 'retryable', `Xero contact ${contactId} disappeared while we updated it`);
    return updated.ContactID;
  }

  /** Updates the quote we wrote before (unless it is gone), else the contact's quote with our Reference, else creates one. */
  private async ensureQuote(quote: XeroQuotePayload, contactId: string, key: string, previousQuoteId: string | null, signal?: AbortSignal): Promise<{ quote: XeroQuote; created: boolean }> {
    const fields = { ...quote, Contact: { ContactID: contactId } };
    if (previousQuoteId !== null) {
      const updated = await this.updateKnownQuote(previousQuoteId, fields, key, signal);
      if (updated) return { quote: updated, created: false };
    }
    const existing = await this.findQuote(contactId, quote.Reference, quote.Status, signal);
    if (existing?.Status === 'DELETED') return { quote: existing, created: false };
    if (existing) {
      const updated = await this.client.updateQuote({ QuoteID: existing.QuoteID, ...fields }, `${key}:quote:${existing.QuoteID}`, signal);
      if (!updated) throw new IntegrationError(XERO_SYSTEM, 'retryable', `Xero quote ${existing.QuoteID} disappeared while we updated it`);
      return { quote: updated, created: false };
    }
    if (quote.Status === 'DRAFT') return { quote: await this.client.createQuote(fields, `${key}:quote`, signal), created: true };
    // Deleted before its first sync: Xero creates no deleted documents, so the quote is created as a draft, then deleted.
    const draft = await this.client.createQuote({ ...fields, Status: 'DRAFT' }, `${key}:quote`, signal);
    const deleted = await this.client.updateQuote({ QuoteID: draft.QuoteID, ...fields }, `${key}:quote:${draft.QuoteID}`, signal);
    if (!deleted) throw new IntegrationError(XERO_SYSTEM, 'retryable', `Xero quote ${draft.QuoteID} disappeared while we deleted it`);
    return { quote: deleted, created: true };
  }

  /**
   * POST /Quotes by id; null when that quote is gone (404) or a Xero user deleted it while our opportunity lives on.
   * Xero refuses edits of a deleted quote, so only a refusal costs the extra GET that tells those cases apart.
   */
  private async updateKnownQuote(quoteId: string, fields: XeroQuotePayload & { Contact: { ContactID: string } }, key: string, signal?: AbortSignal): Promise<XeroQuote | null> {
    try {
      return await this.client.updateQuote({ QuoteID: quoteId, ...fields }, `${key}:quote:${quoteId}`, signal);
    } catch (error) {
      if (!(error instanceof IntegrationError && error.kind === 'validation')) throw error;
      const current = await this.client.quote(quoteId, signal);
      if (current === null) return null;
      if (current.Status !== 'DELETED') throw error;
      return fields.Status === 'DELETED' ? current : null;
    }
  }

  /** The contact's quote with our Reference (a live one first; a deleted one only when we are deleting), paging through all. */
  private async findQuote(contactId: string, reference: string, status: XeroQuotePayload['Status'], signal?: AbortSignal): Promise<XeroQuote | undefined> {
    let deleted: XeroQuote | undefined;
    for (let page = 1; ; page += 1) {
      const quotes = await this.client.quotesOfContact(contactId, page, signal);
      for (const quote of quotes.filter((candidate) => candidate.Reference === reference)) {
        if (quote.Status !== 'DELETED') return quote;
        deleted ??= quote;
      }
      if (quotes.length < XERO_PAGE_SIZE) return status === 'DELETED' ? deleted : undefined;
    }
  }
}

/** The metadata of the last write, keeping only non-empty strings. */
function previousMetadata(previous: ExternalLink | null): Partial<XeroLinkMetadata> {
  const metadata = previous?.metadata ?? {};
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  return { contactId: text(metadata.contactId), contactNumber: text(metadata.contactNumber), contactName: text(metadata.contactName) };
}

/** A string literal for Xero's `where` filter (double quotes, backslash escapes). */
function whereString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
