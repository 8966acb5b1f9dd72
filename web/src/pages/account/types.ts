// The API's answers the account pages read, as src/http/djaoapp/schemas describes them.

export interface UserProfile {
  slug: string;
  username: string;
  printable_name: string;
  picture: string | null;
  email: string | null;
  full_name: string | null;
  nick_name: string | null;
  created_at: string;
  credentials: boolean;
}

export interface PersonalInfo {
  username: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  mobile: string | null;
  date_of_birth: string | null;
  sex: 'M' | 'F' | null;
  phone_verified: boolean;
  phone_pending: string | null;
  mobile_verified: boolean;
}

export interface SecondFactors {
  otp_enabled: boolean;
  email_verification_enabled: boolean;
  phone_verification_enabled: boolean;
  recovery_codes_left: number;
}

export interface Preferences {
  timezone: string;
  language: string;
  first_day_of_week: string;
  number_format: string;
  date_format: string;
  time_format: string;
}

export interface Option { value: string; label: string; }

export interface PreferenceOptions {
  timezones: string[];
  languages: Option[];
  first_days_of_week: Option[];
  number_formats: Option[];
  date_formats: Option[];
  time_formats: Option[];
}

export interface SecurityEvent {
  type: string;
  created_at: string;
  ip: string | null;
  user_agent: string | null;
  detail: Record<string, unknown> | null;
}

export interface Session {
  id: string;
  method: string;
  ip: string | null;
  user_agent: string | null;
  created_at: string;
  refreshed_at: string;
  expires_at: string;
  current: boolean;
}

export interface Accessible {
  slug: string;
  printable_name: string;
  created_at: string;
  request_key: string | null;
  state: string;
  role_description: { slug: string; title: string };
  remove_api_url: string;
}

export interface Todo {
  kind: 'invitation' | 'role_request' | 'subscription_grant' | 'subscription_request';
  created_at: string;
  created_by: string | null;
  text: string;
  account: string | null;
  organization: { slug: string; printable_name: string };
  key: string | null;
  url: string | null;
}
