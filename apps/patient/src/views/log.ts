// "Who looked at my record": every decision on the person's records, granted, denied or
// emergency, newest first, live from new blocks; downloadable as FHIR AuditEvents.
import { fill, h, when } from '../dom';
import { auditBundle } from '../fhir';
import type { AccessDecision } from '../store';
import { accountLabel, practitionerLabel, table, type Context } from '../ui';

export function logView(context: Context): { element: HTMLElement; refresh: () => void } {
  const body = h('div', { id: 'access-log' });
  const download = h('button', { type: 'button', onclick: () => downloadBundle(context) }, 'Download as FHIR AuditEvents (JSON)');
  const element = h('section', { 'aria-labelledby': 'log-title' },
    h('h2', { id: 'log-title' }, 'Who looked at my record'),
    h('p', {}, 'Every request to read your records, allowed or refused, as the chain decided it. New requests appear as they happen. The chain keeps your last 256 decisions per account.'),
    download,
    body);
  const refresh = () => {
    const decisions = allDecisions(context);
    fill(body, table('Access decisions, newest first', ['When', 'Who', 'Records', 'Why', 'Decision', 'Your account'], decisions.map((d) => decisionRow(context, d)), 'Nobody has asked to read your records yet.'));
  };
  return { element, refresh };
}

const allDecisions = (context: Context) =>
  context.store.accounts.flatMap((account) => account.accesses).sort((a, b) => b.at - a.at || b.seq - a.seq);

function decisionRow(context: Context, decision: AccessDecision): HTMLTableRowElement {
  const category = context.person.describe(decision.category, decision.organisation ?? undefined);
  const outcome = outcomeText(decision);
  const kind = decision.outcome.denied ? 'denied' : decision.emergency ? 'emergency' : 'granted';
  return h('tr', { class: `decision ${kind}`, 'data-seq': decision.seq, 'data-outcome': kind },
    h('td', {}, when(decision.at)),
    h('td', {}, practitionerLabel(context, decision.practitioner)),
    h('td', {}, category.label, decision.restricted ? h('span', { class: 'badge' }, 'restricted') : null),
    h('td', {}, decision.purpose),
    h('td', {}, h('strong', {}, outcome.title), outcome.detail ? h('span', { class: 'detail' }, ` — ${outcome.detail}`) : null),
    h('td', {}, accountLabel(context.person, decision.patient)));
}

/** Why the chain refused, in the patient's words (the variants of `DenyReason`). */
const DENIALS: Record<string, string> = {
  // Consent(..)
  NoConsent: 'you have given no consent to this practitioner or its organisation',
  CategoryNotCovered: 'none of your consents covers these records',
  SensitiveCategoryNotCovered: 'this is a sensitive category and no consent of yours names it',
  PurposeNotCovered: 'your consent covers these records, but not for this purpose',
  ConsentNotYetValid: 'your consent has not started yet',
  ConsentExpired: 'your consent has ended',
  ConsentExhausted: 'your consent has been used as many times as you allowed',
  RecordRestricted: 'your record is restricted and you did not name this practitioner',
  // Provider(..)
  Unknown: 'the requester is not a registered practitioner',
  Pending: 'the practitioner is not approved yet',
  Suspended: 'the practitioner is suspended',
  Revoked: 'the practitioner’s registration was revoked',
  CredentialExpired: 'the practitioner’s credential has expired',
  OrganisationInactive: 'the practitioner’s organisation is not active',
  // Emergency access
  BreakGlassOptedOut: 'you refuse emergency access',
  EmergencyLimitReached: 'the practitioner has used up its emergency accesses for now',
};

/** A decision in words: the consent it used, the emergency, or why it was refused. */
function outcomeText(decision: AccessDecision): { title: string; detail?: string } {
  const { granted, emergencyGranted, denied } = decision.outcome;
  if (granted) return { title: 'Allowed', detail: `by your consent #${granted.consent}` };
  if (emergencyGranted) return { title: 'Emergency access', detail: 'break-glass: reviewed afterwards by the organisation or the council' };
  const reason = denied?.reason ?? 'unknown';
  const name = typeof reason === 'string' ? reason[0].toUpperCase() + reason.slice(1) : Object.values(reason)[0] ?? Object.keys(reason)[0];
  return { title: 'Refused', detail: DENIALS[name] ?? name };
}

function downloadBundle(context: Context): void {
  const bundle = auditBundle(allDecisions(context), context.person);
  const blob = new Blob([JSON.stringify(bundle, null, 2)], { type: 'application/fhir+json' });
  const link = h('a', { href: URL.createObjectURL(blob), download: `access-log-${new Date().toISOString().slice(0, 10)}.json` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
