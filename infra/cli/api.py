"""The admin API's roll import over HTTP, as far as the CLI needs it, and its refusals as `ApiError`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from infra.cli_errors import EXIT_FAILED, CliError

API_TIMEOUT = (10, 60)  # seconds: connect, read
UPLOAD_TIMEOUT = (10, 600)
FINISHED = frozenset({"COMPLETED", "FAILED"})
COUNT_NAMES = ("inserted", "updated", "unchanged", "skipped_registered", "errors")


class ApiError(CliError):
    """A non-2xx answer. `code` and `detail` come from the problem+json body when there is one."""

    exit_code = EXIT_FAILED

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(f"{code} (HTTP {status}): {detail}")
        self.status = status
        self.code = code
        self.detail = detail

    @classmethod
    def of(cls, response: requests.Response) -> ApiError:
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and "code" in body:
            detail = str(body.get("detail") or body.get("title") or "")
            for error in body.get("errors") or []:  # validation_error: which fields, and why
                if isinstance(error, dict):
                    where = ".".join(str(part) for part in error.get("loc", []) if part != "body")
                    detail += f"\n  {where}: {error.get('msg', '')}"
            return cls(response.status_code, str(body["code"]), detail)
        # S3 answers in XML (<Code>EntityTooLarge</Code><Message>...</Message>); anything else as text.
        code = re.search(r"<Code>([^<]*)</Code>", response.text)
        message = re.search(r"<Message>([^<]*)</Message>", response.text)
        if code:
            return cls(response.status_code, code.group(1), message.group(1) if message else "")
        return cls(response.status_code, f"http_{response.status_code}", response.text.strip()[:300] or response.reason)


@dataclass(frozen=True)
class UploadGrant:
    url: str
    fields: dict[str, str]
    expires_at: str


@dataclass(frozen=True)
class StartedImport:
    import_id: str
    status: str
    upload: UploadGrant


@dataclass(frozen=True)
class ImportState:
    """`GET /v1/admin/roll-imports/{id}`, as far as the CLI needs it."""

    import_id: str
    filename: str
    status: str
    rows_total: int | None
    rows_done: int
    counts: dict[str, int]
    failure: str | None = None
    completed_at: str | None = None
    report_url: str | None = None
    report_expires_at: str | None = None

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> ImportState:
        counts = body.get("counts") or {}
        return cls(
            import_id=str(body["import_id"]),
            filename=str(body.get("filename", "")),
            status=str(body["status"]),
            rows_total=None if body.get("rows_total") is None else int(body["rows_total"]),
            rows_done=int(body.get("rows_done") or 0),
            counts={name: int(counts.get(name) or 0) for name in COUNT_NAMES},
            failure=body.get("failure"),
            completed_at=body.get("completed_at"),
            report_url=body.get("report_url"),
            report_expires_at=body.get("report_expires_at"),
        )

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


class AnubandhClient:
    """The admin API's roll import over HTTP. The bearer token goes to the API only: the upload and
    the report download are pre-signed S3 requests, which must carry no other credentials."""

    def __init__(
        self, endpoint: str, token: str, http: requests.Session | None = None, *, language: str = "en"
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        # The API's problems, and the import's report, come in this language.
        self._auth = {"Authorization": f"Bearer {token}", "Accept-Language": language}
        self._http = http or requests.Session()

    def _api(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self._http.request(
            method, f"{self.endpoint}{path}", headers=self._auth, timeout=API_TIMEOUT, **kwargs
        )
        if not response.ok:
            raise ApiError.of(response)
        body: dict[str, Any] = response.json()
        return body

    def start_import(self, filename: str) -> StartedImport:
        body = self._api("POST", "/v1/admin/roll-imports", json={"filename": filename})
        grant = body["upload"]
        return StartedImport(
            import_id=str(body["import_id"]),
            status=str(body["status"]),
            upload=UploadGrant(
                url=str(grant["url"]),
                fields={str(k): str(v) for k, v in grant["fields"].items()},
                expires_at=str(grant.get("expires_at", "")),
            ),
        )

    def upload(self, grant: UploadGrant, filename: str, content: bytes) -> None:
        """The pre-signed POST: every field, then the file as the last part, named `file`."""
        content_type = grant.fields.get("Content-Type", "text/csv")
        response = self._http.post(
            grant.url,
            data=grant.fields,  # requests writes `data` fields before `files`
            files={"file": (filename, content, content_type)},
            timeout=UPLOAD_TIMEOUT,
        )
        if not response.ok:
            raise ApiError.of(response)

    def import_status(self, import_id: str) -> ImportState:
        return ImportState.from_json(self._api("GET", f"/v1/admin/roll-imports/{quote(import_id, safe='')}"))

    def download(self, url: str, path: Path) -> Path:
        """A pre-signed GET saved to `path` (written beside it first, so a broken download leaves no half file)."""
        partial = path.with_name(f"{path.name}.part")
        with self._http.get(url, stream=True, timeout=API_TIMEOUT) as response:
            if not response.ok:
                raise ApiError.of(response)
            path.parent.mkdir(parents=True, exist_ok=True)
            with partial.open("wb") as out:
                for chunk in response.iter_content(chunk_size=64 * 1024):
                    out.write(chunk)
        partial.replace(path)
        return path
