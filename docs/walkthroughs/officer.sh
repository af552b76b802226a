#!/usr/bin/env bash
# A grievance officer (L1) takes a grievance from the unit's queue, asks for details, and resolves it.
# The employee's side (filing, replying, feedback) is shown too, with a demo token for employee12 (EMP-0012).
. "$(dirname "$0")/common.sh"
clock 2026-03-02T10:00:00+05:30
EMPLOYEE=$(login employee12)
OFFICER=$(login officer1)   # the L1 cell of Panchkula, where grievances of DDO-PKL-001's staff go

# 1. The employee files a grievance: routed to their DDO's L1 cell, with a due date and a signed receipt
G=$(call -X POST "$API/v1/grievances" -H "$EMPLOYEE" -H "Idempotency-Key: grievance-$(date +%s)" -d @- <<JSON
{"category": "salary_not_paid", "subject": "December salary not paid",
 "description": "My salary for December 2025 has not been credited to my bank account."}
JSON
)
echo "$G" | j 'd["number"], d["unit"], d["level"], d["sla"]["due_at"], d["filing_receipt"]["receipt"]["kind"]'
GRV=$(echo "$G" | j 'd["grievance_id"]')
version() { echo "$G" | j 'd["version"]'; }   # every action carries the version of the answer before it

# 2. The officer's queue, most urgent first
call "$API/v1/grievances?limit=100" -H "$OFFICER" | j '[(i["number"], i["status"], i["sla"]["due_at"]) for i in d["items"]][:5]'

# 3. Accept it, then ask for what is missing: the SLA clock stops while the employee answers
G=$(call -X POST "$API/v1/grievances/$GRV/actions" -H "$OFFICER" -d "{\"action\": \"accept\", \"version\": $(version)}")
G=$(call -X POST "$API/v1/grievances/$GRV/actions" -H "$OFFICER" -d @- <<JSON
{"action": "request_info", "remarks": "Give your bank account's last four digits and the branch.", "version": $(version)}
JSON
)
echo "$G" | j 'd["status"], d["sla"]["paused"]'

# 4. A day later the employee replies (a reply may also cite attachments, uploaded as documents are)
clock 2026-03-03T10:00:00+05:30
G=$(call -X POST "$API/v1/grievances/$GRV/reply" -H "$EMPLOYEE" -d @- <<JSON
{"message": "Account ending 4321, SBI Sector 6 Panchkula.", "version": $(version)}
JSON
)
echo "$G" | j 'd["status"], d["sla"]["due_at"]'   # the due date moved by the day the officer waited

# 5. The officer resolves it, saying what was done (at least 30 characters)
G=$(call -X POST "$API/v1/grievances/$GRV/actions" -H "$OFFICER" -d @- <<JSON
{"action": "resolve", "remarks": "The treasury released the December salary on 3 March; it is credited within two days.", "version": $(version)}
JSON
)
echo "$G" | j 'd["status"]'

# 6. The employee is not satisfied: the grievance reopens at L2, with the HoD (hod.sh goes on from here)
G=$(call -X POST "$API/v1/grievances/$GRV/feedback" -H "$EMPLOYEE" -d @- <<JSON
{"satisfied": false, "rating": 2, "comment": "The arrears of November are still missing.", "version": $(version)}
JSON
)
echo "$G" | j 'd["status"], d["level"]'
call "$API/v1/grievances/$GRV" -H "$EMPLOYEE" | j '[e["type"] for e in d["timeline"]], d["chain_valid"]'
