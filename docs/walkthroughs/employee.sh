#!/usr/bin/env bash
# An employee signs in by OTP, completes the draft, uploads four documents, submits and checks the receipt.
. "$(dirname "$0")/common.sh"
EMPLOYEE=${1:-EMP-0012}
clock 2026-01-20T10:00:00+05:30   # registration is open until 31 January, 23:59:59 IST

# 1. Sign in: an OTP goes by SMS to the mobile on the roll (locally, the outbox shows what the phone got)
CHALLENGE=$(call -X POST "$API/v1/auth/otp" -d "{\"employee_code\": \"$EMPLOYEE\"}" | j 'd["challenge_id"]')
OTP=
until [ -n "$OTP" ]; do   # the SMS leaves through a queue: a moment
  sleep 0.2
  OTP=$(call "$API/_local/outbox" | j "next((i['text'].split('OTP is ')[1][:6] for i in d['items'] if i['campaign'] == 'otp#$CHALLENGE' and i['status'] == 'SENT'), '')")
done
TOKEN=$(call -X POST "$API/v1/auth/otp/verify" -d "{\"challenge_id\": \"$CHALLENGE\", \"otp\": \"$OTP\"}" | j 'd["access_token"]')
AUTH="Authorization: Bearer $TOKEN"
call "$API/v1/me" -H "$AUTH" | j 'd["employee_code"], d["roll"]["record"]["personal"]["name"]'

# 2. The draft, prefilled from the roll, with the eligibility worked out and what is still missing
call -X POST "$API/v1/registrations" -H "$AUTH" -d '{}' > "$WORK/draft.json"
j 'd["status"], d["eligibility"]["eligible"], d["missing_fields"]' < "$WORK/draft.json"
REG=$(j 'd["registration_id"]' < "$WORK/draft.json")
# The roll lacks this employee's Family ID (PPP): they add it, with the version they read (a stale one is 409)
call -X PATCH "$API/v1/registrations/$REG" -H "$AUTH" -d @- <<JSON | j 'd["missing_fields"], d["missing_documents"]'
{"family_id": "FAM${EMPLOYEE#EMP-}0", "version": $(j 'd["version"]' < "$WORK/draft.json")}
JSON

# 3. Four documents: for each, a pre-signed POST straight to S3, then the check of what arrived
printf '%%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%%%EOF\n' > "$WORK/document.pdf"
for TYPE in appointment_letter service_certificate pay_proof identity_proof; do
  GRANT=$(call -X POST "$API/v1/registrations/$REG/documents" -H "$AUTH" -d @- <<JSON
{"type": "$TYPE", "content_type": "application/pdf", "size_bytes": $(wc -c < "$WORK/document.pdf")}
JSON
  )
  FORM=$(echo "$GRANT" | j '" ".join([f"-F {k}={v}" for k, v in d["upload"]["fields"].items()] + [d["upload"]["url"]])')
  curl -sS --fail-with-body $FORM -F "file=@$WORK/document.pdf"   # every field of the grant, then the file
  call -X POST "$API/v1/registrations/$REG/documents/$(echo "$GRANT" | j 'd["document_id"]')/confirm" -H "$AUTH" \
    > "$WORK/checked.json"
  j 'd["document"]["type"], d["document"]["status"]' < "$WORK/checked.json"
done

# 4. Submit, with an Idempotency-Key: a retry on a flaky network gets the same answer, not a second submission
call -X POST "$API/v1/registrations/$REG/submit" -H "$AUTH" -H "Idempotency-Key: submit-$REG" \
  -d "{\"version\": $(j 'd["registration_version"]' < "$WORK/checked.json")}" > "$WORK/submitted.json"
j 'd["acknowledgement_number"], d["registration"]["status"]' < "$WORK/submitted.json"

# 5. The receipt is signed with a KMS key: the server checks it here; verify.sh checks it without the server
call "$API/v1/registrations/$REG/receipt" -H "$AUTH" | j 'd["verified"], d["event_recorded"]'
call "$API/v1/registrations/$REG/history" -H "$AUTH" | j '[e["type"] for e in d["events"]], d["chain"]["valid"]'
