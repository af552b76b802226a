"""The `certificates` table: one item per issued service certificate (`core.certificates`).

* pk = the serial (e.g. "HR26-7K3QX9PA-C1"): the credential as issued, its claims, its status
  (valid, revoked, superseded) with when, by whom and why, and a version.

The public status route reads one item by its serial. Which certificate is a registration's current
one is said by the registration's audit chain, so the table needs no index. Every write here is a
part of the registration's change transaction (core.recorder.ChangeRecorder): a new certificate is
put only if its serial is new; a status change only on the version read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.certificates import Certificate
from core.store.dynamo import TxItem, changed_meanwhile, marshal, put_if_version, put_new, unmarshal

if TYPE_CHECKING:  # the boto3 stubs: a dev dependency, for type checking only
    from types_boto3_dynamodb.client import DynamoDBClient

NAME = "certificate"


class CertificateStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def get(self, serial: str) -> Certificate | None:
        item = self._client.get_item(TableName=self._table, Key={"pk": {"S": serial}}, ConsistentRead=True).get("Item")
        return None if item is None else Certificate.model_validate(unmarshal(item))

    def _item(self, certificate: Certificate) -> dict[str, Any]:
        return marshal({"pk": certificate.serial, **certificate.model_dump(mode="json")})

    def issue(self, certificate: Certificate) -> TxItem:
        """A new certificate; its transaction raises VersionConflict if the serial is taken (a concurrent issue)."""
        return put_new(NAME, self._table, self._item(certificate)).refused_as(changed_meanwhile(NAME))

    def replace(self, certificate: Certificate, *, expected_version: int) -> TxItem:
        """The new image (revoked or superseded) of a certificate nobody changed since it was read; its
        transaction raises VersionConflict if someone did."""
        item = put_if_version(NAME, self._table, self._item(certificate), expected_version)
        return item.refused_as(changed_meanwhile(NAME))
