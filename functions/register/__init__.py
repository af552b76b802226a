"""The register function: programme, me, registrations, documents, and the upload check."""
