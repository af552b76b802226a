"""The `sign-in` table: OTP challenges and the abuse-limit windows. Everything here expires (TTL).

* pk = "challenge#<id>": one OTP challenge (never the OTP: see core.otp). Once answered it holds the
  SHA-256 of a one-time proof that the Cognito custom-challenge trigger redeems exactly once.
* pk = "limit#<kind>#<key>": the recent requests of one employee code or source IP, with a version,
  so two concurrent requests cannot both take the last allowed send.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from core.errors import Busy
from core.otp import Allowance, BurstLimit, Challenge, ChallengeStatus, SendLimits
from core.store.dynamo import marshal, put_if_version, put_new, put_once, unmarshal

if TYPE_CHECKING:  # the boto3 stubs: a dev dependency, for type checking only
    from types_boto3_dynamodb.client import DynamoDBClient

KEEP_FOR = timedelta(days=1)  # after expiry: long enough to answer "expired", short enough to forget
PROOF_LIFETIME = timedelta(minutes=2)  # between the OTP check and the Cognito challenge answer
LIMIT_ATTEMPTS = 4


@dataclass(frozen=True)
class Slot:
    """One request counted in a limit's window: the item as it was, and the version this request wrote."""

    pk: str
    previous: dict[str, Any] | None
    version: int


