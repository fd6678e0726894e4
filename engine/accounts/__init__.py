"""User accounts, roles held, API tokens."""
