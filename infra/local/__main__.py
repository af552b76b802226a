"""`make run`: start the local stack in the foreground until Ctrl-C (or SIGTERM)."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections import defaultdict
from datetime import datetime
from typing import Any

from core.clock import IST
from core.programme import Programme, Window
from infra.local import logs
from infra.local.ports import PortInUse
from infra.local.seed import ROLL_SIZE, demo_users
from infra.local.stack import RunningStack, StackConfig, start
from infra.local.template import ScheduledJob

WALKTHROUGH = r"""
# --- copy-paste walkthrough: OTP sign-in -> me -> create -> upload 4 PDFs -> submit -> history -> a grievance ---
API={api}
j() {{ python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }}
curl -s -X POST $API/_local/clock -d '{{"now":"2026-01-20T10:00:00+05:30"}}'; echo   # inside the window
# EMP-0001 signs in as in the cloud: an OTP by SMS to the roll's mobile, read here from the outbox
CH=$(curl -s -X POST $API/v1/auth/otp -H 'Content-Type: application/json' -d '{{"employee_code":"EMP-0001"}}' | j 'd["challenge_id"]')
sleep 1; OTP=$(curl -s $API/_local/outbox | j '[i["text"] for i in d["items"] if i["campaign"]=="otp#'$CH'"][0].split("OTP is ")[1][:6]')
TOKEN=$(curl -s -X POST $API/v1/auth/otp/verify -H 'Content-Type: application/json' -d "{{\"challenge_id\":\"$CH\",\"otp\":\"$OTP\"}}" | j 'd["access_token"]')
AUTH="Authorization: Bearer $TOKEN"
curl -s $API/v1/me -H "$AUTH"; echo
REG=$(curl -s -X POST $API/v1/registrations -H "$AUTH" -H 'Content-Type: application/json' -d '{{}}' | j 'd["registration_id"]')
printf '%%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%%%EOF\n' > /tmp/anubandh-doc.pdf
for T in appointment_letter service_certificate pay_proof identity_proof; do
  UP=$(curl -s -X POST $API/v1/registrations/$REG/documents -H "$AUTH" -H 'Content-Type: application/json' \
       -d "{{\"type\":\"$T\",\"content_type\":\"application/pdf\",\"size_bytes\":$(wc -c < /tmp/anubandh-doc.pdf)}}")
  curl -s -o /dev/null -w "S3 POST $T: %{{http_code}}\n" $(echo "$UP" | j '" ".join("-F "+k+"="+v for k,v in d["upload"]["fields"].items())') \
       -F file=@/tmp/anubandh-doc.pdf "$(echo "$UP" | j 'd["upload"]["url"]')"
  curl -s -X POST $API/v1/registrations/$REG/documents/$(echo "$UP" | j 'd["document_id"]')/confirm -H "$AUTH" | j 'd["document"]["status"]'
done
VERSION=$(curl -s $API/v1/registrations/$REG -H "$AUTH" | j 'd["version"]')
curl -s -X POST $API/v1/registrations/$REG/submit -H "$AUTH" -H 'Content-Type: application/json' \
     -H "Idempotency-Key: $(date +%s)" -d "{{\"version\":$VERSION}}" | j 'd["acknowledgement_number"], d["registration"]["status"]'
curl -s $API/v1/registrations/$REG/history -H "$AUTH" | j '[e["type"] for e in d["events"]], d["chain"]'
# The transparency log: the hourly checkpoint now, then the record checked against the signed log, trusting no server
curl -s -X POST $API/_local/jobs/transparency-checkpoint | j 'd["checkpoint"]["checkpoint"]'
.venv/bin/anubandh verify record $REG --endpoint $API --token $TOKEN
# A grievance: filed by employee1, accepted by officer1 (Panchkula cell), with its timeline.
GRV=$(curl -s -X POST $API/v1/grievances -H "$AUTH" -H 'Content-Type: application/json' \
     -d '{{"category":"salary_not_paid","subject":"December salary","description":"My December salary has not been credited."}}')
echo "$GRV" | j 'd["number"], d["unit"], d["sla"]["due_at"]'
OFFICER="Authorization: Bearer $(curl -s -X POST $API/_local/login -d '{{"username":"officer1"}}' | j 'd["id_token"]')"
curl -s -X POST $API/v1/grievances/$(echo "$GRV" | j 'd["grievance_id"]')/actions -H "$OFFICER" \
     -H 'Content-Type: application/json' -d '{{"action":"accept","version":1}}' | j 'd["status"]'
curl -s $API/v1/grievances/$(echo "$GRV" | j 'd["grievance_id"]') -H "$AUTH" | j '[e["type"] for e in d["timeline"]], d["chain_valid"]'
# The operator (AWS credentials; here moto's): officials from a file, into Cognito and the directory, audited
.venv/bin/anubandh officials import infra/samples/officials.csv --local $API
# A mobile correction: EMP-0031's help request (seeded) in ddo1's queue, roll and claim side by side; approved
DDO="Authorization: Bearer $(curl -s -X POST $API/_local/login -d '{{"username":"ddo1"}}' | j 'd["id_token"]')"
COR=$(curl -s $API/v1/roll/corrections -H "$DDO")
echo "$COR" | j '[(i["employee_code"], i["roll"]["mobile"], i["claimed"]["mobile"]) for i in d["items"]]'
curl -s -X POST $API/v1/roll/corrections/$(echo "$COR" | j 'd["items"][0]["correction_id"]')/decision -H "$DDO" \
     -H 'Content-Type: application/json' \
     -d "{{\"decision\":\"approve\",\"remarks\":\"Called the employee on the new number.\",\"version\":$(echo "$COR" | j 'd["items"][0]["version"]')}}" | j 'd["status"]'
