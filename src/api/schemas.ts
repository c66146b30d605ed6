// Response and request schemas of the API: they validate input and generate /api/v1/openapi.json.
import { t } from 'elysia'

export const Limits = t.Object(
  {
    whatsapp: t.Optional(t.Integer({ minimum: 0, maximum: 1000 })),
    webchat: t.Optional(t.Integer({ minimum: 0, maximum: 1000 })),
    email: t.Optional(t.Integer({ minimum: 0, maximum: 1000 })),
  },
  { additionalProperties: false },
)

export const Presence = t.Object({
  status: t.Union([t.Literal('available'), t.Literal('paused'), t.Literal('offline')]),
  reason: t.Nullable(t.String()),
  since: t.String({ format: 'date-time' }),
})

export const User = t.Object({
  id: t.Integer(),
  name: t.String(),
  email: t.String(),
  profile: t.Union([t.String(), t.Integer()], { description: '"admin" | "supervisor" | "agent" for the built-in profiles, else the profile id' }),
  profile_id: t.Integer(),
  sector_ids: t.Array(t.Integer()),
  limits: t.Object({ whatsapp: t.Integer(), webchat: t.Integer(), email: t.Integer() }),
  presence: Presence,
  active: t.Boolean(),
  language: t.Nullable(t.String()),
  created_at: t.String({ format: 'date-time' }),
  updated_at: t.String({ format: 'date-time' }),
})

const ProfileRef = t.Union([t.String({ minLength: 1, maxLength: 40 }), t.Integer({ minimum: 1 })])

export const UserCreate = t.Object(
  {
    name: t.String({ minLength: 1, maxLength: 120 }),
    email: t.String({ minLength: 3, maxLength: 254 }),
    password: t.Optional(t.String({ minLength: 8, maxLength: 200 })),
    profile: ProfileRef,
    sector_ids: t.Optional(t.Array(t.Integer({ minimum: 1 }), { maxItems: 500 })),
    limits: t.Optional(Limits),
  },
  { additionalProperties: false },
)

export const UserPatch = t.Object(
  {
    name: t.Optional(t.String({ minLength: 1, maxLength: 120 })),
    email: t.Optional(t.String({ minLength: 3, maxLength: 254 })),
    password: t.Optional(t.String({ minLength: 8, maxLength: 200 })),
    profile: t.Optional(ProfileRef),
    sector_ids: t.Optional(t.Array(t.Integer({ minimum: 1 }), { maxItems: 500 })),
    limits: t.Optional(Limits),
    active: t.Optional(t.Boolean()),
  },
  { additionalProperties: false },
)

const Routing = t.Union([t.Literal('auto'), t.Literal('offer')])
const Survey = t.Union([t.Literal('none'), t.Literal('csat'), t.Literal('nps'), t.Literal('ces')])

export const Sector = t.Object({
  id: t.Integer(),
  name: t.String(),
  routing: Routing,
  offer_timeout_s: t.Integer(),
  business_hours_id: t.Nullable(t.Integer()),
  survey: Survey,
  require_classification: t.Boolean(),
  active: t.Boolean(),
  created_at: t.String({ format: 'date-time' }),
  updated_at: t.String({ format: 'date-time' }),
})

const sectorFields = {
  routing: t.Optional(Routing),
  offer_timeout_s: t.Optional(t.Integer({ minimum: 5, maximum: 600 })),
  business_hours_id: t.Optional(t.Nullable(t.Integer({ minimum: 1, description: 'a business-hours calendar (GET /api/v1/business-hours); null = none (always open)' }))),
  survey: t.Optional(Survey),
  require_classification: t.Optional(t.Boolean()),
}

export const SectorCreate = t.Object({ name: t.String({ minLength: 1, maxLength: 120 }), ...sectorFields }, { additionalProperties: false })
export const SectorPatch = t.Object({ name: t.Optional(t.String({ minLength: 1, maxLength: 120 })), ...sectorFields }, { additionalProperties: false })

export const PresenceUpdate = t.Object(
  {
    status: t.Union([t.Literal('available'), t.Literal('paused'), t.Literal('offline')]),
    reason: t.Optional(t.Nullable(t.String({ maxLength: 120 }))),
  },
  { additionalProperties: false },
)

export const IdParams = t.Object({ id: t.String({ pattern: '^[0-9]{1,15}$' }) })

export const list = <T extends ReturnType<typeof t.Object>>(item: T) => t.Object({ data: t.Array(item), next_cursor: t.Nullable(t.String()) })
