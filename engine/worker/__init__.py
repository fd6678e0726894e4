"""The worker: timers, routine starts, escalation, mandate ends, leave reminders, notifications and
e-mail, under APScheduler."""
