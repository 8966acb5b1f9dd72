// Response and request shapes shared by several native routes, in DjaoApp's field names.
import { Type, type TSchema } from '@fastify/type-provider-typebox';

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const Detail = Type.Object({ detail: Type.String({ description: 'A message in plain text.' }) });

/** What errors look like: `detail`, plus one list of messages per invalid field. */
export const ErrorBody = Type.Object(
  {
    detail: Type.String({ description: 'Describes the reason for the error in plain text.' }),
    error_code: Type.Optional(Type.String({ description: 'A stable machine code for the situation (`organization.suspended`); see docs/errors.md.' })),
  },
  { additionalProperties: Type.Array(Type.String()), description: 'An error: `detail` and, for invalid fields, `{field: [messages]}`.' },
);

export const TokenBody = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 4096, description: 'Token used to authenticate the user on every HTTP request.' }),
});

export const Slug = Type.String({ minLength: 1, maxLength: 150, pattern: '^[\\w.@+-]+$' });

export const UserParams = Type.Object({ user: Type.String({ minLength: 1, maxLength: 150, description: 'Username (slug) of the user.' }) });

export const UserBrief = Type.Object({
  slug: Type.String({ description: 'Effectively the username; named slug so front-ends treat users and organizations alike.' }),
  username: Type.String({ description: 'Same as slug.' }),
  printable_name: Type.String({ description: 'Name to display.' }),
  picture: Nullable(Type.String({ description: 'URL of the profile picture.' })),
  email: Nullable(Type.String({ description: 'Primary e-mail address.' })),
  full_name: Type.String(),
  nick_name: Nullable(Type.String({ description: 'Short casual name used to address the contact.' })),
  created_at: Type.String({ format: 'date-time' }),
  credentials: Type.Boolean({ description: 'True if the user has valid login credentials.' }),
});

export const Activity = Type.Object({
  created_at: Type.String({ format: 'date-time' }),
  created_by: Nullable(Type.String({ description: 'Username of whoever recorded the activity.' })),
  text: Type.String({ description: 'Free-form description of the activity.' }),
  account: Nullable(Type.String({ description: 'Slug of the organization the activity is about.' })),
});

export const LoginProfile = Type.Object({
  ...UserBrief.properties,
  extra: Nullable(Type.String({ description: 'Extra metadata (can be stringified JSON).' })),
  activities: Type.Array(Activity),
});

/** Standard error responses to list on every route. */
export function errors(...codes: number[]): Record<number, typeof ErrorBody> {
  return Object.fromEntries(codes.map((c) => [c, ErrorBody]));
}
