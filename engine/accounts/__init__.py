"""User accounts, roles held, API tokens, stand-ins (Plh/Plt mandates)."""
