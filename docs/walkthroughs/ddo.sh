#!/usr/bin/env bash
# A DDO works the verification queue: verifies one record, and sends another back saying what to fix.
# First: employee.sh EMP-0012 and employee.sh EMP-0015, who both serve under ddo1 (DDO-PKL-001).
. "$(dirname "$0")/common.sh"
clock 2026-02-10T11:00:00+05:30   # the DDOs decide until 28 February, 23:59:59 IST
DDO=$(login ddo1)

# 1. The queue: oldest first, with the counts and the time left
call "$API/v1/verifications?status=SUBMITTED&limit=100" -H "$DDO" > "$WORK/queue.json"
j 'd["counts"], d["seconds_left"] // 86400, [(i["employee_code"], i["acknowledgement_number"], i["eligible"]) for i in d["items"]]' \
  < "$WORK/queue.json"
FIRST=$(j 'next(i["registration_id"] for i in d["items"] if i["employee_code"] == "EMP-0012")' < "$WORK/queue.json")
SECOND=$(j 'next(i["registration_id"] for i in d["items"] if i["employee_code"] == "EMP-0015")' < "$WORK/queue.json")

# 2. One screen to decide on: the record beside the roll, the eligibility worked out, each document and its SHA-256
call "$API/v1/verifications/$FIRST" -H "$DDO" > "$WORK/case.json"
j 'd["eligibility"]["eligible"], d["eligibility"]["years_credited"], d["roll_mismatches"], [(x["type"], x["sha256"][:12]) for x in d["documents"]]' \
  < "$WORK/case.json"

# 3. Verify it, with the version read; the answer carries the decision's receipt, signed with the KMS key
call -X POST "$API/v1/verifications/$FIRST/decision" -H "$DDO" -d @- <<JSON | j 'd["status"], d["signed_receipt"]["receipt"]["decided_by"]'
{"decision": "verify", "remarks": "Service book and pay slips match the roll.", "version": $(j 'd["version"]' < "$WORK/case.json")}
JSON

# 4. Send the other back, with the document that is wrong: the employee fixes it and resubmits by 28 February
call "$API/v1/verifications/$SECOND" -H "$DDO" > "$WORK/case.json"
call -X POST "$API/v1/verifications/$SECOND/decision" -H "$DDO" -d @- <<JSON | j 'd["status"]'
{"decision": "send_back", "remarks": "The pay proof is for March 2025: upload the pay slip of December 2025.",
 "version": $(j 'd["version"]' < "$WORK/case.json"),
 "document_checks": [{"document_id": "$(j 'next(x["document_id"] for x in d["documents"] if x["type"] == "pay_proof")' < "$WORK/case.json")",
                      "ok": false, "remark": "Wrong month"}]}
JSON

# 5. Anyone who may read the record can fetch the decision's receipt and have it checked
call "$API/v1/verifications/$FIRST/receipt" -H "$DDO" | j 'd["verified"], d["signed_receipt"]["receipt"]["decision"]'
