#!/usr/bin/env bash
# The HoD decides what the DDOs left undecided at the deadline, and takes grievances at L2.
# First: employee.sh EMP-0030 (under ddo2, who never decides it) and officer.sh (a grievance reopened at L2).
. "$(dirname "$0")/common.sh"
clock 2026-03-04T10:00:00+05:30   # verification closed on 28 February
HOD=$(login hod1)                 # Head of Department, Health: DDO-PKL-001 and DDO-PKL-002

# 1. The close-verification job (hourly in the cloud; run by hand locally) escalates every record still SUBMITTED
call -X POST "$API/_local/jobs/close-verification" -d '{"wait": true}' | j 'd["plan"]["detail"], d["plan"]["by_ddo"], d["drained"]'

# 2. The HoD's queue of escalated records, and a decision on one (a DDO may no longer decide it: 403)
call "$API/v1/verifications?status=ESCALATED&limit=100" -H "$HOD" > "$WORK/queue.json"
j '[(i["employee_code"], i["status"]) for i in d["items"]]' < "$WORK/queue.json"
REG=$(j 'next(i["registration_id"] for i in d["items"] if i["employee_code"] == "EMP-0030")' < "$WORK/queue.json")
call -X POST "$API/v1/verifications/$REG/decision" -H "$HOD" -d @- <<JSON | j 'd["status"], d["signed_receipt"]["receipt"]["decided_role"]'
{"decision": "verify", "remarks": "Decided after escalation: the service book confirms both spells.",
 "version": $(j "next(i['version'] for i in d['items'] if i['registration_id'] == '$REG')" < "$WORK/queue.json")}
JSON

# 3. Grievances at L2: the ones reopened by a dissatisfied employee (or escalated by L1, or past the L1 due date)
G=$(call "$API/v1/grievances?limit=100" -H "$HOD" | j 'json.dumps(next(i for i in d["items"] if i["employee_code"] == "EMP-0012" and i["level"] == "L2" and i["status"] == "OPEN"))')
echo "$G" | j 'd["number"], d["status"], d["level"], d["sla"]["due_at"]'
G=$(call -X POST "$API/v1/grievances/$(echo "$G" | j 'd["grievance_id"]')/actions" -H "$HOD" -d @- <<JSON
{"action": "resolve", "remarks": "November arrears ordered to be paid with the March salary.", "version": $(echo "$G" | j 'd["version"]')}
JSON
)
echo "$G" | j 'd["status"], d["level"]'

# 4. Where the department stands (a HoD sees their own department only), and how its DDOs decide
call "$API/v1/admin/reports/summary?by=ddo" -H "$HOD" | j '[(r["group"], r["registrations"], r["verification_escalated"]) for r in d["rows"]]'
call "$API/v1/admin/reports/fairness" -H "$HOD" | j '[(x["ddo_code"], x["decisions"], x["approval_rate"], x["flags"]) for dep in d["departments"] for x in dep["ddos"]]'
