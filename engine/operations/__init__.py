"""Running Alur itself: its own backup and restore (``backups``, ``archive``, ``database_copy``,
``backup_schedule``), archive retention of finished cases (``retention``, ``retention_schedule``),
structured logs (``logs``), and what ``/metrics`` reads (``monitoring``)."""
