"""The embedded local stack: moto as AWS, provisioned from infra/template.yaml, plus a gateway.

Importing it imports `infra`, which puts functions/ on the import path, so that the handlers import
`core` and `register` here exactly as they do in the cloud.
"""
