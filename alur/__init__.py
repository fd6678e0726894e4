"""Command-line entry point package (``alur``)."""
