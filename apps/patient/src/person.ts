// One person's view over the pseudonyms it uses: a patient may hold one account per
// organisation (docs/privacy.md), which the chain cannot link; the app joins them here, in the
// browser. With the patient's recovery phrase (kept in memory only, never sent), the app also
// derives each organisation's salt, to reveal blinded sensitive categories and to name them in
// a new consent, and finds which account is the patient's pseudonym at which organisation.
import { Keyring } from '@polkadot/keyring';
import { CATEGORIES, blind, isSensitive, patientSecret, pseudonymUri, reveal, saltFor } from '../../../tests/lib/privacy.mjs';
import type { Account } from './wallet';

export { CATEGORIES, isSensitive };

/** A category as the chain's JSON has it: `{ standard: name }` or `{ sensitive: commitment }`. */
export interface ChainCategory {
  standard?: string;
  sensitive?: string;
}

const NAMES: Record<string, string> = {
  LaboratoryResults: 'Laboratory results',
  ClinicalNotes: 'Clinical notes',
  MentalHealth: 'Mental health',
  SubstanceUse: 'Substance use',
  SexualReproductiveHealth: 'Sexual and reproductive health',
  Hiv: 'HIV',
};

/** A category's name for people. */
export const categoryName = (category: string): string => NAMES[category] ?? category;

export class Person {
  private salts = new Map<string, Uint8Array>();
  private pseudonyms = new Map<string, string>();

  constructor(readonly accounts: Account[]) {}

  get unlocked(): boolean {
    return this.salts.size > 0;
  }

  /** Derive the salts and pseudonyms of `organisations` from `phrase`; throws on a bad phrase. */
  unlock(phrase: string, organisations: string[]): void {
    const words = phrase.trim().replace(/\s+/g, ' ');
    const secret = patientSecret(words);
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    for (const organisation of organisations) {
      this.salts.set(organisation, saltFor(secret, organisation));
      this.pseudonyms.set(organisation, keyring.createFromUri(pseudonymUri(words, organisation)).address);
    }
  }

  lock(): void {
    this.salts.clear();
    this.pseudonyms.clear();
  }

  /** The account of this person that is its pseudonym at `organisation`, if the wallet holds it. */
  accountAt(organisation: string): Account | undefined {
    const pseudonym = this.pseudonyms.get(organisation);
    return this.accounts.find((account) => account.address === pseudonym);
  }

  /** The organisation an account of this person is the pseudonym for, if known. */
  organisationOf(address: string): string | undefined {
    return [...this.pseudonyms].find(([, pseudonym]) => pseudonym === address)?.[0];
  }

  owns(address: string): boolean {
    return this.accounts.some((account) => account.address === address);
  }

  /**
   * How to show `category`: a standard one by name; a sensitive one revealed with the salt of
   * `organisation` (or any salt this person holds), else as a locked sensitive category.
   */
  describe(category: ChainCategory, organisation?: string): { label: string; sensitive: boolean } {
    const name = this.revealName(category, organisation);
    return { label: name ? categoryName(name) : 'Sensitive category (locked)', sensitive: !category.standard };
  }

  /** `category` as a consent to `organisation` must name it; null when its salt is unknown. */
  blindFor(category: string, organisation: string): ChainCategoryValue | null {
    if (!isSensitive(category)) return { Standard: category };
    const salt = this.salts.get(organisation);
    return salt ? (blind(salt, category) as ChainCategoryValue) : null;
  }

  /** The category's name: a sensitive one only if a salt of this person reveals it. */
  revealName(category: ChainCategory, organisation?: string): string | null {
    if (category.standard) return category.standard;
    const own = organisation ? this.salts.get(organisation) : undefined;
    for (const salt of [own, ...this.salts.values()]) {
      const revealed = salt && reveal(salt, category.sensitive ?? '');
      if (revealed) return revealed;
    }
    return null;
  }
}

/** A category as a call argument. */
export type ChainCategoryValue = { Standard: string } | { Sensitive: string };
