// Accountcentral's named shapes for team administration (users, security) and capabilities.
import { Type, type TSchema } from '@fastify/type-provider-typebox';
import { Nullable, PageQuery, Pk, UserPkParams, GroupPkParams } from './common.js';

export { UserPkParams, GroupPkParams };

const STATUS = Type.Union([Type.Literal('ACTIVE'), Type.Literal('SUSPENDED'), Type.Literal('DISABLED')], {
  description: 'ACTIVE: the user can log in. SUSPENDED: blocked (by a manager, on suspicious activity): cannot log in, and every session and token of theirs ended. DISABLED: disabled by an explicit action of an administrator.',
});
const USER_TYPE = Type.Union([Type.Literal('INTERACTIVE'), Type.Literal('APPLICATION')], {
  description: 'INTERACTIVE: a person who logs in. APPLICATION: credentials for an application.',
});

/** The fields of Accountcentral's UserInfo, as answered. */
const USER_INFO_FIELDS = {
  userPk: Type.Integer({ description: 'The user\'s key.' }),
  name: Type.String({ description: 'Given name.' }),
  surname: Type.String({ description: 'Family name.' }),
  username: Type.String({ description: 'The login name; it cannot be changed.' }),
  email: Nullable(Type.String({ description: 'The e-mail address (a new one waits for its confirmation link before it shows here).' })),
  groupName: Nullable(Type.String({ description: 'The name of the customer that made the account (its `creationGroupPk`); null for an account its owner made.' })),
  phone: Nullable(Type.String({ description: 'A contact number, in international form; never texted.' })),
  cellPhone: Nullable(Type.String({ description: 'The mobile number, in international form: where the verification codes and the PIN (login codes by SMS) go.' })),
  dateOfBirth: Nullable(Type.String({ description: 'YYYY-MM-DD.' })),
  sex: Nullable(Type.Union([Type.Literal('M'), Type.Literal('F')], { description: 'M for male, F for female.' })),
  cellPhoneVerified: Type.Boolean({ description: 'A code sent to `cellPhone` came back.' }),
  status: STATUS,
  userType: USER_TYPE,
};

export const AcUserInfo = Type.Object(USER_INFO_FIELDS, {
  $id: 'AcUserInfo',
  description: 'A user\'s personal info (Accountcentral\'s UserInfo).',
});

export const AcSuspensionInfo = Type.Object({
  reason: Nullable(Type.String({ description: 'Why the account was suspended or disabled.' })),
  suspendedAt: Nullable(Type.Integer({ description: 'When: milliseconds since 1970-01-01 UTC.' })),
  by: Nullable(Type.String({ description: 'The username of whoever suspended it, when recorded.' })),
}, { $id: 'AcSuspensionInfo', description: 'Why and when an account stopped being active, and by whom.' });

export const AcTeamUserInfo = Type.Object({
  ...USER_INFO_FIELDS,
  suspensionInfo: Nullable(Type.Unsafe<{ reason: string | null; suspendedAt: number | null; by: string | null }>({ $ref: 'AcSuspensionInfo' })),
}, {
  $id: 'AcTeamUserInfo',
  description: 'A user of the team: UserInfo and, while the account is not active, `suspensionInfo` (null while it is).',
});

/** UserInfo as a body: every field optional; read-only ones must repeat the current value. */
export const AcUserInfoUpdate = Type.Object({
  userPk: Type.Optional(Pk('The user\'s key: read-only, must be the path\'s.')),
  name: Type.Optional(Type.String({ minLength: 0, maxLength: 150, format: 'single-line', description: 'Given name.' })),
  surname: Type.Optional(Type.String({ minLength: 0, maxLength: 150, format: 'single-line', description: 'Family name.' })),
  username: Type.Optional(Type.String({ maxLength: 150, description: 'Cannot be changed: when given, it must be the current one.' })),
  email: Type.Optional(Type.String({ format: 'email', maxLength: 254, description: 'A new address waits, unchanged here, until the link mailed to it is opened; needs `password`.' })),
  groupName: Type.Optional(Nullable(Type.String({ maxLength: 300, description: 'Read-only: the customer\'s name is changed on the customer.' }))),
  phone: Type.Optional(Nullable(Type.String({ maxLength: 40, description: 'Contact number, + then 8 to 15 digits; null or empty removes it.' }))),
  cellPhone: Type.Optional(Nullable(Type.String({ maxLength: 40, description: 'Mobile number (verification codes, PIN), + then 8 to 15 digits. A new one waits for the code sent to it and needs `password`; null or empty removes it (only while the PIN is off).' }))),
  dateOfBirth: Type.Optional(Nullable(Type.String({ maxLength: 10, description: 'YYYY-MM-DD; null or empty removes it.' }))),
  sex: Type.Optional(Nullable(Type.Union([Type.Literal('M'), Type.Literal('F')], { description: 'M for male, F for female.' }))),
  cellPhoneVerified: Type.Optional(Type.Boolean({ description: 'Read-only: a number is verified by its code.' })),
  status: Type.Optional(STATUS),
  userType: Type.Optional(USER_TYPE),
  password: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'Addition: the password of the user making the request, needed to change `email` or `cellPhone` (a stolen session alone must not move where codes and resets go).' })),
}, { additionalProperties: false, description: 'The fields to change; those left out stay. `username`, `userPk`, `status`, `userType`, `groupName` and `cellPhoneVerified` are read-only: a different value is refused (400) naming the field.' });

