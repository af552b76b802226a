"""Public HTTP routes of the transparency log: checkpoints, consistency proofs and the log's key.

No token: anyone (an employee, a journalist, an auditor's script) may check the log.
"""

from __future__ import annotations

from core import cold_start

with cold_start.imports():
    from functools import cached_property
    from typing import Annotated, Any

    from aws_lambda_powertools.event_handler.openapi.params import Query
    from aws_lambda_powertools.logging import correlation_paths
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from core.clock import current_clock
    from core.errors import CheckpointNotFound, InvalidProofRange, InvalidRequest
    from core.http import contract, create_resolver
    from core.kms_key import KeySet, KmsSigningKey
    from core.observability import observed
    from core.store.checkpoint_archive import CheckpointArchive
    from core.store.events import EventStore
    from core.store.transparency import TransparencyStore
    from core.transparency import SignedCheckpoint
    from core.wiring import Wiring
    from transparency.models import ConsistencyResponse
    from transparency.service import TransparencyLog
    from transparency.settings import TransparencySettings, get_settings

app = create_resolver()


class TransparencyWiring(Wiring[TransparencySettings]):
    @cached_property
    def service(self) -> TransparencyLog:
        settings = self.settings
        dynamodb = self.aws.dynamodb
        return TransparencyLog(
            events=EventStore(dynamodb, settings.events_table),
            store=TransparencyStore(dynamodb, settings.transparency_table),
            archive=CheckpointArchive(self.aws.s3, settings.checkpoints_bucket),
            key=KmsSigningKey(lambda: self.aws.client("kms"), settings.transparency_key_id),
            clock=current_clock(),
        )


wiring = TransparencyWiring(get_settings)


@app.get(
    "/v1/transparency/checkpoints/latest",
    tags=["transparency"],
    summary="The newest signed checkpoint (tree size and root hash of the log)",
    **contract(
        CheckpointNotFound,
        public=True,
        callers="anyone.",
        notes="Issued at least hourly and after each deadline job. Check `signature` with the key of `key_id` from "
        "`/v1/transparency/keys`. `checkpoint_not_found`: none issued yet.",
    ),
)
def latest_checkpoint() -> SignedCheckpoint:
    return wiring.service.latest()


@app.get(
    "/v1/transparency/checkpoints/<tree_size>",
    tags=["transparency"],
    summary="The signed checkpoint issued at a tree size",
    **contract(
        CheckpointNotFound,
        InvalidRequest,
        public=True,
        callers="anyone.",
    ),
)
def checkpoint_at(tree_size: int) -> SignedCheckpoint:
    return wiring.service.at(tree_size)


@app.get(
    "/v1/transparency/consistency",
    tags=["transparency"],
    summary="An RFC 9162 consistency proof between two checkpoints",
    **contract(
        CheckpointNotFound,
        InvalidRequest,
        InvalidProofRange,
        public=True,
        callers="anyone.",
        notes="Proves that the log at `to` contains the log at `from` unchanged. Both sizes must be checkpointed.",
    ),
)
def consistency(
    from_size: Annotated[int, Query(alias="from", ge=1)], to_size: Annotated[int, Query(alias="to", ge=1)]
) -> ConsistencyResponse:
    proof = wiring.service.consistency(from_size, to_size)
    return ConsistencyResponse(old=proof.old, new=proof.new, proof=proof.proof)


@app.get(
    "/v1/transparency/keys",
    tags=["transparency"],
    summary="JWKS of the public key that signs the log's checkpoints",
    **contract(
        public=True,
        callers="anyone.",
        notes="Save it: with it, records and checkpoints can be checked offline.",
    ),
)
def keys() -> KeySet:
    return KeySet.model_validate(wiring.service.keys())


@observed(correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
