"""Signature checks per second: the receiver SDK's `verify` beside the standardwebhooks package.

Everything runs in this one process, on the same bodies and the same headers, in the same run:

- hookdesk, standard scheme: `hookdesk.receiver.verify(body, headers, secret)` with the headers
  the server sends (`signature_headers`: webhook-id, webhook-timestamp, webhook-signature and
  Hookdesk-Signature); the standard scheme is the one it checks when both are there;
- hookdesk, compact scheme: the same call with the `Hookdesk-Signature` header alone (there is
  no standardwebhooks equivalent: it is reported beside hookdesk's standard-scheme rate);
- standardwebhooks, as the ceiling, on the very same headers dict, in three forms:
  `Webhook(secret).verify(body, headers, json_parse=False)`, the same work as hookdesk's call
  (the secret decoded on every call, no JSON parsing): the headline ratio;
  `webhook.verify(body, headers, json_parse=False)` on a Webhook built once (stricter);
  `Webhook(secret).verify(body, headers)`, the default, which also parses the JSON body.

The bodies are the golden payloads of docs/events rendered compactly, as the server sends them
(about 1 KB each, cycled through in the loop), and a ticket.updated event of a ticket with 50
replies (about 20 KB). Each is checked with one signature, and during a rotation, with two
(the server's order: the current secret's, then the previous one's; the receiver holds the
previous secret, so its signature is the second one).

Before timing, every form must accept every body, and refuse it once one byte is changed. The
timing is timeit's: loops of N calls with the garbage collector off, N calibrated to a batch
time; each round times one batch of every form of every case, in an order that rotates from
round to round, and the best round of each form counts (the median is shown for the noise).
The headers are signed again at the start of each round, so they never grow stale.

    python bench/verify.py                  # defaults: 7 rounds, about 25 s in all
    python bench/verify.py --json           # the same figures as JSON on stdout
    python bench/verify.py --rounds 15 --duration 60

Progress goes to stderr. The exit status is 2 when a check failed (no figures then).
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import math
import random
import signal
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python bench/verify.py` too

import standardwebhooks

from bench.common import (
    exact_command,
    fmt_ratio,
    machine,
    positive_float,
    positive_int,
    progress,
    render_table,
    terminate,
)
from hookdesk.receiver import NoMatchingSignature, WebhookVerificationError, verify
from hookdesk.receiver.signing import new_secret, secret_key, signature_headers

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "docs" / "events"
GOLDEN = (
    "whitelabel.ticket.created",
    "whitelabel.ticket.updated",
    "whitelabel.ticket.assigned",
    "whitelabel.ticket.resolved",
)
LARGE_REPLIES = 50
TARGET = 1.0  # hookdesk / standardwebhooks, verifications per second
MIN_CALIBRATION_S = 0.02

Signed = list[tuple[bytes, dict[str, str]]]  # (body, headers) pairs, as a receiver gets them


# --- the bodies ----------------------------------------------------------------------------


def compact(value: Any) -> bytes:
    """JSON as the server renders it (hookdesk.webhooks.payloads.serialize)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def golden(event_type: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((GOLDEN_DIR / f"{event_type}.json").read_text())
    return loaded


SENTENCES = (
    "The invoice for March still shows the old billing address.",
    "I have cleared the cache and signed in again, but nothing changed.",
    "Could you check whether the payment of 49,00 € went through?",
    "We have forwarded this to the billing team; they will answer today.",
    "Merci pour votre réponse rapide — ça marche maintenant.",
    "The export stops at 10,000 rows and the file is cut in the middle.",
    "Please attach a screenshot of the settings page so we can compare.",
    "Our accountant, Zoë Müller, needs the corrected invoice by Friday.",
    "Thanks for contacting our support. An agent will be with you shortly.",
    "This is fixed in today's release; please reload the page and try again.",
)


def large_body(replies: int) -> bytes:
    """A ticket.updated event of a ticket with `replies` replies (~20 KB for 50), fixed seed."""
    rng = random.Random(20240601)
    event = copy.deepcopy(golden("whitelabel.ticket.updated"))
    ticket = event["data"]["ticket"]
    made = []
    for n in range(replies):
        at = ticket["created_at"] + 900 * n
        text = " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(2, 6)))
        made.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "text": text,
                "is_client_reply": n % 2 == 0,
                "created_at": at,
                "assets": [asset(rng, at)] if n % 10 == 4 else None,
            }
        )
    ticket["replies"], ticket["updated_at"] = made, made[-1]["created_at"]
    event["data"]["reply"] = made[-1]
    return compact(event)


