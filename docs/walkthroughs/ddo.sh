#!/usr/bin/env bash
# A DDO sends a record back saying what to fix; the employee fixes it and resubmits; the DDO verifies it.
# First: employee.sh (EMP-0012, who serves under ddo1, DDO-PKL-001).
. "$(dirname "$0")/common.sh"
clock 2026-02-10T11:00:00+05:30   # the DDOs decide until 28 February, 23:59:59 IST
DDO=$(login ddo1)

# 1. The queue: oldest first, with the counts and the time left
call "$API/v1/verifications?status=SUBMITTED&limit=100" -H "$DDO" > "$WORK/queue.json"
j 'd["counts"], d["seconds_left"] // 86400, [(i["employee_code"], i["acknowledgement_number"], i["eligible"]) for i in d["items"]]' \
  < "$WORK/queue.json"
REG=$(j 'next(i["registration_id"] for i in d["items"] if i["employee_code"] == "EMP-0012")' < "$WORK/queue.json")

# 2. One screen to decide on: the record beside the roll, the eligibility worked out, each document and its SHA-256
call "$API/v1/verifications/$REG" -H "$DDO" > "$WORK/case.json"
j 'd["eligibility"]["eligible"], d["eligibility"]["years_credited"], d["roll_mismatches"], [(x["type"], x["sha256"][:12]) for x in d["documents"]]' \
  < "$WORK/case.json"

# 3. Send it back, naming the document that is wrong, with the version read (a stale one is 409)
call -X POST "$API/v1/verifications/$REG/decision" -H "$DDO" -d @- <<JSON | j 'd["status"]'
{"decision": "send_back", "remarks": "The pay proof is for March 2025: upload the pay slip of December 2025.",
 "version": $(j 'd["version"]' < "$WORK/case.json"),
 "document_checks": [{"document_id": "$(j 'next(x["document_id"] for x in d["documents"] if x["type"] == "pay_proof")' < "$WORK/case.json")",
                      "ok": false, "remark": "Wrong month"}]}
JSON

# 4. The employee sees why, uploads the right pay slip and resubmits (until 28 February)
EMPLOYEE=$(login employee12)
call "$API/v1/registrations/$REG" -H "$EMPLOYEE" | j 'd["status"], d["review"]["remarks"]'
printf '%%PDF-1.4\n%% December 2025 pay slip\n%%%%EOF\n' > "$WORK/pay-slip.pdf"
GRANT=$(call -X POST "$API/v1/registrations/$REG/documents" -H "$EMPLOYEE" \
  -d "{\"type\": \"pay_proof\", \"content_type\": \"application/pdf\", \"size_bytes\": $(wc -c < "$WORK/pay-slip.pdf")}")
curl -sS --fail-with-body $(echo "$GRANT" | j '" ".join([f"-F {k}={v}" for k, v in d["upload"]["fields"].items()] + [d["upload"]["url"]])') \
  -F "file=@$WORK/pay-slip.pdf"
VERSION=$(call -X POST "$API/v1/registrations/$REG/documents/$(echo "$GRANT" | j 'd["document_id"]')/confirm" -H "$EMPLOYEE" \
  | j 'd["registration_version"]')
call -X POST "$API/v1/registrations/$REG/submit" -H "$EMPLOYEE" -d "{\"version\": $VERSION}" | j 'd["registration"]["status"]'

# 5. The DDO verifies it; the answer carries the decision's receipt, signed with the KMS key
VERSION=$(call "$API/v1/verifications/$REG" -H "$DDO" | j 'd["version"]')
call -X POST "$API/v1/verifications/$REG/decision" -H "$DDO" -d @- <<JSON | j 'd["status"], d["signed_receipt"]["receipt"]["decided_by"]'
{"decision": "verify", "remarks": "December pay slip received; service book and pay match the roll.", "version": $VERSION}
JSON
call "$API/v1/verifications/$REG/receipt" -H "$EMPLOYEE" | j 'd["verified"], d["signed_receipt"]["receipt"]["decision"]'
