# Sourced by every walkthrough: where the API is, the CLI, a few helpers, and a scratch directory.
set -euo pipefail
API=${API:-http://127.0.0.1:3000}    # make run's gateway (after PORT=8080 make run: API=http://127.0.0.1:8080)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ANUBANDH=$ROOT/.venv/bin/anubandh   # the CLI, installed by make run
WORK=$(mktemp -d)                   # every file a walkthrough writes goes here, never into the checkout

# call CURL-ARGS...: the API's answer on stdout; on a 4xx or 5xx, the problem+json on stderr, and stop
call() {
  local answer
  answer=$(curl -sS --fail-with-body -H 'Content-Type: application/json' "$@") || { echo "$answer" >&2; exit 1; }
  echo "$answer"
}
# j EXPR: a Python expression over the JSON on stdin, which is d (-S: no site-packages, a quicker start)
j() { "$ROOT/.venv/bin/python" -S -c 'import json, sys; s = sys.stdin.read(); d = s and json.loads(s); s and print(eval(sys.argv[1]))' "$1"; }
# clock ISO-TIME: set the local stack's clock and hold it there
clock() { call -X POST "$API/_local/clock" -d "{\"now\": \"$1\", \"frozen\": true}" > /dev/null; }
# token USER: a demo user's id token (the local stack's shortcut for an official's password + TOTP)
token() { call -X POST "$API/_local/login" -d "{\"username\": \"$1\"}" | j 'd["id_token"]'; }
# login USER: the same as a bearer header
login() { echo "Authorization: Bearer $(token "$1")"; }