def _conditional_failed(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class SignInStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    @staticmethod
    def _challenge_key(challenge_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"challenge#{challenge_id}"}}

    # ------------------------------------------------------------------ challenges
    def put_challenge(self, challenge: Challenge) -> None:
        item = {
            **challenge.model_dump(mode="json"),
            "pk": f"challenge#{challenge.challenge_id}",
            "expires_at_epoch": int((challenge.expires_at + KEEP_FOR).timestamp()),
        }
        self._client.put_item(TableName=self._table, Item=marshal(item), ConditionExpression="attribute_not_exists(pk)")

    def challenge(self, challenge_id: str) -> Challenge | None:
        raw = self._client.get_item(
            TableName=self._table, Key=self._challenge_key(challenge_id), ConsistentRead=True
        ).get("Item")
        if raw is None:
            return None
        item = unmarshal(raw)
        return Challenge.model_validate({name: item.get(name) for name in Challenge.model_fields})

    def _update_if_unchanged(self, challenge: Challenge, update: str, values: dict[str, Any]) -> bool:
        """An update that holds only if the challenge is still as read: pending, with the same attempts."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=self._challenge_key(challenge.challenge_id),
                UpdateExpression=update,
                ConditionExpression="#status = :pending AND attempts_left = :attempts",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":pending": {"S": ChallengeStatus.PENDING.value},
                    ":attempts": {"N": str(challenge.attempts_left)},
                    **values,
                },
            )
        except ClientError as error:
            if _conditional_failed(error):
                return False
            raise
        return True

    def spend_attempt(self, challenge: Challenge) -> Challenge | None:
        """One wrong answer: an attempt fewer, LOCKED at none. None: someone answered meanwhile; read again."""
        left = challenge.attempts_left - 1
        status = ChallengeStatus.PENDING if left > 0 else ChallengeStatus.LOCKED
        changed = self._update_if_unchanged(
            challenge,
            "SET attempts_left = :left, #status = :next",
            {":left": {"N": str(left)}, ":next": {"S": status.value}},
        )
        return challenge.model_copy(update={"attempts_left": left, "status": status}) if changed else None

    def mark_answered(self, challenge: Challenge, *, proof_digest: str, username: str, at: datetime) -> bool:
        """The right answer: the challenge now holds the digest of the one proof Cognito will accept."""
        return self._update_if_unchanged(
            challenge,
            "SET #status = :verified, proof_digest = :proof, username = :user, proof_expires_at = :until",
            {
                ":verified": {"S": ChallengeStatus.VERIFIED.value},
                ":proof": {"S": proof_digest},
                ":user": {"S": username},
                ":until": {"S": (at + PROOF_LIFETIME).isoformat()},
            },
        )

    def answer_again(self, challenge: Challenge, *, proof_digest: str, at: datetime) -> bool:
        """A resumable challenge (`Challenge.resumable`) answered again: a new proof replaces the one never
        redeemed. False if it changed meanwhile (redeemed, or answered again by another request)."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=self._challenge_key(challenge.challenge_id),
                UpdateExpression="SET proof_digest = :proof, proof_expires_at = :until",
                ConditionExpression="#status = :verified AND proof_digest = :previous",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":verified": {"S": ChallengeStatus.VERIFIED.value},
                    ":previous": {"S": challenge.proof_digest or ""},
                    ":proof": {"S": proof_digest},
                    ":until": {"S": (at + PROOF_LIFETIME).isoformat()},
                },
            )
        except ClientError as error:
            if _conditional_failed(error):
                return False
            raise
        return True

    def redeem(self, challenge_id: str, *, proof_digest: str, username: str, at: datetime) -> bool:
        """Called by the Cognito trigger: true exactly once, for the user and proof the challenge holds."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=self._challenge_key(challenge_id),
                UpdateExpression="SET #status = :used, used_at = :at",
                ConditionExpression=(
                    "#status = :verified AND proof_digest = :proof AND username = :user AND proof_expires_at >= :at"
                ),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":used": {"S": ChallengeStatus.USED.value},
                    ":verified": {"S": ChallengeStatus.VERIFIED.value},
                    ":proof": {"S": proof_digest},
                    ":user": {"S": username},
                    ":at": {"S": at.isoformat()},
                },
            )
        except ClientError as error:
            if _conditional_failed(error):
                return False
            raise
        return True

    def forget_challenge(self, challenge_id: str) -> None:
        """A challenge whose SMS could not be queued: nobody was told its id, so it goes."""
        self._client.delete_item(TableName=self._table, Key=self._challenge_key(challenge_id))

    # ------------------------------------------------------------------ limits
    def take(self, kind: str, key: str, limit: SendLimits | BurstLimit, now: datetime) -> tuple[Allowance, Slot | None]:
        """Counts this request against `limit` if it allows it. Read, check, then a put conditioned on
        the version read: of two concurrent requests for the last allowed send, one is refused. The slot
        taken (None if refused) lets a request that then failed give it back (`give_back`)."""
        pk = {"S": f"limit#{kind}#{key}"}
        for attempt in range(LIMIT_ATTEMPTS):
            raw = self._client.get_item(TableName=self._table, Key={"pk": pk}, ConsistentRead=True).get("Item")
            item = unmarshal(raw) if raw else {}
            seen = [datetime.fromisoformat(t) for t in item.get("seen", [])]
            allowance = limit.check(seen, now)
            if not allowance.allowed:
                return allowance, None
            version = int(item.get("version", 0))
            stored = {
                "pk": pk["S"],
                "seen": [t.isoformat() for t in [*limit.keep(seen, now), now]],
                "version": version + 1,
                "expires_at_epoch": int((now + KEEP_FOR + timedelta(days=1)).timestamp()),
            }
            put = (
                put_new("limit", self._table, marshal(stored))
                if version == 0
                else put_if_version("limit", self._table, marshal(stored), version)
            )
            if put_once(self._client, put):
                return allowance, Slot(pk=pk["S"], previous=raw, version=version + 1)
            time.sleep(0.005 * (attempt + 1))
        raise Busy("sign_in")

    def give_back(self, slot: Slot) -> bool:
        """The limit's window as it was before `slot` was taken, unless another request has taken one
        since (then False, and this request keeps counting)."""
        condition: dict[str, Any] = {
            "ConditionExpression": "version = :taken",
            "ExpressionAttributeValues": {":taken": {"N": str(slot.version)}},
        }
        try:
            if slot.previous is None:
                self._client.delete_item(TableName=self._table, Key={"pk": {"S": slot.pk}}, **condition)
            else:
                self._client.put_item(TableName=self._table, Item=slot.previous, **condition)
        except ClientError as error:
            if _conditional_failed(error):
                return False
            raise
        return True
