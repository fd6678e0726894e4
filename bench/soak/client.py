"""The load: staff sessions through whole cases, as a browser would (HTML pages, forms with CSRF tokens,
a multipart upload), over HTTPS through nginx.

Each thread is a pair of staff: ``pelapor_N`` starts a case from the inbox, opens its task, attaches a
document and completes it; ``pemeriksa_N`` opens the inbox, the case, the next task and completes it.
Errors are retried the way a careful client must: a page is fetched again; a completion whose answer
was lost (a dropped connection, a 5xx) is never sent blindly again: the task page is read first, and
the form is sent again only if the task is still open (if it is done, the first attempt counted).
"""
from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from bench.soak.cluster import PASSWORD

ATTEMPTS = 8
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_VERSION = re.compile(r'name="expected_version" value="(\d+)"')
_TASK_LINK = re.compile(r'href="/tugas/([0-9a-f-]{36})"')
_CASE_LINK = re.compile(r'href="/kasus/(\d+)"')


@dataclass(frozen=True)
class Sample:
    at: float  # seconds since the soak began
    operation: str
    ms: float
    outcome: str  # "ok", "http_<status>", "connection_error", "timeout"


@dataclass
class CaseRecord:
    business_key: str
    instance_id: int | None = None
    tasks: dict[str, str] = field(default_factory=dict)  # element id -> task id
    completed_at: float | None = None  # when the client saw the last step done
    notes: list[str] = field(default_factory=list)  # retries and how each ended


class Ledger:
    """What the client did and saw; shared by the threads."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self._lock = threading.Lock()
        self.samples: list[Sample] = []
        self.cases: list[CaseRecord] = []
        self.retried_completions: list[str] = []  # "<key> <step>: <what happened>"
        self.start_unknown: list[str] = []  # business keys whose start answer was lost

    def now(self) -> float:
        return time.monotonic() - self.started

    def add(self, sample: Sample) -> None:
        with self._lock:
            self.samples.append(sample)

    def note(self, bucket: list[str], text: str) -> None:
        with self._lock:
            bucket.append(text)

    def case(self, record: CaseRecord) -> None:
        with self._lock:
            self.cases.append(record)


class Failed(Exception):
    """An operation still failed after every retry."""


def _pdf(key: str) -> bytes:
    return f"%PDF-1.4\n% laporan {key}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".encode()


class Staff:
    """One person's browser session."""

    def __init__(self, username: str, base_url: str, cert: str, ledger: Ledger) -> None:
        self.username = username
        self.base = base_url
        self.ledger = ledger
        self.http = requests.Session()
        self.http.trust_env = False  # the CA bundle of the environment would replace the soak's certificate
        self.http.verify = cert
        self.http.headers["Referer"] = base_url + "/"  # Flask-WTF checks it over HTTPS, as browsers send it

    def request(self, operation: str, method: str, path: str, **kwargs: Any) -> requests.Response | None:
        """One request, timed and recorded; None when no answer came."""
        start = time.perf_counter()
        at = self.ledger.now()
        try:
            response = self.http.request(method, self.base + path, timeout=60, allow_redirects=False, **kwargs)
        except requests.Timeout:
            self.ledger.add(Sample(at, operation, (time.perf_counter() - start) * 1000, "timeout"))
            return None
        except requests.ConnectionError:
            self.ledger.add(Sample(at, operation, (time.perf_counter() - start) * 1000, "connection_error"))
            return None
        except requests.RequestException:  # e.g. the answer cut off mid-body when its app server died
            self.ledger.add(Sample(at, operation, (time.perf_counter() - start) * 1000, "broken_answer"))
            return None
        outcome = "ok" if response.status_code < 400 else f"http_{response.status_code}"
        self.ledger.add(Sample(at, operation, (time.perf_counter() - start) * 1000, outcome))
        return response

    def page(self, operation: str, path: str) -> str:
        """GET a page, retried until it answers 200."""
        for attempt in range(ATTEMPTS):
            response = self.request(operation, "GET", path)
            if response is not None and response.status_code == 200:
                return response.text
            if response is not None and response.status_code == 302 and "/masuk" in response.headers["Location"]:
                self.login()
                continue
            time.sleep(min(0.25 * 2 ** attempt, 4))
        raise Failed(f"{self.username}: GET {path} failed {ATTEMPTS} times")

    def login(self) -> None:
        for attempt in range(ATTEMPTS):
            token = _CSRF.search(self.page("login_page", "/masuk"))
            response = self.request("login", "POST", "/masuk", data={
                "csrf_token": token.group(1) if token else "", "username": self.username, "password": PASSWORD})
            if response is not None and response.status_code == 302:
                return
            time.sleep(min(0.25 * 2 ** attempt, 4))
        raise Failed(f"{self.username}: login failed {ATTEMPTS} times")

    def complete(self, operation: str, task_id: str, fields: dict[str, str], files: dict[str, Any] | None,
                 record: CaseRecord) -> str:
        """Open the task and send its form; returns the redirect target. A lost answer is resolved by
        reading the task again: still open, send again; done, the earlier attempt counted."""
        path = f"/tugas/{task_id}"
        failures: list[str] = []
        for attempt in range(ATTEMPTS):
            page = self.page("open_task", path)
            version, token = _VERSION.search(page), _CSRF.search(page)
            if version is None or token is None:  # no form: the task is done
                if not failures:
                    raise Failed(f"{self.username}: task {task_id} was not open")
                self.ledger.note(self.ledger.retried_completions,
                                 f"{record.business_key} {operation}: {', '.join(failures)}; "
                                 "the task page then showed it done (the lost answer's attempt had completed it)")
                return f"/kasus/{record.instance_id}"
            response = self.request(operation, "POST", path, files=files,
                                    data={"csrf_token": token.group(1), "expected_version": version.group(1), **fields})
            if response is not None and response.status_code == 302:
                if failures:
                    self.ledger.note(self.ledger.retried_completions,
                                     f"{record.business_key} {operation}: {', '.join(failures)}; "
                                     f"sent again, completed on attempt {attempt + 1}")
                return str(response.headers["Location"])
            failures.append("no answer" if response is None else f"HTTP {response.status_code}")
            if response is not None and response.status_code == 422:
                raise Failed(f"{self.username}: {operation} refused: {response.text[:300]}")
            time.sleep(min(0.25 * 2 ** attempt, 4))
        raise Failed(f"{self.username}: {operation} of {task_id} failed: {failures}")


