"""make soak: the deployment of docs/operations.md under load and faults (see bench/soak/__main__.py)."""
