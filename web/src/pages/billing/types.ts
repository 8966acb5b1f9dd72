// The billing API's shapes, as the pages read them (src/http/djaoapp/schemas/{plans,cart,checkout,ledger}.ts).

export type PeriodType = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';
export type RenewalType = 'one-time' | 'auto-renew' | 'repeat';
export type DiscountType = 'percentage' | 'currency' | 'period';

export interface AdvanceDiscount { discount_type: DiscountType; discount_value: number; length: number; }

export interface ProfileBrief { slug: string; full_name: string; printable_name: string; picture: string | null; }

export interface Plan {
  slug: string;
  title: string;
  description: string | null;
  is_active: boolean;
  setup_amount: number;
  period_amount: number;
  period_type: PeriodType;
  period_length: number;
  advance_discounts: AdvanceDiscount[];
  unit: string;
  organization: ProfileBrief;
  renewal_type: RenewalType;
  is_not_priced: boolean;
  created_at: string;
  skip_optin_on_grant: boolean;
  optin_on_request: boolean;
  discounted_period_amount: number;
}

export interface OrganizationProfile {
  slug: string;
  full_name: string;
  printable_name: string;
  email: string | null;
  is_provider: boolean;
  status?: string;
  /** The timezone its metrics' months are cut in. */
  default_timezone?: string;
}

export interface Subscription {
  created_at: string;
  ends_at: string;
  description: string | null;
  organization: OrganizationProfile;
  plan: Plan;
  auto_renew: boolean;
  editable: boolean;
  grant_key: string | null;
  request_key: string | null;
}

export interface Subscriber extends OrganizationProfile { ends_at: string; }

export interface CartItem {
  plan: string;
  option: number;
  quantity: number;
  full_name: string | null;
  sync_on: string | null;
  email: string | null;
  coupon: string | null;
  created_at: string;
}

export interface Transaction {
  created_at: string;
  description: string;
  amount: string;
  is_debit: boolean;
  orig_account: string;
  orig_organization: string;
  orig_amount: number;
  orig_unit: string;
  dest_account: string;
  dest_organization: string;
  dest_amount: number;
  dest_unit: string;
}

export interface CheckoutEntry {
  subscription: Omit<Subscription, 'created_at'> & { created_at: string | null };
  lines: Transaction[];
  options: Transaction[];
}

export interface Charge {
  created_at: string;
  amount: number;
  unit: string;
  readable_amount: string;
  description: string;
  last4: string | null;
  exp_date: string | null;
  processor_key: string;
  state: 'created' | 'done' | 'failed' | 'disputed';
}

export interface ChargeDetail extends Charge {
  line_items: { num: number; description: string; amount: number; readable_amount: string }[];
}

export interface Card { last4: string; exp_date: string; card_name: string | null; }

export interface Bank { bank_name: string; last4: string; balance_amount: number; balance_unit: string; }

export interface Coupon {
  code: string;
  discount_type: DiscountType;
  discount_value: number;
  created_at: string;
  ends_at: string | null;
  description: string | null;
  nb_attempts: number | null;
  plan: string | null;
  is_active: boolean;
}

export interface Processor { processor: 'test' | 'stripe'; publishable_key: string | null; }

export interface Accessible {
  slug: string;
  printable_name: string;
  state: 'accepted' | 'invited' | 'requested';
}
