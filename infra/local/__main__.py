"""`make run`: start the local stack in the foreground until Ctrl-C."""

from __future__ import annotations

import signal
import sys
import threading

from infra.local.seed import ARCHETYPES, demo_users
from infra.local.stack import StackConfig, start

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


def banner(config: StackConfig) -> str:
    users = demo_users()
    employees = [u for u in users if u.employee_code]
    officials = [u for u in users if not u.employee_code]
    lines = [
        "",
        "Anubandh local stack is up.",
        f"  API gateway   {config.gateway_url}",
        f"  Swagger UI    {config.gateway_url}/docs",
        f"  OpenAPI       {config.gateway_url}/openapi.json",
        f"  moto (AWS)    {config.moto_url}",
        f"  clock         GET/POST {config.gateway_url}/_local/clock",
        f"  stack         GET {config.gateway_url}/_local/stack (the Outputs, for anubandh --local)",
        f"  jobs          POST {config.gateway_url}/_local/jobs/<close-registration|close-verification|"
        "transparency-checkpoint|...>"
        ' {"dry_run"?, "wait"?}',
        f"  outbox        GET {config.gateway_url}/_local/outbox (the SMS and e-mail sent today, OTPs included)",
        "",
        "Employees sign in as in the cloud: POST /v1/auth/otp {employee_code} (EMP-0001..EMP-0032), the OTP from",
        'the outbox, POST /v1/auth/otp/verify. The demo shortcut POST /_local/login {"username": ...} also works:',
        f"  employee1..employee{len(employees)} are EMP-0001..EMP-{len(employees):04d} (EMP-0031/32 have no user until they sign in)",
    ]
    lines += [f"  employee{n:<3} {kind.label}" for n, kind in enumerate(ARCHETYPES, start=1)]
    lines += [f"  {u.username:<11} {u.note}" for u in officials]
    lines.append(WALKTHROUGH.format(api=config.gateway_url))
    lines.append("Ctrl-C stops everything.")
    return "\n".join(lines)


def main() -> int:
    config = StackConfig.from_environment()
    stack = start(config)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    server_thread = threading.Thread(target=stack.server.serve_forever, name="gateway", daemon=True)
    server_thread.start()
    print(banner(config), flush=True)
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