def asset(rng: random.Random, at: int) -> dict[str, Any]:
    asset_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return {
        "id": asset_id,
        "object": "asset",
        "filename": "screenshot.png",
        "extension": "png",
        "filesize": rng.randint(20_000, 900_000),
        "type": "image/png",
        "public_url": f"https://files.example.com/assets/{asset_id}/screenshot.png",
        "created_at": at,
    }


def tampered(body: bytes) -> bytes:
    """The body with one letter changed (in the first reply's text): still UTF-8, still JSON."""
    at = body.index(b'"text":"') + len(b'"text":"')
    letter = body[at : at + 1]
    assert letter.isalpha(), letter
    return body[:at] + letter.swapcase() + body[at + 1 :]


# --- the cases -----------------------------------------------------------------------------


@dataclass
class Case:
    """Bodies, and the keys the server signs them with; the receiver holds `secret`."""

    name: str
    bodies: list[tuple[str, bytes]]  # (name, body)
    keys: list[bytes]
    secret: str

    def signed(self, now: int) -> Signed:
        # The message id is the event id, as the server's (webhooks/dispatch/prepare.py).
        signed = []
        for _, body in self.bodies:
            message_id = json.loads(body)["event_id"]
            signed.append((body, signature_headers(self.keys, message_id, now, body)))
        return signed


def make_cases() -> list[Case]:
    receiver = new_secret()  # the secret the receiver verifies with
    current = new_secret()  # a newer one the server also signs with during a rotation
    one = [secret_key(receiver)]
    rotation = [secret_key(current), secret_key(receiver)]  # the server's order
    golden_bodies = [(name.removeprefix("whitelabel."), compact(golden(name))) for name in GOLDEN]
    large_one = large_body(LARGE_REPLIES)
    large = [(f"ticket.updated, {LARGE_REPLIES} replies", large_one)]
    big = f"large {len(large_one) / 1000:.0f} KB"
    return [
        Case("golden ~1 KB, 1 sig", golden_bodies, one, receiver),
        Case("golden ~1 KB, rotation (2 sigs)", golden_bodies, rotation, receiver),
        Case(f"{big}, 1 sig", large, one, receiver),
        Case(f"{big}, rotation (2 sigs)", large, rotation, receiver),
    ]


# --- the verifiers: each a timed loop over (body, headers) pairs -----------------------------


def loop_hookdesk(secret: str, work: Signed) -> float:
    check = verify
    started = time.perf_counter()
    for body, headers in work:
        check(body, headers, secret)
    return time.perf_counter() - started


def loop_swh(secret: str, work: Signed) -> float:
    webhook = standardwebhooks.Webhook
    started = time.perf_counter()
    for body, headers in work:
        webhook(secret).verify(body, headers, json_parse=False)
    return time.perf_counter() - started


def loop_swh_reused(secret: str, work: Signed) -> float:
    check = standardwebhooks.Webhook(secret).verify
    started = time.perf_counter()
    for body, headers in work:
        check(body, headers, json_parse=False)
    return time.perf_counter() - started


def loop_swh_default(secret: str, work: Signed) -> float:
    webhook = standardwebhooks.Webhook
    started = time.perf_counter()
    for body, headers in work:
        webhook(secret).verify(body, headers)
    return time.perf_counter() - started


def all_headers(headers: dict[str, str]) -> dict[str, str]:
    return headers  # the very same dict for hookdesk and standardwebhooks


