"""Constrained types, defined once and used by every layer."""

from typing import Annotated

from pydantic import Field, StringConstraints

EmployeeCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9-]{2,31}$")]
DdoCode = Annotated[str, StringConstraints(pattern=r"^DDO-[A-Z]{3}-\d{3}$")]
ProgrammeId = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}-\d{4}$")]
# Indian mobile numbers: ten digits starting 6-9, optionally with +91.
Mobile = Annotated[str, StringConstraints(pattern=r"^(\+91)?[6-9]\d{9}$")]
# An official's Cognito username: lowercase, so it can never be taken for an employee code.
OfficialUsername = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9._-]{2,63}$")]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
# Haryana Parivar Pehchan Patra (Family ID): eight alphanumerics.
FamilyId = Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{8}$")]
Last4 = Annotated[str, StringConstraints(pattern=r"^\d{4}$")]
RegistrationId = Annotated[str, StringConstraints(pattern=r"^REG-[0-9A-HJKMNP-TV-Z]{26}$")]
ChallengeId = Annotated[str, StringConstraints(pattern=r"^OTP-[0-9A-HJKMNP-TV-Z]{26}$")]
DocumentId = Annotated[str, StringConstraints(pattern=r"^DOC-[0-9A-HJKMNP-TV-Z]{26}$")]
# A grievance category's code (the programme's data lists them): lowercase words joined by "_".
CategoryCode = Annotated[str, StringConstraints(pattern=r"^[a-z]+(_[a-z]+)*$", min_length=2, max_length=40)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Rupees = Annotated[int, Field(ge=0, le=10_000_000)]
Version = Annotated[int, Field(ge=1)]
