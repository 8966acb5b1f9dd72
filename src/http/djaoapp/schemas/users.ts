// Users as the native API shows them, in DjaoApp's field names.
import { Type } from '@fastify/type-provider-typebox';
import { Nullable, ref } from './common.js';

const text = (description: string) => Nullable(Type.String({ description }));

export const User = Type.Object({
  slug: Type.String({ description: 'Effectively the username; named slug so front-ends treat users and organizations alike.' }),
  username: Type.String({ description: 'Same as slug.' }),
  printable_name: Type.String({ description: 'Name to display.' }),
  picture: text('URL of the profile picture.'),
  email: text('Primary e-mail address.'),
  full_name: text('Full name; null when none was given.'),
  nick_name: text('Short casual name used to address the contact.'),
  created_at: Type.String({ format: 'date-time' }),
  credentials: Type.Boolean({ description: 'True if the user has valid login credentials.' }),
}, { $id: 'User', description: 'A user account or a contact.' });

export const Activity = Type.Object({
  created_at: Type.String({ format: 'date-time' }),
  created_by: text('Username of whoever recorded the activity.'),
  text: Type.String({ description: 'Free-form description of the activity.' }),
  account: text('Slug of the organization the activity is about.'),
}, { $id: 'Activity', description: 'An exchange with a contact, recorded by the broker\'s team.' });

export const UserProfile = Type.Object({
  ...User.properties,
  extra: text('Extra metadata (can be stringified JSON).'),
  activities: Type.Array(ref(Activity), { description: 'Activities recorded with the user, newest first (for the broker\'s managers; empty for others).' }),
}, { $id: 'UserProfile', description: 'A user with the extra metadata and the activities recorded with them.' });

export const Session = Type.Object({
  id: Type.String({ description: 'The session, as named by the `sid` claim of its tokens.' }),
  method: Type.String({ description: 'How it was opened: password, password+otp, password+email, password+phone, password+recovery_code, activation, reset or password_change.' }),
  ip: text('Address the session was opened from.'),
  user_agent: text('User agent that opened the session.'),
  created_at: Type.String({ format: 'date-time', description: 'When the user logged in.' }),
  refreshed_at: Type.String({ format: 'date-time', description: 'When a token was last issued for it.' }),
  expires_at: Type.String({ format: 'date-time', description: 'When it ends at the latest (SESSION_MAX_AGE_SECONDS after created_at).' }),
  current: Type.Boolean({ description: 'True for the session this request is made with.' }),
}, { $id: 'Session', description: 'A session a user is logged in with.' });

export const UserStatus = Type.Object({
  status: Type.Union([Type.Literal('active'), Type.Literal('suspended'), Type.Literal('disabled')], {
    description: 'active: can log in; suspended: blocked by an administrator; disabled: switched off for good.',
  }),
  reason: text('Why the account was suspended.'),
  suspended_at: Nullable(Type.String({ format: 'date-time', description: 'When the account was suspended.' })),
  locked: Type.Boolean({ description: 'True while too many failed logins keep the account from logging in.' }),
  locked_until: Nullable(Type.String({ format: 'date-time', description: 'When the lockout ends by itself.' })),
  failed_attempts: Type.Integer({ description: 'Consecutive failed logins counted so far.' }),
}, { $id: 'UserStatus', description: 'Whether an account is active, suspended or disabled, and locked out.' });

export const PersonalInfo = Type.Object({
  username: Type.String({ description: 'The username; it cannot be changed here.' }),
  email: text('Primary e-mail address (read-only here).'),
  first_name: text('Given name.'),
  last_name: text('Family name.'),
  phone: text('Phone number, E.164.'),
  mobile: text('Mobile number, E.164.'),
  date_of_birth: text('YYYY-MM-DD.'),
  sex: Nullable(Type.Union([Type.Literal('M'), Type.Literal('F')], { description: 'M for male, F for female.' })),
  phone_verified: Type.Boolean({ description: 'True once the phone number was confirmed with a code sent to it.' }),
  phone_pending: text('A new phone number waiting for the code sent to it; login codes go to `phone` until it is confirmed.'),
  mobile_verified: Type.Boolean({ description: 'True once the mobile number was confirmed with a code sent to it.' }),
}, { $id: 'PersonalInfo', description: 'The personal information of a user.' });

export const Preferences = Type.Object({
  timezone: Type.String({ maxLength: 64, description: 'IANA time zone, e.g. Europe/Rome.' }),
  language: Type.String({ maxLength: 16, description: 'Language code, e.g. en.' }),
  first_day_of_week: Type.String({ maxLength: 16, description: 'monday, sunday or saturday.' }),
  number_format: Type.String({ maxLength: 16, description: 'How 1234.56 is written, e.g. "1.234,56".' }),
  date_format: Type.String({ maxLength: 16, description: 'Date pattern, e.g. DD/MM/YYYY.' }),
  time_format: Type.String({ maxLength: 16, description: 'HH:mm (24-hour) or h:mm A (12-hour).' }),
}, { $id: 'Preferences', description: 'How a user wants dates, numbers and times shown.' });

export const SecurityEvent = Type.Object({
  type: Type.String({ description: 'What happened, e.g. login.failed or account.suspended.' }),
  created_at: Type.String({ format: 'date-time' }),
  ip: text('Address the request came from.'),
  user_agent: text('User-Agent of the request.'),
  detail: Nullable(Type.Object({}, { additionalProperties: true, description: 'Facts about the event.' })),
}, { $id: 'SecurityEvent', description: 'One entry of the audit trail of an account.' });

// ---- bodies shared by /users/ and /contacts/ ----

const Email = Type.String({ format: 'email', maxLength: 254, description: 'E-mail address.' });
const profileFields = {
  full_name: Type.Optional(Nullable(Type.String({ maxLength: 150, format: 'single-line', description: 'Full name (first name followed by last name).' }))),
  nick_name: Type.Optional(Nullable(Type.String({ maxLength: 60, format: 'single-line', description: 'Short casual name used to address the contact.' }))),
  picture: Type.Optional(Nullable(Type.String({ maxLength: 2048, description: 'URL of the profile picture.' }))),
  extra: Type.Optional(Nullable(Type.String({ maxLength: 10_000, description: 'Extra metadata (can be stringified JSON).' }))),
};
const EmailChangePassword = Type.Optional(Type.String({
  minLength: 1, maxLength: 256, description: 'Password of the user making the request; required to change the e-mail address.',
}));

export const UserProfileCreate = Type.Object({ email: Email, ...profileFields }, { additionalProperties: false });
export const UserProfileUpdate = Type.Object({ email: Email, ...profileFields, password: EmailChangePassword }, { additionalProperties: false });
export const UserProfilePatch = Type.Object({ email: Type.Optional(Email), ...profileFields, password: EmailChangePassword }, { additionalProperties: false });
