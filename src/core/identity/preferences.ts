// Accountcentral's user preferences: how dates, times and numbers are shown to the user.
// Every value is checked against the options listed by preferenceOptions(); a user who
// never chose one gets the default.
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import { Invalid, Unauthenticated } from '../errors.js';
import { targetUser } from './administration.js';

export interface Preferences {
  timezone: string;
  language: string;
  first_day_of_week: string;
  number_format: string;
  date_format: string;
  time_format: string;
}

export type PreferenceChanges = Partial<Preferences>;

export interface Option {
  value: string;
  label: string;
}

export interface PreferenceOptions {
  timezones: string[];
  languages: Option[];
  first_days_of_week: Option[];
  number_formats: Option[];
  date_formats: Option[];
  time_formats: Option[];
}

export const DEFAULT_PREFERENCES: Preferences = {
  timezone: 'UTC',
  language: 'en',
  first_day_of_week: 'monday',
  number_format: '1,234.56',
  date_format: 'YYYY-MM-DD',
  time_format: 'HH:mm',
};

const LANGUAGES = ['en', 'fr', 'de', 'it', 'es', 'pt', 'nl', 'pl', 'sv', 'da', 'fi', 'ja', 'zh', 'ko', 'ar', 'ru'];
const WEEKDAYS = ['monday', 'sunday', 'saturday'];
// Each number format is named by how it writes one thousand two hundred... and a half.
const NUMBER_FORMATS: Option[] = [
  { value: '1,234.56', label: 'Comma thousands, dot decimals' },
  { value: '1.234,56', label: 'Dot thousands, comma decimals' },
  { value: '1 234,56', label: 'Space thousands, comma decimals' },
  { value: "1'234.56", label: 'Apostrophe thousands, dot decimals' },
  { value: '1234.56', label: 'No grouping, dot decimals' },
];
const DATE_FORMATS: Option[] = [
  { value: 'YYYY-MM-DD', label: '2026-01-31' },
  { value: 'DD/MM/YYYY', label: '31/01/2026' },
  { value: 'MM/DD/YYYY', label: '01/31/2026' },
  { value: 'DD.MM.YYYY', label: '31.01.2026' },
  { value: 'DD-MM-YYYY', label: '31-01-2026' },
];
const TIME_FORMATS: Option[] = [
  { value: 'HH:mm', label: '24-hour clock (13:45)' },
  { value: 'h:mm A', label: '12-hour clock (1:45 PM)' },
];

let cached: PreferenceOptions | undefined;

export function preferenceOptions(): PreferenceOptions {
  if (cached) return cached;
  // Node's list leaves out the plain 'UTC' everyone expects to find.
  const zones = new Set(['UTC', ...Intl.supportedValuesOf('timeZone')]);
  const names = new Intl.DisplayNames(['en'], { type: 'language' });
  const days = new Intl.DateTimeFormat('en', { weekday: 'long', timeZone: 'UTC' });
  // 2024-01-01 was a Monday: offsets to each weekday's label.
  const dayLabel = (d: string) => days.format(new Date(Date.UTC(2024, 0, 1 + ({ monday: 0, saturday: 5, sunday: 6 } as Record<string, number>)[d])));
  cached = {
    timezones: [...zones],
    languages: LANGUAGES.map((code) => ({ value: code, label: names.of(code) ?? code })),
    first_days_of_week: WEEKDAYS.map((d) => ({ value: d, label: dayLabel(d) })),
    number_formats: NUMBER_FORMATS,
    date_formats: DATE_FORMATS,
    time_formats: TIME_FORMATS,
  };
  return cached;
}

function allowed(): Record<keyof Preferences, Set<string>> {
  const o = preferenceOptions();
  const values = (list: Option[]) => new Set(list.map((x) => x.value));
  return {
    timezone: new Set(o.timezones),
    language: values(o.languages),
    first_day_of_week: values(o.first_days_of_week),
    number_format: values(o.number_formats),
    date_format: values(o.date_formats),
    time_format: values(o.time_formats),
  };
}

export async function getPreferences(core: Core, caller: Caller, ref: Ref): Promise<Preferences> {
  const { user } = await targetUser(core, caller, 'user.read', ref);
  return preferencesOf(core, user.id);
}

async function preferencesOf(core: Core, userId: number): Promise<Preferences> {
  const row = await core.db.selectFrom('user_preferences').selectAll().where('user_id', '=', userId).executeTakeFirst();
  const out = { ...DEFAULT_PREFERENCES };
  if (row) {
    for (const key of Object.keys(out) as (keyof Preferences)[]) out[key] = row[key] ?? out[key];
  }
  return out;
}

/** PUT gives every field (required by the route); PATCH some. Unknown values are refused. */
export async function updatePreferences(core: Core, caller: Caller, ref: Ref, changes: PreferenceChanges): Promise<Preferences> {
  const { user } = await targetUser(core, caller, 'user.update', ref);
  const lists = allowed();
  const errors: Record<string, string[]> = {};
  const set: PreferenceChanges = {};
  for (const key of Object.keys(lists) as (keyof Preferences)[]) {
    const value = changes[key];
    if (value === undefined) continue;
    if (!lists[key].has(value)) {
      errors[key] = [`"${value}" is not an allowed value; see /api/users/preferences/options/.`];
    } else {
      set[key] = value;
    }
  }
  if (Object.keys(errors).length) throw new Invalid(errors);
  const now = core.now();
  if (Object.keys(set).length) {
    await core.db.insertInto('user_preferences')
      .values({ user_id: user.id, ...set, updated_at: now })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ ...set, updated_at: now }))
      .execute();
  }
  return preferencesOf(core, user.id);
}

/** The allowed options are not secret, but are only served to signed-in users. */
export function listPreferenceOptions(caller: Caller): PreferenceOptions {
  if (caller.kind !== 'user') throw new Unauthenticated();
  return preferenceOptions();
}
