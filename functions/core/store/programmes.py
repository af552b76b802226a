"""Programme settings in the `settings` table, read through Powertools Parameters with a short cache.

A window extension made by an admin reaches every function within `max_age` seconds.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.parameters import DynamoDBProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

from core.aws import AwsClients
from core.errors import ProgrammeUnavailable
from core.programme import Programme
from core.settings import FunctionSettings


def programme_key(programme_id: str) -> str:
    return f"programme#{programme_id}"


class ProgrammeStore:
    def __init__(self, client: Any, resource: Any, table: str, max_age_seconds: int) -> None:
        self._client = client
        self._table = table
        self._max_age = max_age_seconds
        self._provider = DynamoDBProvider(table_name=table, key_attr="pk", value_attr="value", boto3_client=resource)

    @classmethod
    def for_function(cls, aws: AwsClients, settings: FunctionSettings) -> ProgrammeStore:
        return cls(aws.dynamodb, aws.resource("dynamodb"), settings.settings_table, settings.settings_cache_seconds)

    def get(self, programme_id: str) -> Programme:
        try:
            raw = self._provider.get(programme_key(programme_id), max_age=self._max_age, transform="json")
        except GetParameterError as error:
            # Powertools folds "missing" and "unreachable" into one error; both leave us unable to act.
            raise ProgrammeUnavailable(f"Programme {programme_id} could not be read.") from error
        return Programme.model_validate(raw)

    def put(self, programme: Programme) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": programme_key(programme.programme_id)},
                "value": {"S": json.dumps(programme.model_dump(mode="json"))},
            },
        )
