#!/usr/bin/env bash
# Anyone checks what the server says without trusting it: a signed receipt, and a record against the
# signed transparency log. First: employee.sh (EMP-0012's registration).
. "$(dirname "$0")/common.sh"
clock 2026-01-20T11:00:00+05:30
TOKEN=$(token employee12)   # the employee's; anyone who may read the record would do
REG=$(call "$API/v1/me" -H "Authorization: Bearer $TOKEN" | j 'd["registration_id"]')

# 1. The published keys, saved once: the receipts' (/v1/keys) and the transparency log's
call "$API/v1/keys" > "$WORK/keys.json"
call "$API/v1/transparency/keys" > "$WORK/log-keys.json"

# 2. The submission receipt, checked on this machine against the saved key (it works offline)
call "$API/v1/registrations/$REG/receipt" -H "Authorization: Bearer $TOKEN" > "$WORK/receipt.json"
"$ANUBANDH" verify receipt "$WORK/receipt.json" --keys "$WORK/keys.json"

# 3. The hourly checkpoint, run now; then every event's hash, the chain's links, each inclusion proof and
#    the checkpoint's signature, recomputed here (--save keeps the proof, to check it again offline with --file)
call -X POST "$API/_local/jobs/transparency-checkpoint" | j 'd["plan"]["checkpoint"]["checkpoint"]'
"$ANUBANDH" verify record "$REG" --endpoint "$API" --token "$TOKEN" --keys "$WORK/log-keys.json" \
  --save "$WORK/proof.json"

