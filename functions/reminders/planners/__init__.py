"""The job planners, one module per family: deadlines (the closes), reminders and digest (telling
people), sweeps (grievance SLA, delivery, metrics). `base` holds what all of them share."""
