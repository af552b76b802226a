"""The stores both job functions build (the planner's and the worker's wiring extend this), each on first use."""

from __future__ import annotations

from functools import cached_property
from typing import TypeVar

from core.store.counters import CounterStore
from core.store.grievances import GrievanceStore
from core.store.notifications import NotificationStore
from core.store.registrations import RegistrationStore
from core.store.roll import RollStore
from core.wiring import Wiring
from reminders.settings import JobSettings

J = TypeVar("J", bound=JobSettings)


class JobWiring(Wiring[J]):
    @cached_property
    def registrations(self) -> RegistrationStore:
        return RegistrationStore(self.aws.dynamodb, self.settings.registrations_table)

    @cached_property
    def grievances(self) -> GrievanceStore:
        return GrievanceStore(self.aws.dynamodb, self.settings.grievances_table)

    @cached_property
    def roll(self) -> RollStore:
        return RollStore(self.aws.dynamodb, self.settings.roll_table)

    @cached_property
    def notifications(self) -> NotificationStore:
        return NotificationStore(self.aws.dynamodb, self.settings.notifications_table)

    @cached_property
    def counters(self) -> CounterStore:
        return CounterStore(self.aws.dynamodb, self.settings.counters_table)