export const AcNewPassword = Type.Object({
  timestamp: Type.Integer({ description: 'When it was done: milliseconds since 1970-01-01 UTC.' }),
  result: Type.String({ description: 'What was done.' }),
  resultCode: Type.String({ description: '`OK`.' }),
  newPassword: Type.String({ description: 'The new password: 20 random characters (letters, digits, symbols). Shown this once; never stored in clear.' }),
}, { $id: 'AcNewPassword', description: 'The Result, with the new password.' });

export const AcActive = Type.Object({
  active: Type.Boolean({ description: 'Whether the PIN (a code by SMS at each login) is on.' }),
}, { $id: 'AcActive', description: 'The two-factor (PIN by SMS) status.' });

export const AcActiveBody = Type.Object({
  active: Type.Boolean({ description: 'true to turn the PIN on (needs a verified mobile number), false to turn it off.' }),
}, { additionalProperties: false });

export const AcCodeBody = Type.Object({
  code: Type.Integer({ minimum: 0, maximum: 999999, description: 'The verification code received by SMS (6 digits; leading zeros may be dropped).' }),
}, { additionalProperties: false });

export const AcSuspendBody = Type.Object({
  suspended: Type.Boolean({ description: 'true to suspend, false to reactivate.' }),
  reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'Addition: why, kept and shown in `suspensionInfo` (a generic reason when left out).' })),
}, { additionalProperties: false });

export const AcLockout = Type.Object({
  lockedOut: Type.Boolean({ description: 'Failed logins lock the account now.' }),
  lockExpirationDate: Nullable(Type.String({ format: 'date-time', description: 'When the lock ends (ISO 8601, UTC); null when not locked.' })),
}, { $id: 'AcLockout', description: 'The account\'s login lockout.' });

export const AcSecurityEvent = Type.Object({
  type: Type.String({ description: 'What happened: `login.succeeded`, `login.failed`, `login.locked`, `password.reset`, `pin.reset`, `account.suspended`, ...' }),
  timestamp: Type.Integer({ description: 'When: milliseconds since 1970-01-01 UTC.' }),
  date: Type.String({ format: 'date-time', description: 'When, in ISO 8601 (UTC).' }),
  ip: Nullable(Type.String({ description: 'The address the request came from.' })),
  userAgent: Nullable(Type.String({ description: 'The client that made it.' })),
  application: Type.Optional(Nullable(Type.String({ description: 'The application the event was for (an OAuth2 client\'s id: a login through the authorization server), when there was one; what `exclude-app` compares with.' }))),
  detail: Nullable(Type.Object({}, { additionalProperties: true, description: 'What the event records (who did it as `by`, what it ended, ...).' })),
}, { $id: 'AcSecurityEvent', description: 'One event of an account\'s audit trail.' });

export const AcSecurityEventsQuery = Type.Object({
  ...PageQuery,
  type: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Only events of this type.' })),
  from: Type.Optional(Type.Integer({ minimum: 0, maximum: 8_640_000_000_000, description: 'Only events at or after this time: milliseconds since 1970-01-01 UTC.' })),
  to: Type.Optional(Type.Integer({ minimum: 0, maximum: 8_640_000_000_000, description: 'Only events at or before this time: milliseconds since 1970-01-01 UTC.' })),
});

