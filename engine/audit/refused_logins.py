"""Login attempts refused before their password was checked, on the audit log as one event a burst.

A refusal for waiting too little (the account's growing wait or lockout), for too many posts (the
limits per address and per name) or because as many passwords are being checked as the server has
cores for is answered at once and must not write: under a flood a write per refusal would take the
database's write lock hundreds of times a second. So each process counts its refusals in memory and
appends one ``login_throttled`` event per burst: how many, from when until when, why, and the
addresses and typed names most tried (the rest as counts). The tally is written by the first refusal
or login a minute after the burst began, and when the process ends (``flush``); a process killed
outright loses at most that minute's tally (the request log keeps every 429 besides).
"""
from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import SYSTEM_CHAIN
from engine.runtime.unit_of_work import UnitOfWork
from engine.worktime.clock import Clock, utcnow

LOGIN_THROTTLED = "login_throttled"
BURST = timedelta(minutes=1)
NAMED = 20  # addresses and typed names listed by name in an event; the others are counted
log = logging.getLogger(__name__)
# Why an attempt was refused before its check (the payload's ``refusals``).
ACCOUNT_WAIT, CHECKS_BUSY, RATE_LIMITED = "account_wait", "checks_busy", "rate_limited"


def typed_name(username: str) -> str:
    """The attempted name as typed, shortened and made storable (it may be a mistyped real name)."""
    return username[:100].encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")


class RefusedLogins:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock
        self._lock = threading.Lock()
        self._started: datetime | None = None
        self._last: datetime | None = None
        self._reasons: Counter[str] = Counter()
        self._addresses: Counter[str] = Counter()
        self._names: Counter[str] = Counter()

    def refused(self, username: str, remote_addr: str | None, reason: str) -> None:
        """Count one refusal in memory; write the burst's event when it is a minute old."""
        now = self._clock()
        with self._lock:
            if self._started is None:
                self._started = now
            self._last = now
            self._reasons[reason] += 1
            self._addresses[remote_addr or "?"] += 1
            self._names[typed_name(username)] += 1
        self.flush_if_due()

    def flush_if_due(self) -> None:
        if self._started is not None and self._clock() - self._started >= BURST:
            self.flush()

    def flush(self) -> None:
        """Append the tally so far as one event (nothing when there is none)."""
        with self._lock:
            if self._started is None or self._last is None:
                return
            payload = {"attempts": sum(self._reasons.values()), "from": self._started.isoformat(),
                       "until": self._last.isoformat(), "refusals": dict(sorted(self._reasons.items())),
                       **_most(self._addresses, "addresses"), **_most(self._names, "usernames")}
            tally = (self._started, self._last, self._reasons, self._addresses, self._names)
            self._started = self._last = None
            self._reasons, self._addresses, self._names = Counter(), Counter(), Counter()
        try:
            with UnitOfWork.begin(self._sessions) as work:
                work.record(SYSTEM_CHAIN, LOGIN_THROTTLED, actor="anonymous", at=self._clock(), payload=payload)
        except Exception:  # noqa: BLE001 - the refusal answered matters more; the tally waits for the next try
            log.warning("refused logins could not be recorded yet", exc_info=True)
            self._put_back(*tally)

    def _put_back(self, started: datetime, last: datetime, reasons: Counter[str], addresses: Counter[str],
                  names: Counter[str]) -> None:
        with self._lock:
            self._started = min(started, self._started) if self._started is not None else started
            self._last = max(last, self._last) if self._last is not None else last
            self._reasons.update(reasons)
            self._addresses.update(addresses)
            self._names.update(names)


def _most(counts: Counter[str], key: str) -> dict[str, object]:
    named = dict(counts.most_common(NAMED))
    rest = sum(counts.values()) - sum(named.values())
    return {key: named} | ({f"other_{key}": rest} if rest else {})
