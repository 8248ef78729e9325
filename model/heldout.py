"""The sentinel on hospitals unlike those it was trained on: write the held-out section of
model/REPORT.md (between its `held-out` markers; never edit it by hand).

    python model/heldout.py --work WORK_DIR [--anomaly PATH_TO_EHR_ANOMALY]

Networks of two families of hospital configurations (`ehr-anomaly simulate --family`): the
training family, around the base hospital the model is trained on, and the held-out family,
whose ranges no training network reaches (12-hour shifts, services in runs, up to twice the
service volume and staff, busier wards, more unreferred consults and visitors, offices open on
Saturdays, other time zones). Each network is judged twice by the chain's own code
(`ehr-anomaly score`): by the absolute threshold alone, and as the sentinel reports with
per-peer-group calibration (`--calibrate`: each organisation's role in shadow for 14 days, then
alerting above its calibrated score at 0.1% of practitioner-days and the threshold). Both are
counted on the same days, those after the burn-in.

A practitioner-day is scored when the practitioner has at least 32 decisions by one of its
decisions that day (the sentinel's youngest window). It is normal when no attack on the
practitioner runs that day or the day before (the day after an attack, its windows still hold
it). It raises an alert when one of its windows alerts. An attack is detected when one of the
practitioner's windows alerts between its first and last access (and up to an hour after).
"""

import argparse
import json
import os
import re
import subprocess
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
REPORT = os.path.join(HERE, "REPORT.md")
BEGIN, END = "<!-- held-out: begin -->", "<!-- held-out: end -->"
DAY = 86_400_000
HOUR = 3_600_000
BURN_IN_DAYS = 14
FALSE_ALERT_RATE = 0.001
THRESHOLD = 0.92
WORLD = dict(days=30, practitioners=300, attack_rate=0.01)
# Two networks per family: scoring one twice takes about five minutes here.
FAMILIES = {"training": (80, 81), "held-out": (90, 91)}
MIN_SCORED_WINDOW = 32
ATTACKS = ["stolen_credential", "vip_snooping", "snooping_acquaintance", "slow_exfiltration",
           "off_shift", "break_glass_abuse", "purpose_misuse", "probing"]


def run(cli, *args):
    out = subprocess.run([cli, *args], check=True, capture_output=True, text=True)
    return out.stdout


def jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def simulate(cli, work, family, seed):
    """The network's files, simulated once."""
    directory = os.path.join(work, "heldout", f"{family}-{seed}")
    files = {name: os.path.join(directory, f"{name}.jsonl")
             for name in ("log", "labels", "registry", "referrals")}
    if not all(os.path.exists(path) for path in files.values()):
        os.makedirs(directory, exist_ok=True)
        run(cli, "simulate", "--seed", str(seed), "--days", str(WORLD["days"]),
            "--practitioners", str(WORLD["practitioners"]),
            "--attack-rate", str(WORLD["attack_rate"]), "--family", family,
            "--out", files["log"], "--labels", files["labels"],
            "--registry", files["registry"], "--referrals", files["referrals"])
    return files


def alerts(cli, files, calibrate):
    """(practitioner, ts) of every window that alerts, and the summary."""
    args = ["score", "--log", files["log"], "--registry", files["registry"],
            "--referrals", files["referrals"], "--threshold", str(THRESHOLD)]
    if calibrate:
        args += ["--calibrate", "--burn-in-days", str(BURN_IN_DAYS),
                 "--false-alert-rate", str(FALSE_ALERT_RATE)]
    lines = [json.loads(line) for line in run(cli, *args).splitlines()]
    return [(a["practitioner"], a["ts"]) for a in lines[:-1]], lines[-1]["summary"]


