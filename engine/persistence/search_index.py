"""The triggers that file a case's search terms into ``case_term``.

A write of ``process_instance.search_terms`` (a JSON array of terms) adds those terms to the case's
rows in ``case_term``: a step indexes its words inside the case UPDATE it runs anyway, with no
statement of its own. Terms are only added, never removed (a search finds a word any step wrote).

The same function installs them for ``create_all`` (tests, benchmarks), for the Alembic revision
that introduced them, and after every ``upgrade``: on SQLite a later revision that rebuilds
``process_instance`` (Alembic's batch mode copies the table) drops its triggers, and the upgrade
puts them back.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, event

TRIGGER_NAMES = ("case_term_on_insert", "case_term_on_update")

_SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS case_term_on_insert AFTER INSERT ON process_instance
       WHEN new.search_terms IS NOT NULL
       BEGIN
         INSERT OR IGNORE INTO case_term (term, instance_id) SELECT value, new.id FROM json_each(new.search_terms);
       END""",
    """CREATE TRIGGER IF NOT EXISTS case_term_on_update AFTER UPDATE OF search_terms ON process_instance
       WHEN new.search_terms IS NOT NULL AND new.search_terms IS NOT old.search_terms
       BEGIN
         INSERT OR IGNORE INTO case_term (term, instance_id) SELECT value, new.id FROM json_each(new.search_terms);
       END""",
]

_POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION case_term_file() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         INSERT INTO case_term (term, instance_id)
         SELECT DISTINCT t, NEW.id FROM json_array_elements_text(NEW.search_terms::json) AS t
         ON CONFLICT DO NOTHING;
         RETURN NULL;
       END $$""",
    "DROP TRIGGER IF EXISTS case_term_on_insert ON process_instance",
    """CREATE TRIGGER case_term_on_insert AFTER INSERT ON process_instance FOR EACH ROW
       WHEN (NEW.search_terms IS NOT NULL) EXECUTE FUNCTION case_term_file()""",
    "DROP TRIGGER IF EXISTS case_term_on_update ON process_instance",
    """CREATE TRIGGER case_term_on_update AFTER UPDATE OF search_terms ON process_instance FOR EACH ROW
       WHEN (NEW.search_terms IS NOT NULL AND NEW.search_terms IS DISTINCT FROM OLD.search_terms)
       EXECUTE FUNCTION case_term_file()""",
    # A term's frequency decides how a search runs; the default sample sees only the commonest terms.
    "ALTER TABLE case_term ALTER COLUMN term SET STATISTICS 1000",
]


def install(connection: Connection) -> None:
    """Create the triggers where they are missing (idempotent)."""
    statements = _POSTGRESQL if connection.dialect.name == "postgresql" else _SQLITE
    if connection.dialect.name == "postgresql" and _installed(connection):
        return
    for statement in statements:
        connection.exec_driver_sql(statement)


def installed(connection: Connection) -> set[str]:
    """The names of the triggers present."""
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'process_instance'::regclass AND NOT tgisinternal")
    else:
        rows = connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    return {r[0] for r in rows} & set(TRIGGER_NAMES)


def _installed(connection: Connection) -> bool:
    return installed(connection) == set(TRIGGER_NAMES)


def attach(case_term: Table) -> None:
    """Install the triggers whenever ``create_all`` creates the ``case_term`` table."""
    @event.listens_for(case_term, "after_create")
    def _after_create(_target: Any, connection: Connection, **_kw: Any) -> None:
        install(connection)
