"""Alembic environment: the URL comes from the caller's config, the metadata from our models."""
from alembic import context
from sqlalchemy import Connection, inspect

from engine.persistence import search_index
from engine.persistence.db import make_engine
from engine.persistence.models import Base

config = context.config


def run_migrations() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(connection=connectable, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        _search_triggers(connectable)  # the caller's connection: the caller commits
        return
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("alembic: the config names no sqlalchemy.url")
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        _search_triggers(connection)
        connection.commit()  # SQLite's DDL is not transactional to Alembic: nothing else commits this
    engine.dispose()


def _search_triggers(connection: Connection) -> None:
    """The search index's triggers, put back after every upgrade: on SQLite a revision that rebuilds
    ``process_instance`` (batch mode copies the table) drops them (engine.persistence.search_index)."""
    if inspect(connection).has_table("case_term"):
        search_index.install(connection)


run_migrations()
