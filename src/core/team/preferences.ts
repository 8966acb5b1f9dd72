// Accountcentral's preferences over identity/preferences.ts: the same six choices under its
// names (weekBegin, numberFormat, dateFormat, hourFormat), the three formats as objects
// `{value, label}`. Reading, changing (the values given, each checked against the options)
// and the options themselves, for the caller or, with the right relation, another user.
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import { Invalid } from '../errors.js';
import {
  getPreferences, preferenceOptions, updatePreferences, type Option, type PreferenceChanges, type Preferences,
} from '../identity/preferences.js';

export interface FormatChoice {
  value: string;
  label: string;
}

export interface AcPreferences {
  timezone: string;
  language: string;
  weekBegin: string;
  numberFormat: FormatChoice;
  dateFormat: FormatChoice;
  hourFormat: FormatChoice;
}

export interface AcPreferenceChanges {
  timezone?: string;
  language?: string;
  weekBegin?: string;
  /** A format by its value; the label, if sent, is not read. */
  numberFormat?: { value: string };
  dateFormat?: { value: string };
  hourFormat?: { value: string };
}

export interface AcPreferenceOptions {
  timezones: string[];
  languages: Option[];
  weekBegin: Option[];
  numberFormat: Record<string, string>;
  dateFormat: Record<string, string>;
  hourFormat: Record<string, string>;
}

/** Accountcentral's name of each core preference. */
const NAMES: Record<keyof Preferences, keyof AcPreferences> = {
  timezone: 'timezone',
  language: 'language',
  first_day_of_week: 'weekBegin',
  number_format: 'numberFormat',
  date_format: 'dateFormat',
  time_format: 'hourFormat',
};

function choice(options: Option[], value: string): FormatChoice {
  return { value, label: options.find((o) => o.value === value)?.label ?? value };
}

function acOf(p: Preferences): AcPreferences {
  const o = preferenceOptions();
  return {
    timezone: p.timezone,
    language: p.language,
    weekBegin: p.first_day_of_week,
    numberFormat: choice(o.number_formats, p.number_format),
    dateFormat: choice(o.date_formats, p.date_format),
    hourFormat: choice(o.time_formats, p.time_format),
  };
}

export async function getAcPreferences(core: Core, caller: Caller, ref: Ref): Promise<AcPreferences> {
  return acOf(await getPreferences(core, caller, ref));
}

/** Changes the preferences given; a value not among the options is refused, naming Accountcentral's field. */
export async function updateAcPreferences(core: Core, caller: Caller, ref: Ref, changes: AcPreferenceChanges): Promise<AcPreferences> {
  const given: PreferenceChanges = {
    timezone: changes.timezone,
    language: changes.language,
    first_day_of_week: changes.weekBegin,
    number_format: changes.numberFormat?.value,
    date_format: changes.dateFormat?.value,
    time_format: changes.hourFormat?.value,
  };
  try {
    return acOf(await updatePreferences(core, caller, ref, given));
  } catch (error) {
    if (!(error instanceof Invalid)) throw error;
    const fields = Object.fromEntries(Object.entries(error.fields).map(([field, messages]) => {
      const name = NAMES[field as keyof Preferences] ?? field;
      return [name, messages.map((m) => m.replace(/; see .*$/, '; see the allowed options for user preferences.'))];
    }));
    throw new Invalid(fields);
  }
}

/** Every value each preference accepts (public reference data). */
export function acPreferenceOptions(): AcPreferenceOptions {
  const o = preferenceOptions();
  const map = (options: Option[]) => Object.fromEntries(options.map((x) => [x.value, x.label]));
  return {
    timezones: o.timezones,
    languages: o.languages,
    weekBegin: o.first_days_of_week,
    numberFormat: map(o.number_formats),
    dateFormat: map(o.date_formats),
    hourFormat: map(o.time_formats),
  };
}