/** The fields of a user in a customer's lists: UserInfo, the customer that made it, and dates. */
const LISTED_USER_FIELDS = {
  ...USER_INFO_FIELDS,
  creationGroupPk: Nullable(Type.Integer({ description: 'The customer that made the account (its managers administer it); null for an account its owner made, listed as a member.' })),
  creationDate: Type.Integer({ description: 'When the account was made: milliseconds since 1970-01-01 UTC.' }),
  lastLoginDate: Nullable(Type.Integer({ description: 'The last login: milliseconds since 1970-01-01 UTC.' })),
};

export const AcCustomerUser = Type.Object(LISTED_USER_FIELDS, { $id: 'AcCustomerUser', description: 'A user of a customer or sub-customer.' });

export const AcFailedLoginUser = Type.Object({
  ...LISTED_USER_FIELDS,
  failedLogins: Type.Integer({ description: 'Failed logins in the last `days` days.' }),
  consecutiveFailedLogins: Type.Integer({ description: 'Failed logins since the last successful one.' }),
  lastFailedLogin: Nullable(Type.Integer({ description: 'The last failed login: milliseconds since 1970-01-01 UTC.' })),
  lockedOut: Type.Boolean({ description: 'Failed logins lock the account now.' }),
  lockExpirationDate: Nullable(Type.String({ format: 'date-time', description: 'When the lock ends; null when not locked.' })),
}, { $id: 'AcFailedLoginUser', description: 'A user with failed logins.' });

export const ISSUE_DESCRIPTION = 'LOCKED_OUT: failed logins lock the account now. SUSPENDED / DISABLED: the account cannot log in. '
  + 'PASSWORD_EXPIRED: the password is older than the site\'s PASSWORD_MAX_AGE_DAYS (never, unless the site sets it). '
  + 'NO_PASSWORD: no password was ever set. EMAIL_NOT_VERIFIED: no e-mail address, or one never confirmed. '
  + 'FAILED_LOGINS: failed logins in the last 7 days. PIN_NUMBER_NOT_VERIFIED: the PIN is on but no code proved the mobile number it goes to.';

export const AcUserWithIssues = Type.Object({
  ...LISTED_USER_FIELDS,
  issues: Type.Array(Type.Union([
    Type.Literal('LOCKED_OUT'), Type.Literal('SUSPENDED'), Type.Literal('DISABLED'), Type.Literal('PASSWORD_EXPIRED'),
    Type.Literal('NO_PASSWORD'), Type.Literal('EMAIL_NOT_VERIFIED'), Type.Literal('FAILED_LOGINS'), Type.Literal('PIN_NUMBER_NOT_VERIFIED'),
  ]), { description: `Each issue of the user. ${ISSUE_DESCRIPTION}` }),
}, { $id: 'AcUserWithIssues', description: 'A user with issues, and the list of them.' });

export const AcApplicationUser = Type.Object({
  ...LISTED_USER_FIELDS,
  secretCreationDate: Nullable(Type.Integer({ description: 'When the credentials in use were made (the live API key, else the password): milliseconds since 1970-01-01 UTC; null when there are none.' })),
  secretCreatedBy: Nullable(Type.String({ description: 'The username of whoever made them, when recorded (the user themselves when they did).' })),
  secretType: Nullable(Type.Union([Type.Literal('API_KEY'), Type.Literal('PASSWORD')], { description: 'What the credentials are.' })),
}, { $id: 'AcApplicationUser', description: 'An application user, with when and by whom its credentials were made (never the secret).' });

export const AcAssociatedCustomer = Type.Object({
  groupPk: Type.Integer({ description: 'The customer\'s key.' }),
  groupName: Type.String({ description: 'Its name.' }),
  status: Type.Union([Type.Literal('ACTIVE'), Type.Literal('SUSPENDED')], { description: 'Its status.' }),
  parentGroupPk: Nullable(Type.Integer({ description: 'The customer above it (its partner), if any.' })),
  roles: Type.Array(Type.String(), { description: 'The roles the user holds there (`manager`, `contributor`, or the customer\'s own).' }),
  creationGroup: Type.Boolean({ description: 'It made the account (the user\'s `creationGroupPk`).' }),
}, { $id: 'AcAssociatedCustomer', description: 'A customer the user is associated with.' });

/** `sort`: a column, and `,asc` or `,desc` (Spring's style). */
export function SortQuery(columns: string[], byDefault: string) {
  return Type.Optional(Type.String({
    maxLength: 64,
    pattern: '^[A-Za-z]+(,(asc|desc|ASC|DESC))?$',
    description: `The column to sort by, ascending unless followed by \`,desc\`: ${columns.map((c) => `\`${c}\``).join(', ')}. By default \`${byDefault}\`.`,
  }));
}

