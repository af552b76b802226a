"""Where moto is less strict or less complete than AWS in a way our correctness depends on, fix it.

* **DynamoDB isolation.** DynamoDB runs each request, and each TransactWriteItems as a whole, in
  isolation. moto does not: two concurrent transactions conditioned on the same version can both
  pass, and a read can iterate a table while a transaction rewrites it. The local stack, the tests
  and the bench serialise moto's DynamoDB requests, which gives DynamoDB's isolation.
* **DynamoDB transactions at scale.** Before a TransactWriteItems, moto deep-copies every table it
  touches, once per item of the transaction, to roll back on failure: a transaction's cost grows
  with the tables (100 items on a 100,000-event table copy ten million items). Here the backup is
  the table's index of items plus copies of just the items the transaction names, taken once per
  table: the same rollback, at a cost that follows the transaction, as DynamoDB's does.
* **Cognito's custom authentication.** moto accepts `CUSTOM_AUTH` but runs no trigger and issues
  nothing. Here it calls the pool's Define, Create and Verify auth challenge triggers (its
  LambdaConfig) with Cognito's trigger events, in Cognito's order, and issues tokens when Define
  says so. `install_cognito_fidelity(invoke)` takes how to call a function by ARN: over HTTP to the
  local gateway's Lambda endpoint (the server) or in-process (the tests).
* **Refresh tokens.** moto answers an unknown refresh token with a server error and refreshes the
  tokens of a disabled user; Cognito refuses both with NotAuthorizedException.
* **S3 Object Lock in COMPLIANCE mode.** moto lets anyone shorten a COMPLIANCE lock (or turn it
  into GOVERNANCE and then delete with a bypass). S3 refuses both, to everyone, root included;
  the transparency log's checkpoints rely on it. Here, so does moto.
* **One signing key, imported once.** moto signs every user pool's tokens with one fixed RSA key
  and imports it again for each pool; here it is imported once (it is the same key).
* **S3 POST policies.** moto stores whatever a browser POST sends. S3 checks the form against its
  signed policy: the SigV4 signature, the expiry, the exact `key` and `Content-Type`, the file's
  size within `content-length-range`, and no field the policy does not name. Here, so does moto.
* **What the phones received.** moto keeps every SMS SNS accepted; `/moto-api/anubandh/sms` lists
  them, so the local outbox can show what an employee's phone would show (the OTP included, which
  our own ledger never keeps).
"""

from __future__ import annotations

import copy
import functools
import json
import os
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.cognitoidp import models as cognito_models
from moto.cognitoidp.exceptions import InvalidParameterException, NotAuthorizedError, ResourceNotFoundError
from moto.cognitoidp.models import CognitoIdpBackend
from moto.core.exceptions import JsonRESTError
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler
from moto.s3.exceptions import AccessDeniedByLock
from moto.s3.models import S3Backend
from moto.s3.responses import S3Response

from infra.local import s3_post_policy

_LOCK = threading.RLock()
# The moto server calls the triggers through the local gateway at this URL (set by the stack).
LAMBDA_ENDPOINT_VARIABLE = "ANUBANDH_LOCAL_LAMBDA_URL"
CUSTOM_CHALLENGE = "CUSTOM_CHALLENGE"
SESSION_LIFETIME_SECONDS = 180  # Cognito's session of an authentication flow: 3 minutes

LambdaInvoker = Callable[[str, dict[str, Any]], dict[str, Any]]


