"""Backup and restore of Alur itself: the archive, the database copy, the use cases, the schedule."""
