#!/usr/bin/env bash
# The state nodal officer (admin) moves a deadline by order, imports the roll and reads the reports.
. "$(dirname "$0")/common.sh"
clock 2026-01-30T10:00:00+05:30
ADMIN=$(login admin1)

# 1. The windows, then a government order that extends registration by a week, audited in the programme's chain
call "$API/v1/admin/windows" -H "$ADMIN" | j 'd["registration_closes_at"], d["verification_closes_at"], d["registration_open"]'
call -X PUT "$API/v1/admin/windows" -H "$ADMIN" -d @- <<JSON | j 'd["registration_closes_at"], d["history"][-1]["reason"]'
{"registration_closes_at": "2026-02-07T23:59:59+05:30", "order_ref": "HR/GAD/2026/17",
 "reason": "Portal outage on 29 January in Panchkula and Hisar."}
JSON
# An order may also bring a close forward, but never into the past: a corrigendum restores 31 January
call -X PUT "$API/v1/admin/windows" -H "$ADMIN" -d @- <<JSON | j 'd["registration_closes_at"], len(d["history"]), d["chain_valid"]'
{"registration_closes_at": "2026-01-31T23:59:59+05:30", "order_ref": "HR/GAD/2026/18",
 "reason": "Order HR/GAD/2026/17 withdrawn: the outage was fixed the same day."}
JSON

# 2. The roll: a CSV uploaded through the admin API and followed to the end; the report is saved in $WORK
"$ANUBANDH" roll import "$ROOT/infra/samples/roll.csv" --local "$API" --local-user admin1 --report "$WORK/roll.report.csv"
head -3 "$WORK/roll.report.csv"

# 3. Where the state stands, by district, and the same table as a CSV behind a 5-minute link
call "$API/v1/admin/reports/summary?by=district" -H "$ADMIN" \
  | j '[(r["group"], r["registrations_total"], r["verification_pending"]) for r in d["rows"]], d["days_left"]'
curl -sS --fail-with-body -o "$WORK/summary.csv" "$(call "$API/v1/admin/reports/export?by=district" -H "$ADMIN" | j 'd["url"]')"
head -2 "$WORK/summary.csv"

# 4. What anyone may see without signing in: the public statistics (small groups withheld)
call "$API/v1/transparency/stats?by=district" | j 'd["state"]["registrations"], d["suppression"]'
