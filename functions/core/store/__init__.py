"""Data access: one module per DynamoDB table, plus the transaction that spans them."""
