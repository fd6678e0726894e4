"""APScheduler wiring for the worker; the work itself lives in ``engine.worker.jobs`` and ``engine.worker.mailer``.

One job, ``alur_worker``, runs the use cases and then moves its own next run to the earliest due
moment (``Scheduling.next_wakeup()``), but never more than ``max_sleep`` seconds ahead (default
30 s, ``ALUR_WORKER_MAX_SLEEP``): other processes create timers, tasks and schedules too, and this
bound is how late the worker can notice them. It never sleeps less than ``MIN_SLEEP`` either, so a
deadline that keeps failing cannot spin the CPU. The job's interval trigger of ``max_sleep`` is
the safety net should a reschedule ever be lost. All state is in the database: stopping, killing
or running several workers loses and doubles nothing. Two more jobs run beside it: the day's backup
(``alur_backup``) and the directory check (``alur_directory_check``, every ``ALUR_LDAP_CHECK_MINUTES``).

Entry points:

- ``alur worker`` — the foreground process (SIGTERM/SIGINT finish the item in hand, then exit);
- ``start_embedded_worker(alur)`` — for ``make run``: a daemon thread inside the web process.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import signal
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from engine.accounts.directory_check import CheckReport
from engine.accounts.identity_settings import DIRECTORY_CHECK_MINUTES
from engine.audit.checkpoints import CheckpointFileError, signing_key
from engine.errors import DirectoryCheckRefused, DirectoryUnavailable
from engine.operations.backup_schedule import BackupSchedule, ScheduledRun
from engine.operations.logs import log_job
from engine.worktime.clock import Clock, utcnow
from engine.worker.mailer import Mailer
from engine.worker.jobs import RunReport, Scheduling
from engine.worker.work_items import ItemHooks

JOB_ID = "alur_worker"
BACKUP_JOB_ID = "alur_backup"
BACKUP_CHECK_EVERY = 60.0  # seconds between looks at whether the day's backup is due
DIRECTORY_JOB_ID = "alur_directory_check"
DEFAULT_MAX_SLEEP = 30.0
MIN_SLEEP = 1.0
CHECKPOINT_EVERY = timedelta(hours=1)
log = logging.getLogger(__name__)


class Worker:
    def __init__(self, scheduling: Scheduling, mailer: Mailer | None = None, clock: Clock = utcnow,
                 max_sleep: float = DEFAULT_MAX_SLEEP, hooks: ItemHooks | None = None,
                 checkpoint: Callable[[], object] | None = None,
                 checkpoint_every: timedelta = CHECKPOINT_EVERY,
                 deployments: Callable[[], object] | None = None,
                 heartbeat: Callable[[], None] | None = None,
                 backup: Callable[[], ScheduledRun | None] | None = None,
                 directory_check: Callable[[], CheckReport] | None = None,
                 directory_check_every: timedelta = timedelta(minutes=DIRECTORY_CHECK_MINUTES)) -> None:
        if max_sleep < MIN_SLEEP:
            raise ValueError(f"max_sleep must be at least {MIN_SLEEP} s")
        self._scheduling = scheduling
        self._mailer = mailer
        self._clock = clock
        self.max_sleep = max_sleep
        self.hooks = hooks or ItemHooks()
        self.scheduler: BackgroundScheduler | None = None
        self._checkpoint = checkpoint  # signs the audit chain heads (issue 6), when a key is configured
        self._checkpoint_every = checkpoint_every
        self._last_checkpoint: datetime | None = None
        # The newest deployment (any value that changes with a deploy): a deploy is signed at once.
        self._deployments = deployments
        self._deployed_at_checkpoint: object = None
        self._heartbeat = heartbeat  # stamps this worker as alive at each run (engine.worker.heartbeat)
        # Held for a whole tick: stop() waits on it before shutting the scheduler down, because a
        # tick that reschedules itself during shutdown would wait for the scheduler's lock forever.
        self._tick_lock = threading.Lock()
        # The day's scheduled backup (engine.operations.backup_schedule), run by a job of its own so a long dump
        # never holds up timers.
        self._backup = backup
        # The directory check (engine.accounts.directory_check): a job of its own, every directory_check_every.
        self._directory_check = directory_check
        self._directory_check_every = directory_check_every

    # -- one run ---------------------------------------------------------------------------------

    def run_once(self) -> RunReport:
        """Fire timers, start routines, escalate, then send owed e-mail. Each step's failure is
        logged and does not stop the others. Each run is one log line (``engine.operations.logs``)."""
        started = time.monotonic()
        now = self._clock()
        report = RunReport()
        self._beat()
        try:
            report = self._scheduling.run_due(now, self.hooks)
        except Exception:  # noqa: BLE001 - e.g. the database is away; the next run tries again
            log.exception("worker run failed")
            report = RunReport(failures=1)
        if report.total:
            self._beat()  # a long run: alive at its end too
        if self._mailer is not None and not self.hooks.stop_requested():
            try:
                emails = self._mailer.deliver_pending(now, self.hooks)
            except Exception:  # noqa: BLE001
                log.exception("e-mail delivery failed")
                emails = 0
            report = dataclasses.replace(report, emails=emails)
        self._maybe_checkpoint(now)
        log_job("worker", started, logging.INFO if report.total or report.failures else logging.DEBUG,
                **dataclasses.asdict(report))
        return report

    def _beat(self) -> None:
        if self._heartbeat is None:
            return
        try:
            self._heartbeat()
        except Exception:  # noqa: BLE001 - e.g. the database is away: /readyz then says so; the run goes on
            log.exception("worker heartbeat failed")

    def _maybe_checkpoint(self, now: datetime) -> None:
        """Sign the audit chain heads every ``checkpoint_every`` and after every deploy (nothing stored if
        none moved)."""
        if self._checkpoint is None or self.hooks.stop_requested():
            return
        try:
            deployed = self._deployments() if self._deployments is not None else None
            if (self._last_checkpoint is not None and now - self._last_checkpoint < self._checkpoint_every
                    and deployed == self._deployed_at_checkpoint):
                return
            try:
                self._checkpoint()
            except CheckpointFileError as exc:  # signed and stored; the file is retried with the next one
                log.error("audit checkpoint stored, but not kept as a file: %s", exc.message)
            self._last_checkpoint, self._deployed_at_checkpoint = now, deployed
        except Exception:  # noqa: BLE001 - retried on the next run
            log.exception("audit checkpoint failed")

    def run_until_idle(self, max_runs: int = 1000) -> RunReport:
        """Run until a run finds nothing to do; returns the totals (for ``--once`` and tests)."""
        totals = RunReport()
        for _ in range(max_runs):
            report = self.run_once()
            totals += report
            if report.total == 0 or self.hooks.stop_requested():
                break
        return totals

    def next_run_at(self, now: datetime) -> datetime:
        """When to run next: the earliest due moment, kept within [now + MIN_SLEEP, now + max_sleep]."""
        latest = now + timedelta(seconds=self.max_sleep)
        wakeup = self._scheduling.next_wakeup()
        moment = latest if wakeup is None else min(wakeup, latest)
        return max(moment, now + timedelta(seconds=MIN_SLEEP))

    # -- APScheduler -----------------------------------------------------------------------------

    def tick(self) -> RunReport:
        """The job: one run, then move the job's next run to ``next_run_at``."""
        with self._tick_lock:
            report = self.run_once()
            if self.scheduler is not None and not self.hooks.stop_requested():
                try:
                    run_at = self.next_run_at(self._clock())
                except Exception:  # noqa: BLE001 - the interval trigger still wakes us within max_sleep
                    log.exception("could not compute the next wake-up")
                else:
                    self.scheduler.modify_job(JOB_ID, next_run_time=run_at)
            return report

    def start(self, paused: bool = False) -> BackgroundScheduler:
        """Start the scheduler thread with the job due at once (``paused``: tests drive ``tick`` by hand)."""
        scheduler = BackgroundScheduler(timezone=timezone.utc, daemon=True)
        scheduler.add_job(self.tick, IntervalTrigger(seconds=self.max_sleep, timezone=timezone.utc), id=JOB_ID,
                          name="Alur worker", max_instances=1, coalesce=True, misfire_grace_time=None,
                          next_run_time=self._clock())
        if self._backup is not None:
            scheduler.add_job(self.backup_tick, IntervalTrigger(seconds=BACKUP_CHECK_EVERY, timezone=timezone.utc),
                              id=BACKUP_JOB_ID, name="Alur backup", max_instances=1, coalesce=True,
                              misfire_grace_time=None, next_run_time=self._clock())
        if self._directory_check is not None:
            scheduler.add_job(self.directory_tick,
                              IntervalTrigger(seconds=self._directory_check_every.total_seconds(),
                                              timezone=timezone.utc),
                              id=DIRECTORY_JOB_ID, name="Alur directory check", max_instances=1, coalesce=True,
                              misfire_grace_time=None, next_run_time=self._clock())
        self.scheduler = scheduler
        scheduler.start(paused=paused)
        return scheduler

    def backup_tick(self) -> ScheduledRun | None:
        """The backup job: the day's backup if it is due (a failure is logged; retried later)."""
        if self._backup is None or self.hooks.stop_requested():
            return None
        started = time.monotonic()
        try:
            run = self._backup()
        except Exception as exc:  # noqa: BLE001 - logged as the job's line; the schedule retries
            log_job("backup", started, logging.ERROR, ok=False, error=str(exc))
            return None
        if run is not None:
            log_job("backup", started, ok=True, archive=str(run.summary.path), size=run.summary.size,
                    documents=run.summary.documents, removed=run.removed)
        return run

    def directory_tick(self) -> CheckReport | None:
        """The directory check job: one line in the log (what changed, or why nothing could be concluded)."""
        if self._directory_check is None or self.hooks.stop_requested():
            return None
        started = time.monotonic()
        try:
            report = self._directory_check()
        except (DirectoryUnavailable, DirectoryCheckRefused) as exc:  # nothing changed; the next run tries again
            log_job("directory_check", started, logging.WARNING, ok=False, error=exc.message)
            return None
        except Exception as exc:  # noqa: BLE001 - e.g. the database is away; the next run tries again
            log.exception("directory check failed")
            log_job("directory_check", started, logging.ERROR, ok=False, error=str(exc))
            return None
        changed = report.count("deactivated") + report.count("updated")
        log_job("directory_check", started, logging.INFO if changed else logging.DEBUG, ok=True,
                checked=len(report.accounts), deactivated=report.count("deactivated"),
                updated=report.count("updated"), skipped=report.count("skipped"),
                changes=[a.username for a in report.accounts if a.outcome in ("deactivated", "updated")])
        return report

    def stop(self, wait: bool = True) -> None:
        """Ask the run in progress to stop after its current item, then shut the scheduler down."""
        self.hooks.stop.set()
        with self._tick_lock:  # a tick in progress finishes (and reschedules) first; later ones see stop
            pass
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=wait)

    def run_forever(self) -> None:
        """Run in the foreground until SIGTERM or SIGINT (``alur worker``)."""
        stopping = threading.Event()

        def on_signal(signum: int, _frame: Any) -> None:
            log.info("signal %s: stopping after the current item", signum)
            stopping.set()

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        self.start()
        try:
            while not stopping.wait(1.0):
                pass
        finally:
            self.stop(wait=True)
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def build_worker(alur: Any, hooks: ItemHooks | None = None,
                 environ: Mapping[str, str] = os.environ) -> Worker:
    """A worker over an ``Alur`` (``engine.bootstrap``), with e-mail when SMTP is configured and signed
    audit checkpoints, hourly and after each deploy, when a key is: ``ALUR_AUDIT_KEY_FILE`` or
    ``ALUR_AUDIT_KEY``, else the key file ``alur init`` made (``Settings.audit_key_file``); and the
    daily backup when ``Settings.backup`` is set (``ALUR_BACKUP_DIR``); and the directory check every
    ``ALUR_LDAP_CHECK_MINUTES`` when an LDAP directory with a service account is configured."""
    checkpoint = None
    key = signing_key(environ, alur.settings.audit_key_file)
    if key is not None:
        checkpoint = lambda: alur.checkpoints.make_checkpoint(key, "system")  # noqa: E731
    backup = None
    if alur.settings.backup is not None:
        backup = BackupSchedule(alur.backups, alur.sessions, alur.settings.backup, alur.clock).run_if_due
    directory_check, every = None, timedelta(minutes=DIRECTORY_CHECK_MINUTES)
    ldap = alur.settings.identity.ldap
    if ldap is not None and ldap.check_minutes > 0:
        why_not = alur.directory_check.why_not()
        if why_not is None:
            directory_check, every = alur.directory_check.run, timedelta(minutes=ldap.check_minutes)
        else:  # said once at start: people the directory disables keep working until they next sign in
            log.warning("directory check off: %s (ALUR_LDAP_CHECK_MINUTES=0 silences this)", why_not)
    return Worker(alur.scheduling, alur.mailer, alur.clock, alur.settings.worker_max_sleep, hooks,
                  checkpoint=checkpoint, deployments=alur.checkpoints.latest_definition_id,
                  heartbeat=alur.heartbeats.beat, backup=backup, directory_check=directory_check,
                  directory_check_every=every)


def start_embedded_worker(alur: Any) -> Worker:
    """Run the worker inside the current process (the embedded default, ``make run``).

    Call it once per process that should run timers — e.g. in ``web/serve.py`` before serving, not in
    ``create_app`` (the reloader and every gunicorn worker would start their own; that would still be
    correct, as all work is claimed in the database, only wasteful). The scheduler thread is a
    daemon; call ``worker.stop()`` on shutdown to let the current item finish first.
    """
    worker = build_worker(alur)
    worker.start()
    return worker