export const AcCustomerUsersQuery = Type.Object({
  ...PageQuery,
  sort: SortQuery(['name', 'surname', 'username', 'email', 'status', 'userType', 'creationDate', 'lastLogin'], 'username'),
  search: Type.Optional(Type.String({ maxLength: 200, description: 'Text searched in name, surname, username and e-mail (case-insensitive, anywhere in them).' })),
  userType: Type.Optional(USER_TYPE),
  status: Type.Optional(STATUS),
});

export const AcFailedLoginsQuery = Type.Object({
  ...PageQuery,
  sort: SortQuery(['failedLogins', 'consecutiveFailedLogins', 'lastFailedLogin', 'name', 'surname', 'username', 'email', 'status', 'userType', 'creationDate', 'lastLogin'], 'failedLogins,desc'),
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 30, default: 7, description: 'How many days back to look: 1 to 30 (7 when not given).' })),
});

export const AcIssuesQuery = Type.Object({
  ...PageQuery,
  sort: SortQuery(['issues', 'name', 'surname', 'username', 'email', 'status', 'userType', 'creationDate', 'lastLogin'], 'username'),
});

export const AcApplicationUsersQuery = Type.Object({
  ...PageQuery,
  sort: SortQuery(['secretCreationDate', 'name', 'surname', 'username', 'email', 'status', 'creationDate', 'lastLogin'], 'username'),
});

export const AcAssociatedCustomersQuery = Type.Object({
  ...PageQuery,
  groupName: Type.Optional(Type.String({ maxLength: 200, description: 'Only customers whose name matches (case-insensitive).' })),
  groupNameMode: Type.Optional(Type.Union([Type.Literal('containing'), Type.Literal('startsWith')], {
    description: 'How `groupName` matches: `startsWith` the start of the name; `containing` (the default) anywhere in it.',
  })),
});

export const AcGroupPks = Type.Array(Pk('A customer\'s key (`groupPk`).'), {
  minItems: 1, maxItems: 100, description: 'The customers (`groupPk`), 1 to 100.',
});

/** Preferences: the pick of each format is an object `{value, label}`, as in the allowed options. */
const FORMAT = (what: string) => Type.Object({
  value: Type.String({ description: `The ${what}, one of the allowed options' values.` }),
  label: Type.String({ description: 'How it reads.' }),
}, { description: `The ${what}.` });
const FORMAT_PICK = (what: string) => Type.Object({
  value: Type.String({ minLength: 1, maxLength: 64, description: `The ${what}: one of the allowed options' values.` }),
  label: Type.Optional(Type.String({ maxLength: 200, description: 'Ignored (the option\'s own label is answered).' })),
}, { additionalProperties: false, description: `The ${what}.` });

export const AcPreferences = Type.Object({
  timezone: Type.String({ description: 'IANA time zone (`Europe/Rome`, `UTC`).' }),
  language: Type.String({ description: 'Language code (`en`, `it`).' }),
  weekBegin: Type.String({ description: 'First day of the week: `monday`, `sunday` or `saturday`.' }),
  numberFormat: FORMAT('number format'),
  dateFormat: FORMAT('date format'),
  hourFormat: FORMAT('time format'),
}, { $id: 'AcPreferences', description: 'How dates, times and numbers are shown to the user.' });

export const AcPreferencesUpdate = Type.Object({
  timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone.' })),
  language: Type.Optional(Type.String({ minLength: 1, maxLength: 16, description: 'Language code.' })),
  weekBegin: Type.Optional(Type.String({ minLength: 1, maxLength: 16, description: 'First day of the week.' })),
  numberFormat: Type.Optional(FORMAT_PICK('number format')),
  dateFormat: Type.Optional(FORMAT_PICK('date format')),
  hourFormat: Type.Optional(FORMAT_PICK('time format')),
}, { additionalProperties: false, description: 'The preferences to change, each one of the allowed options; those left out stay.' });

// AcUserInfo is the caller's own personal info (#5, #6): listed by the operations that answer it.
export const TEAM_SCHEMAS: TSchema[] = [
  AcSuspensionInfo, AcTeamUserInfo, AcNewPassword, AcActive, AcLockout, AcSecurityEvent, AcCustomerUser,
  AcFailedLoginUser, AcUserWithIssues, AcApplicationUser, AcAssociatedCustomer, AcPreferences,
];
