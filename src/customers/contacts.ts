// Linking contacts (channel identities) to customers, by hand (the customer page, the API) and when a
// ticket's customer is set (the protocol form, the bot's identify step): the next ticket of a linked
// contact starts with its customer (src/channels/whatsapp/ingest.ts ticketFor). Audited.
import type { Context } from '../context'
import { write } from '../db/open'
import { conflict, HttpError, notFound } from '../http/errors'
import type { CustomerContact } from './contacts-store'
import type { Customer } from './store'

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/** A contact as the API shows it: `identity` is the channel's key (WhatsApp wa_id, e-mail address, visitor id). */
export function contactJson(c: CustomerContact) {
  return {
    id: c.id,
    channel_id: c.channel_id,
    channel_type: c.channel_type,
    identity: c.external_key,
    name: c.name,
    ...(c.channel_type === 'whatsapp' ? { wa_id: c.external_key } : {}),
    ...(c.channel_type === 'email' ? { email: c.external_key } : {}),
    phone: c.phone,
    customer_id: c.customer_id,
    last_ticket_at: iso(c.last_ticket_at),
    created_at: new Date(c.created_at).toISOString(),
  }
}

const notAnonymized = (customer: Customer) => {
  if (customer.anonymized_at !== null) throw conflict('customer_anonymized', 'customer_contacts.anonymized')
}

/**
 * Links the contact to the customer. 404 when the contact does not exist; 409 `contact_linked` when
 * it belongs to another customer (unlink it there first: moving it silently would re-route that
 * customer's next conversation). Linking it again to the same customer changes nothing.
 */
export function linkContact(ctx: Context, actorId: number, customer: Customer, contactId: number, ip: string | null): { contact: CustomerContact; linked: boolean } {
  notAnonymized(customer)
  return write(ctx.db, () => {
    const contact = ctx.stores.customers.contacts.get(contactId)
    if (!contact || contact.external_key.startsWith('anonymized:')) throw notFound()
    if (contact.customer_id === customer.id) return { contact, linked: false }
    if (contact.customer_id !== null) throw new HttpError(409, 'contact_linked', 'customer_contacts.taken')
    ctx.stores.customers.contacts.link(contact.id, customer.id)
    ctx.stores.audit.record({ actor_id: actorId, action: 'customer.contact_link', object_type: 'customer', object_id: customer.id, ip, details: { contact_id: contact.id } })
    return { contact: ctx.stores.customers.contacts.get(contact.id)!, linked: true }
  })
}

/** 404 `not_found` when the contact is not linked to this customer. */
export function unlinkContact(ctx: Context, actorId: number, customer: Customer, contactId: number, ip: string | null) {
  write(ctx.db, () => {
    const contact = ctx.stores.customers.contacts.get(contactId)
    if (!contact || contact.customer_id !== customer.id) throw new HttpError(404, 'not_found', 'customer_contacts.not_linked')
    ctx.stores.customers.contacts.unlink(contact.id, customer.id)
    ctx.stores.audit.record({ actor_id: actorId, action: 'customer.contact_unlink', object_type: 'customer', object_id: customer.id, ip, details: { contact_id: contact.id } })
  })
}

/**
 * Call inside the transaction that sets a ticket's customer (updateTicket): its contact becomes the
 * customer's when it belongs to nobody yet (like the bot's identify step), so the contact's next
 * ticket starts with this customer.
 */
export function linkTicketContact(ctx: Context, contactId: number, customerId: number) {
  ctx.stores.customers.contacts.linkIfFree(contactId, customerId)
}

/**
 * Call inside the transaction that created a ticket: a contact linked to a customer starts every
 * new ticket (inbound, outbound template, bulk notice) with that customer.
 */
export function inheritContactCustomer(ctx: Context, ticketId: number, contactId: number, now = Date.now()) {
  const customerId = ctx.stores.customers.contacts.customerOf(contactId)
  if (customerId !== null) ctx.stores.tickets.patch(ticketId, { customer_id: customerId }, now)
}
