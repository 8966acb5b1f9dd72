// The countries a customer's address may name: ISO 3166-1 alpha-2 codes (the 249 officially
// assigned), with names in the language asked for from the runtime's CLDR data
// (Intl.DisplayNames). The codes are listed here because CLDR's region list also holds
// withdrawn codes (YU, SU), groupings (EU, UN) and reserved ones (XK, AC) that are not
// countries of ISO 3166-1.
const ISO_3166_ALPHA2 = (
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ '
  + 'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR '
  + 'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP '
  + 'KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT '
  + 'MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW '
  + 'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG '
  + 'UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
).split(' ');

export const COUNTRY_CODES: readonly string[] = Object.freeze(ISO_3166_ALPHA2);

export interface Country {
  /** ISO 3166-1 alpha-2, upper case. */
  code: string;
  name: string;
}

const byLanguage = new Map<string, readonly Country[]>();

/** Whether `code` is an ISO 3166-1 alpha-2 country code (upper case). */
export function isCountryCode(code: string): boolean {
  return COUNTRY_CODES.includes(code);
}

/**
 * Every country with its name in `language` (a BCP 47 tag; English when the runtime does
 * not know it), sorted by name in that language.
 */
export function listCountries(language = 'en'): readonly Country[] {
  let locale = 'en';
  try {
    locale = Intl.DisplayNames.supportedLocalesOf([language])[0] ?? 'en';
  } catch {
    // A malformed tag names nothing: English.
  }
  const cached = byLanguage.get(locale);
  if (cached) return cached;
  const names = new Intl.DisplayNames([locale], { type: 'region', fallback: 'code' });
  const collator = new Intl.Collator(locale);
  const countries = Object.freeze(COUNTRY_CODES.map((code) => Object.freeze({ code, name: names.of(code) ?? code }))
    .sort((a, b) => collator.compare(a.name, b.name)));
  byLanguage.set(locale, countries);
  return countries;
}
