// What the chain says about this person, read at each new block: consents, the access log,
// records, guardians, policies; and the notifications a new block brings.
import type { Chain } from './chain';
import { shortText } from './dom';
import type { ChainCategory, Person } from './person';

/** The chain's JSON of the types the app reads (field names as @polkadot/api's `toJSON`). */
export interface Grantee {
  organisation?: string;
  practitioner?: string;
}
export interface ConsentInfo {
  patient: string;
  grantee: Grantee;
  consent: {
    id: number;
    terms: {
      categories: { allStandard?: { sensitive: string[] }; only?: ChainCategory[] };
      purposes: string[];
      from: number;
      until: number | null;
      maxAccesses: number | null;
    };
    accesses: number;
    grantedBy: string;
    grantedAt: number;
  };
  state: string;
}
export interface AccessDecision {
  seq: number;
  at: number;
  block: number;
  practitioner: string;
  organisation: string | null;
  role: string | null;
  patient: string;
  category: ChainCategory;
  purpose: string;
  emergency: boolean;
  restricted: boolean;
  outcome: {
    granted?: { consent: number; scope: string };
    emergencyGranted?: { access: number };
    denied?: { reason: Record<string, string | null> | string };
  };
}
export interface RecordInfo {
  recordId: string;
  custodian: string;
  category: ChainCategory;
  versions: { contentHash: string; anchoredAt: number; anchoredBy: string }[];
  erased: unknown;
  erasureRequested: number | null;
}
export interface Guardianship {
  guardian: string;
  until: number | null;
}
export interface Organisation {
  kind: string;
  status: { status: string };
}
export interface Practitioner {
  organisation: string;
  role: string;
  status: { status: string };
}

/** Everything the app shows of one account of the person. */
export interface AccountState {
  address: string;
  consents: ConsentInfo[];
  accesses: AccessDecision[];
  records: RecordInfo[];
  erasureOfAll: number | null;
  guardians: Guardianship[];
  breakGlass: string;
  restriction: unknown;
}

export interface Notice {
  kind: 'emergency' | 'suspension';
  text: string;
  at: number;
}

/** The chain keeps each patient's last 256 decisions in state; older ones are in the blocks' events. */
const LOG_LENGTH = 256;
const RECORDS_PAGE = 100;

export class Store {
  accounts: AccountState[] = [];
  organisations = new Map<string, Organisation>();
  practitioners = new Map<string, Practitioner>();
  block = 0;
  /** Why the last read failed, until one succeeds (the node went away, say). */
  problem: string | null = null;
  private seen = new Set<number>();
  private loading = false;
  private stop: (() => void) | null = null;
  private changed: (() => void)[] = [];
  private noticed: ((notice: Notice) => void)[] = [];

  constructor(readonly chain: Chain, readonly person: Person) {}

  onChange(listener: () => void): void {
    this.changed.push(listener);
  }

  onNotice(listener: (notice: Notice) => void): void {
    this.noticed.push(listener);
  }

  /** Read everything, then again at every new block until `close`. */
  async start(): Promise<void> {
    await this.load(false);
    this.stop = await this.chain.api.rpc.chain.subscribeNewHeads(async (header) => {
      this.block = header.number.toNumber();
      await this.load(true);
      await this.suspensionsIn(header.hash.toHex()).catch(() => undefined);
    });
  }

  close(): void {
    this.stop?.();
    this.stop = null;
  }

  /** The organisations that are active now, for the consent form. */
  activeOrganisations(): string[] {
    return [...this.organisations].filter(([, o]) => o.status.status === 'Active').map(([address]) => address);
  }

  private async load(notify: boolean): Promise<void> {
    // A block that comes while the last one is still being read is caught up by the next.
    if (this.loading) return;
    this.loading = true;
    try {
      await this.read(notify);
      this.problem = null;
    } catch (error) {
      // Shown in the header; the next block (after a reconnection) reads again.
      this.problem = `Could not read the chain: ${(error as Error).message}`;
      this.changed.forEach((listener) => listener());
    } finally {
      this.loading = false;
    }
  }

  private async read(notify: boolean): Promise<void> {
    const { api } = this.chain;
    const [organisations, practitioners, accounts] = await Promise.all([
      api.query.providers.organisations.entries(),
      api.query.providers.practitioners.entries(),
      Promise.all(this.person.accounts.map(({ address }) => this.loadAccount(address))),
    ]);
    this.organisations = new Map(organisations.map(([key, value]) => [key.args[0].toString(), value.toJSON() as unknown as Organisation]));
    this.practitioners = new Map(practitioners.map(([key, value]) => [key.args[0].toString(), value.toJSON() as unknown as Practitioner]));
    this.accounts = accounts;
    for (const decision of accounts.flatMap((account) => account.accesses)) {
      if (this.seen.has(decision.seq)) continue;
      this.seen.add(decision.seq);
      if (notify && decision.emergency) {
        this.notify({ kind: 'emergency', at: decision.at, text: `Emergency access to your record by ${decision.role ?? 'a practitioner'} ${shortText(decision.practitioner)}.` });
      }
    }
    this.changed.forEach((listener) => listener());
  }

  private async loadAccount(address: string): Promise<AccountState> {
    const { api } = this.chain;
    const json = <T>(value: { toJSON: () => unknown }) => value.toJSON() as T;
    const [consents, accesses, records, erasureOfAll, guardians, breakGlass, restriction] = await Promise.all([
      api.call.consentApi.consentsOf(address),
      api.call.auditApi.accessesOf(address, 0, LOG_LENGTH),
      api.call.recordsApi.recordsOf(address, null, RECORDS_PAGE),
      api.query.records.erasureRequests(address, 'All'),
      api.call.consentApi.guardiansOf(address),
      api.call.consentApi.breakGlassPolicy(address),
      api.call.consentApi.restrictionOf(address),
    ]);
    return {
      address,
      consents: json(consents),
      accesses: json(accesses),
      records: json(records),
      erasureOfAll: json(erasureOfAll),
      guardians: json(guardians),
      breakGlass: breakGlass.toString(),
      restriction: json(restriction),
    };
  }

  /** A practitioner who read this person's record and is suspended in block `hash`: a notice. */
  private async suspensionsIn(hash: string): Promise<void> {
    const { api } = this.chain;
    const events = (await (await api.at(hash)).query.system.events()) as unknown as { event: Parameters<typeof api.events.sentinel.PractitionerSuspended.is>[0] }[];
    const readers = new Set(this.accounts.flatMap((account) => account.accesses.map((decision) => decision.practitioner)));
    for (const { event } of events) {
      // Both events name the practitioner first.
      const bySentinel = api.events.sentinel.PractitionerSuspended.is(event);
      if (!bySentinel && !api.events.providers.Suspended.is(event)) continue;
      const suspended = event.data[0].toString();
      if (!readers.has(suspended)) continue;
      const why = bySentinel ? 'for behaving like an intruder' : 'by the registry';
      this.notify({ kind: 'suspension', at: Date.now(), text: `A practitioner who accessed your record, ${shortText(suspended)}, was suspended ${why}.` });
    }
  }

  private notify(notice: Notice): void {
    this.noticed.forEach((listener) => listener(notice));
  }
}
