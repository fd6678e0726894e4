"""Running cases: the runner's use cases, the unit of work, workflow state, case migration, documents."""
