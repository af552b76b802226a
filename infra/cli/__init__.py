"""`anubandh`: the operator's command line (installed as a console script with the project).

    anubandh programme init programme.json (--stack NAME [--region R] | --local URL)
    anubandh officials import officials.csv (--stack NAME | --local URL) [--disable-missing] [--dry-run]
    anubandh roll import FILE.csv [--stack NAME | --local URL | --endpoint URL] (--username U | --local-user U
                                  | --token T)      (no --stack, --local or --endpoint: $ANUBANDH_ENDPOINT)
    anubandh roll status IMPORT_ID (same options)
    anubandh employee sign-in EMPLOYEE_CODE [--stack NAME | --local URL | --endpoint URL]
    anubandh verify record|log …  (infra/verify_cli.py: checks against the signed log, trusting no server)
    anubandh verify receipt FILE (--keys JWKS.json | --endpoint URL)     (see infra/verify_cli.py)
    anubandh verify certificate FILE_OR_JWS (--keys JWKS.json | --endpoint URL)   (infra/verify_certificate.py)

Where: `--stack NAME` reads the CloudFormation stack's Outputs (API URL, user pool, tables) with your
AWS credentials; `--local URL` reads the same from the local stack's `GET /_local/stack` (make run).

`programme init` and `officials import` write with the operator's AWS credentials (Cognito and
DynamoDB directly): they are how the first admin and every official come to exist, and no app user
can do either through the API. See infra/programmes.py and infra/officials.py.

`roll import` does what the admin API's roll import asks of a browser: it checks the file here first
(present, at most 50 MB, UTF-8), starts the import (`POST /v1/admin/roll-imports`), uploads the file
to the pre-signed POST it gets back, then follows `GET /v1/admin/roll-imports/{id}` with a progress
bar on stderr until the import is COMPLETED or FAILED, prints the counts on stdout and saves the
report CSV (by default FILE.report.csv beside the file).

Exit codes: 0 done, every line imported; 3 done, but some lines had errors (see the report);
1 failed, timed out, or refused (by the API: its problem+json `code` and `detail` are shown; by AWS);
2 bad usage or a problem with the local file.

Sign-in for the API: `--token` (or the environment's ANUBANDH_TOKEN) is an id token used as it is;
`--username` signs in to Cognito with the admin password flow (AWS credentials needed), answering
the first sign-in's new-password and TOTP enrolment challenges and later the TOTP code (`--totp` or a
prompt); `--local-user` asks the local stack's `/_local/login`.

The package: app.py (the parser and `main`); roll.py, employee.py and operator_commands.py (the
commands, each adding its own subcommands; `verify` is infra/verify_cli.py); api.py (the API client),
auth.py (sign-in), connection.py (which deployment and API), files.py (the local CSV), progress.py
(the bar) and arguments.py (the options commands share).
"""

from infra.cli.app import build_parser, main

__all__ = ["build_parser", "main"]
