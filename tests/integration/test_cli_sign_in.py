"""The operator CLI signs in to Cognito with the operator's AWS credentials (AdminInitiateAuth)."""

from __future__ import annotations

import boto3
import jwt
import pytest
from moto import mock_aws

from infra.cli import AuthError, cognito_id_token


def test_an_operator_gets_an_id_token_and_a_wrong_password_a_clear_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "operator")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "operator")
    with mock_aws():
        # Given an admin in the pool, and the app client allowing the admin password flow
        cognito = boto3.client("cognito-idp", region_name="ap-south-1")
        pool = cognito.create_user_pool(PoolName="anubandh")["UserPool"]["Id"]
        client = cognito.create_user_pool_client(
            UserPoolId=pool, ClientName="clients", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
        )["UserPoolClient"]["ClientId"]
        cognito.admin_create_user(UserPoolId=pool, Username="nodal1")
        cognito.admin_set_user_password(UserPoolId=pool, Username="nodal1", Password="Nodal-Officer-1", Permanent=True)
        # When the CLI signs in, Then it holds an id token for that user
        token = cognito_id_token("nodal1", "Nodal-Officer-1", client, "ap-south-1", pool)
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["cognito:username"] == "nodal1" and claims["token_use"] == "id"
        # And a wrong password is refused with Cognito's reason, not a stack trace
        with pytest.raises(AuthError, match="NotAuthorizedException"):
            cognito_id_token("nodal1", "wrong", client, "ap-south-1", pool)