def serialize_dynamodb() -> None:
    original = DynamoHandler.call_action
    if getattr(original, "_serialized", False):
        return

    @functools.wraps(original)
    def isolated(self: DynamoHandler, *args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return original(self, *args, **kwargs)

    isolated._serialized = True  # type: ignore[attr-defined]
    DynamoHandler.call_action = isolated  # type: ignore[method-assign]


_TRANSACTION = threading.local()


def _rollback_copy(table: Table, memo: dict[int, Any]) -> Table:
    """A table's state for a transaction's rollback: its items' index, sharing the items the
    transaction does not name (it cannot change them) and copying the partitions it does."""
    backups: dict[str, Table] | None = getattr(_TRANSACTION, "backups", None)
    if backups is None:  # another thread's deep copy of a table meanwhile: in full, as moto makes it
        clone = copy.copy(table)
        clone.__dict__ = copy.deepcopy(table.__dict__, memo)
        return clone
    if table.name in backups:
        return backups[table.name]
    clone = copy.copy(table)
    if table.range_key_attr is None:
        clone.items = defaultdict(dict, table.items)
    else:
        clone.items = defaultdict(dict, {h: dict(ranges) for h, ranges in table.items.items()})
    for hash_value in _TRANSACTION.touched.get(table.name, ()):
        if hash_value in table.items:
            clone.items[hash_value] = copy.deepcopy(table.items[hash_value], memo)
    backups[table.name] = clone
    return clone


def cheap_transaction_rollback() -> None:
    original = DynamoDBBackend.transact_write_items
    if getattr(original, "_cheap", False):
        return

    @functools.wraps(original)
    def transact(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        touched: dict[str, set[DynamoType]] = {}
        for entry in transact_items:
            for operation, request in entry.items():
                table = self.tables.get(request.get("TableName", ""))
                keys = request.get("Item" if operation == "Put" else "Key") or {}
                if table is not None and table.hash_key_attr in keys:
                    touched.setdefault(table.name, set()).add(DynamoType(keys[table.hash_key_attr]))
        _TRANSACTION.backups, _TRANSACTION.touched = {}, touched
        Table.__deepcopy__ = _rollback_copy  # type: ignore[attr-defined]
        try:
            original(self, transact_items)
        finally:
            del Table.__deepcopy__  # type: ignore[attr-defined]
            _TRANSACTION.backups = None

    transact._cheap = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact  # type: ignore[method-assign]


def enforce_compliance_retention() -> None:
    original = S3Backend.put_object_retention
    if getattr(original, "_compliance", False):
        return

    @functools.wraps(original)
    def strict(
        self: S3Backend,
        bucket_name: str,
        key_name: str,
        version_id: str | None,
        retention: tuple[str | None, str | None],
    ) -> None:
        key = self.get_object(bucket_name, key_name, version_id=version_id)
        if key is not None and key.lock_mode == "COMPLIANCE" and key.is_locked(governance_bypass=True):
            mode, until = retention
            # ISO-8601 UTC texts of the same shape compare as times do; a COMPLIANCE lock may only grow.
            if mode != "COMPLIANCE" or not until or _utc_text(until) < _utc_text(key.lock_until or ""):
                raise AccessDeniedByLock()
        original(self, bucket_name, key_name, version_id, retention)

    strict._compliance = True  # type: ignore[attr-defined]
    S3Backend.put_object_retention = strict  # type: ignore[method-assign]


def enforce_post_policy() -> None:
    """S3 accepts a browser POST only as its signed policy allows (s3_post_policy); moto stores any."""
    original = S3Response._bucket_response_post
    if getattr(original, "_policy_checked", False):
        return

    @functools.wraps(original)
    def checked(self: S3Response, request: Any, bucket_name: str) -> Any:
        if "delete" not in self.querystring:  # DeleteObjects is the bucket's other POST
            fields = {key: str(value) for key, value in self.form_data.items() if key != "file"}
            body = self.raw_body if isinstance(self.raw_body, bytes | str) else b""
            size = len(body.encode() if isinstance(body, str) else body)
            secret = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
            refused = s3_post_policy.refusal(fields, size, bucket_name, datetime.now(UTC), secret)
            if refused is not None:
                return refused.as_s3_error()
        return original(self, request, bucket_name)

    checked._policy_checked = True  # type: ignore[attr-defined]
    S3Response._bucket_response_post = checked  # type: ignore[method-assign]


def _utc_text(text: str) -> str:
    return text.replace("Z", "").split(".")[0]


# ---------------------------------------------------------------------------- Cognito


class UserLambdaValidationException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__(error_type="UserLambdaValidationException", message=message)


@dataclass
class _Flow:
    """One custom authentication in progress, as Cognito keeps it behind its Session token."""

    pool_id: str
    client_id: str
    username: str
    challenges: list[dict[str, Any]]
    created: dict[str, Any]
    started: float = field(default_factory=time.monotonic)


class CognitoCustomAuth:
    def __init__(self, invoke: LambdaInvoker) -> None:
        self._invoke = invoke
        self._flows: dict[str, _Flow] = {}
        self._lock = threading.Lock()

    def _trigger(self, pool: Any, client_id: str, user: Any, name: str, request: dict[str, Any]) -> dict[str, Any]:
        arn = (pool.extended_config.get("LambdaConfig") or {}).get(name)
        if not arn:
            raise InvalidParameterException("Custom auth lambda trigger is not configured for the user pool.")
        event = {
            "version": "1",
            "region": pool.region,
            "userPoolId": pool.id,
            "userName": user.username,
            "callerContext": {"awsSdkVersion": "aws-sdk-local", "clientId": client_id},
            "triggerSource": f"{name}_Authentication",
            "request": {"userAttributes": {a["Name"]: a["Value"] for a in user.attributes}, **request},
            "response": {},
        }
        answered = self._invoke(arn, event)
        response = answered.get("response") if isinstance(answered, dict) else None
        if not isinstance(response, dict):
            raise UserLambdaValidationException(f"{name} failed with an invalid response.")
        return response

    def start(self, backend: Any, pool: Any, client: Any, auth_parameters: dict[str, str]) -> dict[str, Any]:
        if "ALLOW_CUSTOM_AUTH" not in (client.extended_config.get("ExplicitAuthFlows") or []):
            raise InvalidParameterException("Custom auth flow is not enabled for this client.")
        user = backend.admin_get_user(pool.id, auth_parameters.get("USERNAME", ""))
        if not user.enabled:
            raise NotAuthorizedError("User is disabled.")
        return self._next(backend, pool, client, user, [])

    def _next(
        self, backend: Any, pool: Any, client: Any, user: Any, challenges: list[dict[str, Any]]
    ) -> dict[str, Any]:
        define = self._trigger(pool, client.id, user, "DefineAuthChallenge", {"session": challenges})
        if define.get("failAuthentication"):
            raise NotAuthorizedError("Incorrect username or password.")
        if define.get("issueTokens"):
            return dict(backend._log_user_in(pool, client, user.username))
        if define.get("challengeName") != CUSTOM_CHALLENGE:
            raise UserLambdaValidationException("DefineAuthChallenge failed: no challenge, no tokens, no failure.")
        created = self._trigger(
            pool, client.id, user, "CreateAuthChallenge", {"challengeName": CUSTOM_CHALLENGE, "session": challenges}
        )
        session = str(uuid.uuid4())
        with self._lock:
            self._flows[session] = _Flow(pool.id, client.id, user.username, challenges, created)
        return {
            "ChallengeName": CUSTOM_CHALLENGE,
            "Session": session,
            "ChallengeParameters": {**(created.get("publicChallengeParameters") or {}), "USERNAME": user.username},
        }

    def owns(self, session: str) -> bool:
        with self._lock:
            return session in self._flows

    def respond(
        self, backend: Any, session: str, client_id: str, challenge_name: str, responses: dict[str, str]
    ) -> dict[str, Any]:
        with self._lock:
            flow = self._flows.pop(session, None)
        expired = flow is None or time.monotonic() - flow.started > SESSION_LIFETIME_SECONDS
        if flow is None or expired or challenge_name != CUSTOM_CHALLENGE or flow.client_id != client_id:
            raise NotAuthorizedError("Invalid session for the user, session is expired.")
        pool = backend.describe_user_pool(flow.pool_id)
        user = backend.admin_get_user(pool.id, flow.username)
        verified = self._trigger(
            pool,
            client_id,
            user,
            "VerifyAuthChallengeResponse",
            {
                "privateChallengeParameters": flow.created.get("privateChallengeParameters") or {},
                "challengeAnswer": responses.get("ANSWER", ""),
                "clientMetadata": {},
            },
        )
        challenge = {
            "challengeName": CUSTOM_CHALLENGE,
            "challengeResult": bool(verified.get("answerCorrect")),
            "challengeMetadata": flow.created.get("challengeMetadata"),
        }
        return self._next(backend, pool, pool.clients[client_id], user, [*flow.challenges, challenge])


def _refuse_dead_refresh(pool: Any, refresh_token: str | None) -> None:
    known = pool.refresh_tokens.get(refresh_token or "")
    if known is None:  # unknown, or revoked by a sign-out
        raise NotAuthorizedError("Invalid Refresh Token")
    user = pool.users.get(known[1])
    if user is None or not user.enabled:
        raise NotAuthorizedError("User is disabled.")


class _PoolKeyImportedOnce:
    """moto signs every user pool's tokens with one fixed RSA key from its resources, and imports it
    again for each new pool (a third of a second: it recovers the primes). The key is the same, so
    import it once."""

    def __init__(self, jwk: Any) -> None:
        self._jwk = jwk
        self._imported: dict[str, Any] = {}
        self.RSAKey = self  # moto calls jwk.RSAKey.import_key(...)

    def import_key(self, value: Any) -> Any:
        text = json.dumps(value, sort_keys=True)
        if text not in self._imported:
            self._imported[text] = self._jwk.RSAKey.import_key(value)
        return self._imported[text]


def import_pool_key_once() -> None:
    if not isinstance(cognito_models.jwk, _PoolKeyImportedOnce):
        cognito_models.jwk = _PoolKeyImportedOnce(cognito_models.jwk)


def install_cognito_fidelity(invoke: LambdaInvoker) -> CognitoCustomAuth:
    """Teaches moto's Cognito backend the custom auth flow (triggers called through `invoke`) and
    Cognito's refusals of dead refresh tokens. Installing again replaces the invoker."""
    import_pool_key_once()
    custom = CognitoCustomAuth(invoke)
    originals = getattr(CognitoIdpBackend, "_anubandh_originals", None)
    if originals is None:
        originals = {
            name: getattr(CognitoIdpBackend, name)
            for name in (
                "admin_initiate_auth",
                "initiate_auth",
                "admin_respond_to_auth_challenge",
                "respond_to_auth_challenge",
            )
        }
        CognitoIdpBackend._anubandh_originals = originals  # type: ignore[attr-defined]

    def admin_initiate_auth(
        self: Any, user_pool_id: str, client_id: str, auth_flow: str, auth_parameters: dict[str, str]
    ) -> Any:
        pool = self.describe_user_pool(user_pool_id)
        client = pool.clients.get(client_id)
        if client is None:
            raise ResourceNotFoundError(client_id)
        if auth_flow == "CUSTOM_AUTH":
            return custom.start(self, pool, client, auth_parameters)
        if auth_flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
            _refuse_dead_refresh(pool, auth_parameters.get("REFRESH_TOKEN"))
        return originals["admin_initiate_auth"](self, user_pool_id, client_id, auth_flow, auth_parameters)

    def initiate_auth(self: Any, client_id: str, auth_flow: str, auth_parameters: dict[str, str]) -> Any:
        pool = next((p for p in self.user_pools.values() if client_id in p.clients), None)
        if pool is None:
            raise ResourceNotFoundError(client_id)
        if auth_flow == "CUSTOM_AUTH":
            return custom.start(self, pool, pool.clients[client_id], auth_parameters)
        if auth_flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
            _refuse_dead_refresh(pool, auth_parameters.get("REFRESH_TOKEN"))
        return originals["initiate_auth"](self, client_id, auth_flow, auth_parameters)

    def respond(original: str) -> Callable[..., Any]:
        def respond_to_auth_challenge(
            self: Any, session: str, client_id: str, challenge_name: str, challenge_responses: dict[str, str]
        ) -> Any:
            if custom.owns(session):
                return custom.respond(self, session, client_id, challenge_name, challenge_responses)
            return originals[original](self, session, client_id, challenge_name, challenge_responses)

        return respond_to_auth_challenge

    CognitoIdpBackend.admin_initiate_auth = admin_initiate_auth  # type: ignore[method-assign]
    CognitoIdpBackend.initiate_auth = initiate_auth  # type: ignore[method-assign]
    CognitoIdpBackend.admin_respond_to_auth_challenge = respond("admin_respond_to_auth_challenge")  # type: ignore[method-assign]
    CognitoIdpBackend.respond_to_auth_challenge = respond("respond_to_auth_challenge")  # type: ignore[method-assign]
    return custom


def invoke_over_http(base_url: str) -> LambdaInvoker:
    """Calls a function by ARN at the local gateway's Lambda endpoint, with Cognito's 5 s limit."""
    import requests  # noqa: PLC0415 - only the server process calls over HTTP

    def invoke(arn: str, event: dict[str, Any]) -> dict[str, Any]:
        name = arn.rsplit(":", 1)[-1]
        try:
            reply = requests.post(f"{base_url}/{name}", json=event, timeout=5)
            reply.raise_for_status()
            answered: dict[str, Any] = reply.json()
        except (requests.RequestException, ValueError) as error:
            raise UserLambdaValidationException(f"{name} failed: {error}") from error
        return answered

    return invoke


# ---------------------------------------------------------------------------- SNS


def _sms_sent(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    """Every SMS moto's SNS accepted, in every account and region: {message_id: {to, text}}."""
    from moto.sns.models import sns_backends  # noqa: PLC0415

    sent = {
        message_id: {"to": number, "text": text}
        for _account, _region, backend in sns_backends.iter_backends()
        for message_id, (number, text) in backend.sms_messages.items()
    }
    return 200, {"Content-Type": "application/json"}, json.dumps(sent, ensure_ascii=False)


def main() -> None:
    """`python -m infra.local.moto_fidelity -H host -p port`: moto's server, as strict as AWS where we rely on it."""
    from moto.moto_api._internal import urls as moto_api_urls  # noqa: PLC0415
    from moto.server import main as moto_main  # noqa: PLC0415 - only the server process needs it

    serialize_dynamodb()
    cheap_transaction_rollback()
    enforce_compliance_retention()
    enforce_post_policy()
    endpoint = os.environ.get(LAMBDA_ENDPOINT_VARIABLE)
    if endpoint:
        install_cognito_fidelity(invoke_over_http(endpoint))
    moto_api_urls.url_paths["{0}/moto-api/anubandh/sms"] = _sms_sent
    moto_main()


if __name__ == "__main__":
    main()