class Network:
    """One network's practitioner-days and attacks, after the burn-in."""

    def __init__(self, files):
        log = jsonl(files["log"])
        self.labels = jsonl(files["labels"])
        self.first_day = log[0]["ts"] // DAY + BURN_IN_DAYS
        self.role = {}
        count = defaultdict(int)
        self.scored = set()
        for d in log:
            p = d["practitioner"]
            self.role[p] = d["role"]
            count[p] += 1
            day = d["ts"] // DAY
            if count[p] >= MIN_SCORED_WINDOW and day >= self.first_day:
                self.scored.add((p, day))
        attacked = set()
        for label in self.labels:
            for day in range(label["start_ts"] // DAY, label["end_ts"] // DAY + 2):
                attacked.add((label["practitioner"], day))
        self.normal = self.scored - attacked
        self.attacks = [l for l in self.labels if l["end_ts"] // DAY >= self.first_day]

    def judge(self, alerted):
        """False alerts per role (alerted normal days, normal days) and detections per attack
        type (detected, attacks)."""
        days = {(p, ts // DAY) for p, ts in alerted}
        by_practitioner = defaultdict(list)
        for p, ts in alerted:
            by_practitioner[p].append(ts)
        false = defaultdict(lambda: [0, 0])
        for p, day in self.normal:
            counts = false[self.role[p]]
            counts[1] += 1
            counts[0] += (p, day) in days
        recall = defaultdict(lambda: [0, 0])
        for label in self.attacks:
            times = by_practitioner.get(label["practitioner"], [])
            hit = any(label["start_ts"] <= ts <= label["end_ts"] + HOUR for ts in times)
            counts = recall[label["attack"]]
            counts[1] += 1
            counts[0] += hit
        return false, recall


def add(total, part):
    for key, (a, b) in part.items():
        total[key][0] += a
        total[key][1] += b


def rate(pair):
    a, b = pair
    return f"{100 * a / b:.2f}% ({a}/{b})" if b else "-"


def share(pair):
    a, b = pair
    return f"{a / b:.2f} ({a}/{b})" if b else "-"


def section(results):
    lines = [BEGIN, "", "## Hospitals unlike the training ones: families and calibration", "",
             "Generated by `model/heldout.py` (its docstring defines every count). Networks of",
             f"{WORLD['practitioners']} practitioners over {WORLD['days']} days, attacks on",
             f"{100 * WORLD['attack_rate']:.0f}% of practitioner-days, seeds",
             ", ".join(f"{family} {', '.join(map(str, seeds))}" for family, seeds in FAMILIES.items()) + ";",
             f"counted after a {BURN_IN_DAYS}-day burn-in. *Threshold*: alerts at {THRESHOLD} alone;",
             f"*calibrated*: as the sentinel reports with calibration ({BURN_IN_DAYS} days of shadow,",
             f"{100 * FALSE_ALERT_RATE:.1f}% of each group's practitioner-days). The committed model",
             "is trained on the base hospital only.", ""]
    for family, (false_plain, false_cal, recall_plain, recall_cal) in results.items():
        overall = lambda false: [sum(v[0] for v in false.values()), sum(v[1] for v in false.values())]
        lines += [f"### {family} family", "",
                  "| role | false alerts, threshold | false alerts, calibrated |", "|---|---|---|",
                  f"| all | {rate(overall(false_plain))} | {rate(overall(false_cal))} |"]
        for role in sorted(false_plain, key=lambda r: -false_plain[r][1]):
            lines.append(f"| {role} | {rate(false_plain[role])} | {rate(false_cal[role])} |")
        lines += ["", "| attack | recall, threshold | recall, calibrated |", "|---|---|---|"]
        for attack in ATTACKS:
            lines.append(f"| {attack} | {share(recall_plain[attack])} | {share(recall_cal[attack])} |")
        lines.append("")
    return "\n".join(lines + [END])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--anomaly", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/ehr-chain/target")),
        "debug", "ehr-anomaly"))
    args = parser.parse_args()
    results = {}
    for family, seeds in FAMILIES.items():
        totals = [defaultdict(lambda: [0, 0]) for _ in range(4)]
        for seed in seeds:
            files = simulate(args.anomaly, args.work, family, seed)
            network = Network(files)
            for i, calibrate in enumerate((False, True)):
                alerted, _ = alerts(args.anomaly, files, calibrate)
                false, recall = network.judge(alerted)
                add(totals[i], false)
                add(totals[2 + i], recall)
            print(f"{family} {seed}: done", flush=True)
        results[family] = totals
    text = open(REPORT).read()
    generated = section(results)
    if BEGIN in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: generated, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + generated + "\n"
    open(REPORT, "w").write(text)


if __name__ == "__main__":
    main()
