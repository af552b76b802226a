"""The worker's appliers, one module per kind of work message: records (the deadline closes),
grievances (the SLA sweep's escalations and closes), notices (reminders and the outbox). `base` holds
what all of them share; `wiring` which applier takes which message, and what each is built from."""
