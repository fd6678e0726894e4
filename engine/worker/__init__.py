"""The worker: timers, routine starts, escalation, notifications and e-mail, under APScheduler."""