def compact_only(headers: dict[str, str]) -> dict[str, str]:
    return {"Hookdesk-Signature": headers["Hookdesk-Signature"]}


@dataclass(frozen=True)
class Form:
    key: str
    label: str
    loop: Callable[[str, Signed], float]
    headers: Callable[[dict[str, str]], dict[str, str]]
    refusal: type[Exception]


HOOKDESK = Form("hookdesk", "hookdesk verify()", loop_hookdesk, all_headers, NoMatchingSignature)
COMPACT = Form(
    "hookdesk_compact",
    "hookdesk verify(), Hookdesk-Signature only",
    loop_hookdesk,
    compact_only,
    NoMatchingSignature,
)
SWH_ERROR = standardwebhooks.WebhookVerificationError
SWH = Form("swh", "swh Webhook(s).verify(json_parse=False)", loop_swh, all_headers, SWH_ERROR)
SWH_REUSED = Form(
    "swh_reused",
    "swh built once .verify(json_parse=False)",
    loop_swh_reused,
    all_headers,
    SWH_ERROR,
)
SWH_DEFAULT = Form(
    "swh_default", "swh Webhook(s).verify() (parses JSON)", loop_swh_default, all_headers, SWH_ERROR
)
FORMS = (HOOKDESK, COMPACT, SWH, SWH_REUSED, SWH_DEFAULT)
REFERENCES = (SWH, SWH_REUSED, SWH_DEFAULT)  # the ceilings hookdesk's standard scheme is held to


def for_form(form: Form, signed: Signed) -> Signed:
    return [(body, form.headers(headers)) for body, headers in signed]


