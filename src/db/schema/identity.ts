// Table types: Users, their credentials and sessions, and the limits on what they send.
// They mirror src/db/migrations; change both together.
import type { Generated } from 'kysely';
import type { Timestamp, CreatedAt, DefaultTimestamp, Json } from './columns.js';

export type UserStatus = 'active' | 'suspended' | 'disabled';

export interface UsersTable {
  id: Generated<number>;
  /** The username; DjaoApp calls it slug so users and organizations share front-end code. */
  slug: string;
  email: string | null;
  full_name: Generated<string>;
  nick_name: string | null;
  picture: string | null;
  extra: string | null;
  phone: string | null;
  /** argon2id hash; null for a contact who has no login credentials. */
  password_hash: string | null;
  password_changed_at: Timestamp | null;
  /** Set when the user proved they own the e-mail address (activation). */
  email_verified_at: Timestamp | null;
  status: Generated<UserStatus>;
  /** TOTP secret, encrypted with a key derived from SECRET_KEY. */
  otp_secret: string | null;
  /** Last TOTP time step accepted, so a code cannot be replayed. */
  otp_last_step: number | null;
  otp_enabled: Generated<boolean>;
  /** A new seed shown to the user, not in use until a first code from it is confirmed. */
  otp_pending_secret: string | null;
  otp_pending_at: Timestamp | null;
  email_verification_enabled: Generated<boolean>;
  phone_verification_enabled: Generated<boolean>;
  ssh_pubkey: string | null;
  /** Names of the notifications the user chose to receive; null means the defaults. */
  notifications: Json | null;
  last_login_at: Timestamp | null;
  /** How many organizations the user may create (get.chat's organization_quota); null: no limit (0019). */
  organization_quota: number | null;
  created_at: CreatedAt;
  updated_at: DefaultTimestamp;
  /** Set when the account was deleted: personal data is gone, the row keeps history. */
  deleted_at: Timestamp | null;
  // Accountcentral's personal info and suspension details (0002_user_profile).
  first_name: string | null;
  last_name: string | null;
  mobile: string | null;
  phone_verified_at: Timestamp | null;
  mobile_verified_at: Timestamp | null;
  /** YYYY-MM-DD. */
  date_of_birth: string | null;
  sex: 'M' | 'F' | null;
  status_reason: string | null;
  suspended_at: Timestamp | null;
  // Addresses waiting for proof (0006_address_changes): they replace email, phone or
  // mobile only when the link or code sent to them comes back.
  pending_email: string | null;
  pending_phone: string | null;
  pending_mobile: string | null;
  // Accounts a customer owns (0025_team_accounts).
  /** The customer that made the account and administers it (Accountcentral's creationGroupPk); null for one made by its owner. */
  home_organization_id: number | null;
  /** A person who logs in, or an application's credentials (Accountcentral's userType). */
  user_type: Generated<'interactive' | 'application'>;
}

export interface UserPreferencesTable {
  user_id: number;
  timezone: string | null;
  language: string | null;
  first_day_of_week: string | null;
  number_format: string | null;
  date_format: string | null;
  time_format: string | null;
  updated_at: DefaultTimestamp;
}

/** The number an SMS code was last sent to and the wrong guesses against it. */
export interface PhoneVerificationsTable {
  user_id: number;
  field: 'phone' | 'mobile';
  number: string;
  sent_at: Timestamp;
  failures: Generated<number>;
}

export interface ApiKeysTable {
  id: Generated<number>;
  user_id: number;
  /** Public part of the key, used to find the row without scanning hashes. */
  key_id: string;
  /** SHA-256 of the whole key; keys are long random strings, so a fast hash is enough. */
  secret_hash: string;
  title: string | null;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export type OneTimeTokenPurpose = 'activation' | 'password_reset' | 'login_code' | 'phone_code' | 'email_change' | 'email_undo';

export interface OneTimeTokensTable {
  id: Generated<number>;
  user_id: number;
  purpose: OneTimeTokenPurpose;
  /** SHA-256 of the secret sent by e-mail or SMS; the secret itself is never stored. */
  token_hash: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: CreatedAt;
  /**
   * Digest of the user's password hash and e-mail when issued; the token works only while
   * the user's row still gives the same digest. Null for tokens that must outlive such a
   * change (the undo link of an e-mail change).
   */
  stamp: string | null;
  /** What the token is about: the username asked for, the address a change is for. */
  target: string | null;
}

export interface LoginThrottleTable {
  /** Normalized login identifier (username or e-mail), known account or not. */
  identifier: string;
  /** '' for the account-wide count; a client address for that address's count. */
  address: Generated<string>;
  /** Failures, plus attempts still being checked. */
  failures: number;
  locked_until: Timestamp | null;
  /** Last attempt (counting restarts after LOGIN_FAILURE_RESET_SECONDS without one). */
  last_failure_at: Timestamp;
  /** Locks in a row: each lasts twice the previous one. */
  lockouts: Generated<number>;
  /** The failed attempt that started the current lock. */
  lock_attempt: string | null;
}

export interface OtpRecoveryCodesTable {
  id: Generated<number>;
  user_id: number;
  /** SHA-256 of the normalized code. */
  code_hash: string;
  created_at: CreatedAt;
  used_at: Timestamp | null;
}

export interface SecurityEventsTable {
  id: Generated<number>;
  user_id: number;
  type: string;
  ip: string | null;
  user_agent: string | null;
  detail: Json | null;
  created_at: CreatedAt;
}

export interface MailOutboxTable {
  id: Generated<number>;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  template: string;
  created_at: CreatedAt;
  sent_at: Timestamp | null;
  attempts: Generated<number>;
  last_error: string | null;
  next_attempt_at: DefaultTimestamp;
}


/** How a session was opened (see src/core/identity/sessions.ts). */
export type SessionMethod = 'password' | 'password+otp' | 'password+email' | 'password+phone' | 'password+recovery_code'
  | 'activation' | 'reset' | 'password_change';
export type SessionEndReason = 'logout' | 'logout_everywhere' | 'ended_by_user' | 'ended_by_admin' | 'password_changed'
  | 'password_reset' | 'email_restored' | 'suspended' | 'deleted';

export interface SessionsTable {
  /** Random and unguessable; written in every token of the session (`sid`). */
  id: string;
  user_id: number;
  method: SessionMethod;
  ip: string | null;
  user_agent: string | null;
  /** When the user authenticated; the session ends SESSION_MAX_AGE_SECONDS later at the latest. */
  created_at: Timestamp;
  /** When a token was last issued for it (opening or refresh). */
  refreshed_at: Timestamp;
  ended_at: Timestamp | null;
  end_reason: SessionEndReason | null;
}

/** Sending limits (src/core/notify/send-limits.ts): one fixed-window counter per kind and target or caller. */
export interface SendLimitsTable {
  /** `<kind>:to:<target>` or `<kind>:by:<caller>`. */
  key: string;
  window_started_at: Timestamp;
  count: number;
}

/** Request rate limits on PostgreSQL (src/core/rate-limits.ts): one fixed-window counter per key. */
export interface RateLimitsTable {
  /** The route and the client's key (its address), as @fastify/rate-limit names them. */
  key: string;
  /** When the current window ends; a hit after it starts a new window. */
  expires_at: Timestamp;
  count: number;
}