class StaffPair(threading.Thread):
    def __init__(self, number: int, base_url: str, cert: str, ledger: Ledger, stop: threading.Event,
                 on_failure: Callable[[str], None]) -> None:
        super().__init__(name=f"staff-{number}", daemon=True)
        self.number = number
        self.reporter = Staff(f"pelapor_{number}", base_url, cert, ledger)
        self.checker = Staff(f"pemeriksa_{number}", base_url, cert, ledger)
        self.ledger = ledger
        self.stop = stop
        self.on_failure = on_failure

    def run(self) -> None:
        sequence = 0
        while not self.stop.is_set():
            sequence += 1
            try:
                if sequence == 1:
                    self.reporter.login()
                    self.checker.login()
                self.one_case(f"SOAK/{self.number}/{sequence}")
            except Failed as exc:  # reported; the pair goes on with a new case
                self.on_failure(str(exc))
            except Exception as exc:  # noqa: BLE001 - a client fault is reported too, never a silent stop
                self.on_failure(f"SOAK/{self.number}/{sequence}: {type(exc).__name__}: {exc}")

    def one_case(self, key: str) -> None:
        record = CaseRecord(key)
        inbox = self.reporter.page("inbox", "/kotak-masuk")
        token = _CSRF.search(inbox)
        response = self.reporter.request("start_case", "POST", "/kasus/baru", data={
            "csrf_token": token.group(1) if token else "", "process_key": "soak_laporan", "business_key": key})
        if response is None or response.status_code != 302:
            # Not sent again: a second start would be a second case. The checks look the key up.
            self.ledger.note(self.ledger.start_unknown, key)
            return
        task = _TASK_LINK.search(f'href="{response.headers["Location"]}"')
        if task is None:
            raise Failed(f"{key}: the start did not lead to the first task ({response.headers['Location']})")
        record.tasks["isi"] = task.group(1)
        page = self.reporter.page("open_task", f"/tugas/{record.tasks['isi']}")
        case = _CASE_LINK.search(page)
        record.instance_id = int(case.group(1)) if case else None
        self.ledger.case(record)
        self.reporter.complete("complete_with_upload", record.tasks["isi"],
                               {"uraian": f"Laporan {key}", "jumlah": str(self.number)},
                               {"dokumen_laporan": (f"laporan-{key.replace('/', '-')}.pdf", _pdf(key),
                                                    "application/pdf")}, record)
        self.checker.page("inbox", "/kotak-masuk")
        case_page = self.checker.page("case_page", f"/kasus/{record.instance_id}")
        open_tasks = [t for t in _TASK_LINK.findall(case_page) if t != record.tasks["isi"]]
        if not open_tasks:
            raise Failed(f"{key}: the case page shows no second task")
        record.tasks["periksa"] = open_tasks[0]
        self.checker.complete("complete_review", record.tasks["periksa"],
                              {"disetujui": "ya", "catatan_periksa": "Sesuai"}, None, record)
        record.completed_at = self.ledger.now()