def work(items: Signed, number: int) -> Signed:
    """`number` pairs, cycling through the items."""
    return (items * (number // len(items) + 1))[:number]


def timed(form: Form, secret: str, items: Signed, number: int) -> float:
    """One batch of `number` calls, with the garbage collector off as in timeit."""
    batch = work(items, number)
    enabled = gc.isenabled()
    gc.disable()
    try:
        return form.loop(secret, batch)
    finally:
        if enabled:
            gc.enable()


# --- the checks ----------------------------------------------------------------------------


class CheckFailed(Exception):
    """A verifier refused a good body or accepted a changed one: there are no figures then."""


def check(cases: list[Case]) -> dict[str, int]:
    accepted = refused = 0
    for case in cases:
        signed = case.signed(int(time.time()))
        for body, headers in signed:
            want = 2 if len(case.keys) == 2 else 1
            if len(headers["webhook-signature"].split()) != want:
                raise CheckFailed(f"{case.name}: expected {want} signatures in {headers}")
            if json.loads(body) != standardwebhooks.Webhook(case.secret).verify(body, headers):
                raise CheckFailed(f"{case.name}: standardwebhooks parsed another body")
        for form in FORMS:
            items = for_form(form, signed)
            for body, headers in items:
                try:
                    timed(form, case.secret, [(body, headers)], 1)
                except Exception as error:
                    message = f"{form.label} refused a good body ({case.name}): {error!r}"
                    raise CheckFailed(message) from error
                accepted += 1
                try:
                    timed(form, case.secret, [(tampered(body), headers)], 1)
                except form.refusal:
                    refused += 1
                else:
                    raise CheckFailed(f"{form.label} accepted a changed body ({case.name})")
    return {"accepted": accepted, "tampered_refused": refused}


# --- the measurement -----------------------------------------------------------------------


@dataclass
class Result:
    case: str
    form: str
    label: str
    number: int
    rounds: int
    best_s: float
    per_s: float
    median_per_s: float
    us_each: float
    batches_s: list[float] = field(default_factory=list)


def calibrate(form: Form, secret: str, items: Signed, batch_s: float) -> int:
    """timeit's autorange, then scaled so one batch takes about `batch_s`; warms up too."""
    number = 1
    while True:
        elapsed = timed(form, secret, items, number)
        if elapsed >= MIN_CALIBRATION_S:
            return max(1, math.ceil(number * batch_s / elapsed))
        number *= 10 if elapsed < MIN_CALIBRATION_S / 20 else 2


def measure(cases: list[Case], args: argparse.Namespace) -> list[Result]:
    batch_s = args.duration / (args.rounds * len(cases) * len(FORMS))
    pairs = [(case, form) for case in cases for form in FORMS]
    now = int(time.time())
    numbers = {}
    for case, form in pairs:
        numbers[case.name, form.key] = calibrate(
            form, case.secret, for_form(form, case.signed(now)), batch_s
        )
    times: dict[tuple[str, str], list[float]] = {key: [] for key in numbers}
    for round_ in range(args.rounds):
        progress(f"round {round_ + 1}/{args.rounds}")
        shift = round_ % len(FORMS)
        order = FORMS[shift:] + FORMS[:shift]  # interleaved, in an order that rotates
        for case in cases:
            signed = case.signed(int(time.time()))  # fresh timestamps every round
            for form in order:
                number = numbers[case.name, form.key]
                elapsed = timed(form, case.secret, for_form(form, signed), number)
                times[case.name, form.key].append(elapsed)
    return [summarize(case, form, numbers[case.name, form.key], times) for case, form in pairs]


def summarize(
    case: Case, form: Form, number: int, times: dict[tuple[str, str], list[float]]
) -> Result:
    batches = times[case.name, form.key]
    best = min(batches)
    return Result(
        case=case.name,
        form=form.key,
        label=form.label,
        number=number,
        rounds=len(batches),
        best_s=round(best, 6),
        per_s=round(number / best, 1),
        median_per_s=round(number / statistics.median(batches), 1),
        us_each=round(1e6 * best / number, 3),
        batches_s=[round(b, 6) for b in batches],
    )


# --- the report ----------------------------------------------------------------------------


def ratios(results: list[Result]) -> dict[str, dict[str, float]]:
    """Per case: hookdesk over each standardwebhooks form, and compact over standard."""
    rate = {(r.case, r.form): r.per_s for r in results}
    out: dict[str, dict[str, float]] = {}
    for case in dict.fromkeys(r.case for r in results):
        hookdesk = rate[case, HOOKDESK.key]
        row = {f"hookdesk/{f.key}": round(hookdesk / rate[case, f.key], 4) for f in REFERENCES}
        row["compact/hookdesk"] = round(rate[case, COMPACT.key] / hookdesk, 4)
        out[case] = row
    return out


def verdict(by_case: dict[str, dict[str, float]]) -> dict[str, Any]:
    """The lowest hookdesk/standardwebhooks ratio over every case and form, against TARGET."""
    against = [
        (value, case, name)
        for case, row in by_case.items()
        for name, value in row.items()
        if name.startswith("hookdesk/")
    ]
    lowest = min(against)
    headline = min(row[f"hookdesk/{SWH.key}"] for row in by_case.values())
    return {
        "target": TARGET,
        "lowest_same_work": headline,
        "lowest_any_form": lowest[0],
        "lowest_where": f"{lowest[1]}, {lowest[2]}",
        "met": lowest[0] >= TARGET,
    }


def build_report(
    args: argparse.Namespace, cases: list[Case], results: list[Result], checks: dict[str, int]
) -> dict[str, Any]:
    by_case = ratios(results)
    return {
        "benchmark": "signature verifications per second, hookdesk.receiver.verify vs "
        "standardwebhooks",
        "command": exact_command(),
        "machine": {**machine(), "standardwebhooks": version("standardwebhooks")},
        "settings": {
            "rounds": args.rounds,
            "duration_s": args.duration,
            "batch_s": round(args.duration / (args.rounds * len(cases) * len(FORMS)), 4),
            "gc": "off during batches (as timeit)",
            "figure": "best round; median shown for noise",
        },
        "bodies": {
            case.name: {name: len(body) for name, body in case.bodies}
            for case in cases
            if "rotation" not in case.name
        },
        "checks": checks,
        "results": [asdict(r) for r in results],
        "ratios": by_case,
        "verdict": verdict(by_case),
    }


def table_rows(results: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    width = max(len(r["label"]) for r in results)  # left-aligned: render_table right-aligns
    rows: list[tuple[str, ...]] = [
        ("case", "verifier".ljust(width), "verif/s", "us each", "median/s", "loops x rounds")
    ]
    previous = None
    for r in results:
        rows.append(
            (
                "" if r["case"] == previous else r["case"],
                r["label"].ljust(width),
                f"{r['per_s']:,.0f}",
                f"{r['us_each']:.2f}",
                f"{r['median_per_s']:,.0f}",
                f"{r['number']} x {r['rounds']}",
            )
        )
        previous = r["case"]
    return rows


def ratio_rows(by_case: dict[str, dict[str, float]]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [
        ("hookdesk / ...", "swh same work", "swh built once", "swh default", "compact/std")
    ]
    for case, row in by_case.items():
        cells = [row[f"hookdesk/{f.key}"] for f in REFERENCES]
        marks = [f"{fmt_ratio(v)} {'ok' if v >= TARGET else 'LOW'}" for v in cells]
        rows.append((case, *marks, fmt_ratio(row["compact/hookdesk"])))
    return rows


def render(report: dict[str, Any]) -> str:
    m, s, v = report["machine"], report["settings"], report["verdict"]
    sizes = "; ".join(
        ", ".join(f"{name} {size} B" for name, size in bodies.items())
        for bodies in report["bodies"].values()
    )
    lines = [
        f"hookdesk receiver: {report['benchmark']}",
        f"machine: {m['cpu_count']} CPUs ({m['cpu_model']}), {m['platform']}",
        f"software: {m['python']}, hookdesk {m['hookdesk']} from {m['hookdesk_source']}, "
        f"standardwebhooks {m['standardwebhooks']}",
        f"command: {report['command']}",
        f"bodies (compact JSON): {sizes}",
        f"timing: {s['rounds']} rounds, batches of ~{s['batch_s'] * 1000:.0f} ms, interleaved, "
        f"gc {s['gc'].split(' ', 1)[0]} in batches; {s['figure']}",
        "rotation: two signatures, current secret's then previous one's (the server's order); "
        "the receiver holds the previous secret, so the second one matches",
        f"checks: {report['checks']['accepted']} good bodies accepted and "
        f"{report['checks']['tampered_refused']} changed ones refused, by every verifier",
        "",
        render_table(table_rows(report["results"])),
        "",
        f"ratios (target: hookdesk / standardwebhooks >= {v['target']:.1f}; compact/std is "
        "hookdesk's Hookdesk-Signature-only rate over its standard-scheme rate):",
        render_table(ratio_rows(report["ratios"])),
        "",
        f"lowest hookdesk/swh, same work: {fmt_ratio(v['lowest_same_work'])}; over every form: "
        f"{fmt_ratio(v['lowest_any_form'])} ({v['lowest_where']})",
        f"target {v['target']:.1f} against every form: {'MET' if v['met'] else 'MISSED'}",
    ]
    return "\n".join(lines)


# --- command line --------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Signature verifications per second: hookdesk.receiver.verify beside "
        "standardwebhooks, on the golden bodies and a ~20 KB one."
    )
    add = parser.add_argument
    add("--rounds", "-r", type=positive_int, default=7, help="rounds; the best one counts")
    add(
        "--duration",
        "-d",
        type=positive_float,
        default=24.0,
        help="seconds of timed batches in all (calibration and checks add ~2 s)",
    )
    add("--json", action="store_true", help="print the figures as JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, terminate)
    cases = make_cases()
    try:
        progress("checking: every verifier accepts every body and refuses a changed one")
        checks = check(cases)
        progress(f"measuring: {args.rounds} rounds, about {args.duration:g} s")
        results = measure(cases, args)
    except (CheckFailed, WebhookVerificationError, SWH_ERROR) as error:
        progress(f"FAILED, no figures: {error!r}")
        return 2
    report = build_report(args, cases, results, checks)
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
