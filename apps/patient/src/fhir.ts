// The patient's access log as a FHIR R4 Bundle of AuditEvents: the same mapping as the
// custodian's `GET /fhir/AuditEvent` (custodian/src/audit_event.rs, docs/custodian.md), made in
// the browser so sensitive categories are revealed with the patient's own salts.
import type { Person } from './person';
import type { AccessDecision } from './store';

const PURPOSE_CODES: Record<string, string> = {
  Treatment: 'TREAT', Payment: 'HPAYMT', Operations: 'HOPERAT', Research: 'HRESCH', PublicHealth: 'PUBHLTH', Emergency: 'ETREAT',
};
const SECURITY_LABELS: Record<string, string> = {
  MentalHealth: 'PSY', SubstanceUse: 'SUD', SexualReproductiveHealth: 'SEX', Genetics: 'GDIS', Hiv: 'HIV',
};

const account = (address: string) => ({ identifier: { system: 'urn:ehr-chain:account', value: address } });

/** A denial's reason as the custodian writes it (Rust's Debug form): `Consent(NoConsent)`. */
export function reasonCode(reason: Record<string, string | null> | string): string {
  if (typeof reason === 'string') return reason;
  const [[variant, inner]] = Object.entries(reason);
  const name = variant[0].toUpperCase() + variant.slice(1);
  return inner ? `${name}(${inner})` : name;
}

export function auditEvent(decision: AccessDecision, person: Person): Record<string, unknown> {
  const organisation = decision.organisation ?? undefined;
  const revealed = person.revealName(decision.category, organisation);
  const subtype: Record<string, string>[] = [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }];
  if (decision.emergency) subtype.push({ system: 'urn:ehr-chain:audit', code: 'emergency-access' });
  const agents: Record<string, unknown>[] = [
    { who: account(decision.practitioner), role: decision.role ? [{ text: decision.role }] : [], requestor: true },
  ];
  if (organisation) agents.push({ who: account(organisation), requestor: false });
  const patient: Record<string, unknown> = {
    what: { reference: `Patient/${decision.patient}` },
    detail: [
      { type: 'category', valueString: revealed ?? 'sensitive' },
      { type: 'restricted', valueString: String(decision.restricted) },
    ],
  };
  const label = revealed && SECURITY_LABELS[revealed];
  if (label) patient.securityLabel = [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: label }];
  const entities: Record<string, unknown>[] = [patient];
  const event: Record<string, unknown> = {
    resourceType: 'AuditEvent',
    id: String(decision.seq),
    type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110110', display: 'Patient Record' },
    subtype,
    action: 'R',
    recorded: new Date(decision.at).toISOString(),
    purposeOfEvent: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: PURPOSE_CODES[decision.purpose] }] }],
    agent: agents,
    source: { site: `block ${decision.block}`, observer: { display: 'EHR Chain' } },
  };
  const { granted, emergencyGranted, denied } = decision.outcome;
  if (granted) {
    event.outcome = '0';
    entities.push({ what: { reference: `Consent/${granted.consent}` }, role: { code: granted.scope.toLowerCase() } });
  } else if (emergencyGranted) {
    event.outcome = '0';
    entities.push({ what: { identifier: { system: 'urn:ehr-chain:emergency-access', value: String(emergencyGranted.access) } } });
  } else if (denied) {
    event.outcome = '4';
    event.outcomeDesc = reasonCode(denied.reason);
  }
  event.entity = entities;
  return event;
}

/** Every decision of the person's accounts, oldest first, as one FHIR `collection` Bundle. */
export function auditBundle(decisions: AccessDecision[], person: Person): Record<string, unknown> {
  const sorted = [...decisions].sort((a, b) => a.at - b.at || a.seq - b.seq);
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp: new Date().toISOString(),
    entry: sorted.map((decision) => ({ resource: auditEvent(decision, person) })),
  };
}