curl -s $API/v1/roll/EMP-0031 -H "$DDO" | j 'd["mobile"], d["version"], d["chain_valid"]'
# The state nodal officer: load a roll file, then see where things stand
.venv/bin/anubandh roll import infra/samples/roll.csv --local $API --local-user admin1
ADMIN="Authorization: Bearer $(curl -s -X POST $API/_local/login -d '{{"username":"admin1"}}' | j 'd["id_token"]')"
curl -s "$API/v1/admin/reports/summary?by=ddo" -H "$ADMIN" | j 'd["totals"]["registrations"], d["days_left"]'
curl -s "$API/v1/admin/reports/export?by=district" -H "$ADMIN" | j 'd["url"]'
"""


def _when(instant: datetime) -> str:
    return instant.astimezone(IST).strftime("%d %b %Y %H:%M IST")


def _state(window: Window, now: datetime) -> str:
    if window.is_open(now):
        return "OPEN"
    return "closed" if window.has_closed(now) else "not open yet"


def clock_lines(now: datetime, frozen: bool) -> list[str]:
    kind = "frozen" if frozen else "running (real time unless set)"
    return [
        f"Clock      {_when(now)}, {kind}: every function and job reads this clock.",
        '           Set it: POST /_local/clock {"now": "2026-01-20T10:00:00+05:30", "frozen"?: true};'
        ' back to real time: {"reset": true}.',
    ]


def window_lines(programme: Programme, now: datetime) -> list[str]:
    lines = [f"Windows of {programme.programme_id} at that time (an admin moves a close: PUT /v1/admin/windows):"]
    rows = [
        ("registration", programme.registration, "employees create, edit and submit"),
        ("verification", programme.verification, "DDOs decide; sent-back drafts are corrected"),
    ]
    for name, window, what in rows:
        span = f"{_when(window.opens_at)} to {_when(window.closes_at)}"
        lines.append(f"  {name:<13} {_state(window, now):<13} {span}  ({what})")
    lines.append(f"  {'grievances':<13} {'OPEN':<13} no window: filed at any time")
    return lines


def job_lines(jobs: dict[str, ScheduledJob]) -> list[str]:
    lines = ['Jobs (POST /_local/jobs/NAME {"dry_run"?: true, "wait"?: true}; the cloud runs them on schedule):']
    width = max((len(n) for n in jobs), default=0)
    lines += [
        f"  {job.name:<{width}}  {job.function_id:<28} {job.expression} {job.timezone}"
        for job in sorted(jobs.values(), key=lambda j: j.name)
    ]
    return lines


def user_lines() -> list[str]:
    """Every demo user the seed creates, by what they show."""
    users = demo_users()
    employees = [u for u in users if u.employee_code]
    by_kind: dict[str, list[str]] = defaultdict(list)
    for user in employees:
        by_kind[user.note].append(user.username)
    last = len(employees)
    lines = [
        'Demo users (POST /_local/login {"username": ...}; an employee also signs in by OTP as in the cloud:',
        "POST /v1/auth/otp {employee_code}, the OTP from the outbox, POST /v1/auth/otp/verify):",
        f"  employee1..employee{last} are EMP-0001..EMP-{last:04d}; EMP-{last + 1:04d}..EMP-{ROLL_SIZE:04d} are on "
        "the roll with no user until they sign in by OTP",
    ]
    lines += [f"  {', '.join(names):<36} {kind}" for kind, names in by_kind.items()]
    lines += [f"  {u.username:<36} {u.note}" for u in users if not u.employee_code]
    return lines


def banner(stack: RunningStack) -> str:
    config = stack.config
    api = config.gateway_url
    now = stack.clock.now()
    lines = [
        "",
        "Anubandh local stack is up.",
        f"  API gateway   {api}   (Swagger UI {api}/docs, OpenAPI {api}/openapi.json)",
        f"  moto (AWS)    {config.moto_url}",
        f"  stack         GET {api}/_local/stack (the Outputs, for anubandh --local)",
        f"  outbox        GET {api}/_local/outbox (the SMS and e-mail sent today, OTPs included)",
        "  log           one line per request; LOG_FORMAT=json for Powertools' JSON (as in the cloud)",
        "",
        *clock_lines(now, stack.clock.frozen),
        *window_lines(stack.programme, now),
        "",
        *job_lines(stack.jobs),
        "",
        *user_lines(),
        WALKTHROUGH.format(api=api),
        "Ctrl-C stops everything.",
    ]
    return "\n".join(lines)


class _Stop(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C is."""


def _stop(signum: int, _frame: Any) -> None:
    raise _Stop


def main() -> int:
    config = StackConfig.from_environment()
    logs.configure(os.environ.get("LOG_FORMAT"))
    logs.quiet_library_logs()
    # A supervisor (or a test) stops the whole process group with SIGTERM: handled as Ctrl-C, even
    # while starting (start() stops moto on its way out).
    signal.signal(signal.SIGTERM, _stop)
    try:
        stack = start(config)
    except PortInUse as error:
        print(error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except RuntimeError as error:  # moto did not start, the template is broken, ...
        print(f"error: the local stack did not start: {error}", file=sys.stderr)
        return 1
    try:
        threading.Thread(target=stack.server.server.serve_forever, name="gateway", daemon=True).start()
        print(banner(stack), flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
