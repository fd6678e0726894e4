"""The statements a step runs: built and compiled once, run on the driver's cursor (see
engine.persistence.compiled). A statement built per call costs SQLAlchemy its construction,
cache-key generation and execution context, several times the driver's own work on SQLite.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import (Boolean, Integer, String, bindparam, cast, exists, func, insert, literal, literal_column, or_,
                        select, update)

from engine.persistence.authority import mandates_held, now_param
from engine.persistence.compiled import DirectIn, DirectStatement
from engine.persistence.models import (AuditChainHead, AuditEvent, HumanTask, ProcessDefinition, ProcessInstance,
                                       UserAccount, UserRole)

TASKS = HumanTask.__table__
INSTANCES = ProcessInstance.__table__
HEADS = AuditChainHead.__table__
DEFINITIONS = ProcessDefinition.__table__
USERS = UserAccount.__table__

# engine.audit.chain.case_chain in SQL; if they disagreed, every step would fall back to a locked head
# read (tests/engine/test_transaction.py would see it).
_INSTANCE_CHAIN = literal("instance:", String).concat(cast(INSTANCES.c.id, String))

# Role keys are identifiers (roles.toml), so a comma joins them unambiguously.
_ACTOR_ROLES = (select(func.aggregate_strings(UserRole.role_key, ","))
                .join(UserAccount, UserAccount.id == UserRole.user_id)
                .where(UserAccount.username == bindparam("actor"), UserAccount.active.is_(True))
                .scalar_subquery())

# The task, its case (with its start and limit, for its figures if the step ends it), the case's audit chain
# head, the actor's roles and the mandates the actor holds at ``now`` (standing in for an absent official) in
# one read: what completing a task needs. The times come as text, the stored naive UTC
# (``engine.runtime.figures.stored_time``).
TASK_WITH_CASE = DirectStatement(
    select(TASKS.c.id, TASKS.c.instance_id, TASKS.c.element_id, TASKS.c.name, TASKS.c.role, TASKS.c.form_key,
           TASKS.c.state, TASKS.c.assignee, TASKS.c.candidate_users, TASKS.c.completed_by, TASKS.c.version,
           cast(TASKS.c.created_at, String).label("created_at"), cast(TASKS.c.due_at, String).label("due_at"),
           INSTANCES.c.definition_id, INSTANCES.c.process_key, INSTANCES.c.business_key,
           INSTANCES.c.status.label("case_status"), INSTANCES.c.state_json,
           INSTANCES.c.version.label("case_version"), INSTANCES.c.next_timer_at.label("case_next_timer"),
           cast(INSTANCES.c.started_at, String).label("case_started_at"),
           cast(INSTANCES.c.due_at, String).label("case_due_at"),
           HEADS.c.seq.label("head_seq"), HEADS.c.hash.label("head_hash"), _ACTOR_ROLES.label("actor_roles"),
           mandates_held(bindparam("actor"), now_param()).label("actor_mandates"))
    .join(INSTANCES, INSTANCES.c.id == TASKS.c.instance_id)
    .outerjoin(HEADS, HEADS.c.chain == _INSTANCE_CHAIN)
    .where(TASKS.c.id == bindparam("task_id")))

# What starting a case reads before it writes, in one read: the process key's latest definition, and the
# starter's roles and requesting unit (as engine.accounts.users.roles_of and opd_of read them).
START_FACTS = DirectStatement(select(
    select(DEFINITIONS.c.id).where(DEFINITIONS.c.process_key == bindparam("process_key"))
    .order_by(DEFINITIONS.c.version.desc()).limit(1).scalar_subquery().label("definition_id"),
    _ACTOR_ROLES.label("actor_roles"),
    select(USERS.c.opd_id).where(USERS.c.username == bindparam("actor"), USERS.c.active.is_(True))
    .scalar_subquery().label("actor_opd")))

# The highest case id before the case a statement inserts: its ``instance_started`` event's ``previous_case``
# (engine.audit.case_accounting), a case that existed when it was made. Written out, as SQLAlchemy does not
# correlate a subquery of an INSERT's RETURNING with the row inserted.
_PREVIOUS_CASE = literal_column(
    "(SELECT max(earlier.id) FROM process_instance AS earlier WHERE earlier.id < process_instance.id)",
    Integer).label("previous_case")

# A new case's row (the columns the ORM wrote for a new ProcessInstance; the others stay NULL): its id and
# the case before it, in one statement (on PostgreSQL a round trip less than reading it after).
INSERT_CASE = DirectStatement(insert(INSTANCES).returning(INSTANCES.c.id, _PREVIOUS_CASE), columns=[
    "definition_id", "process_key", "business_key", "status", "state_json", "data_json", "started_by", "started_at",
    "due_at", "warning_at", "version", "opd_id", "confidential", "registered"])

# A case and its chain head, for a step that starts from the case (waking its timers).
CASE_WITH_HEAD = DirectStatement(
    select(INSTANCES.c.id, INSTANCES.c.definition_id, INSTANCES.c.process_key, INSTANCES.c.business_key,
           INSTANCES.c.status, INSTANCES.c.state_json, INSTANCES.c.version,
           HEADS.c.seq.label("head_seq"), HEADS.c.hash.label("head_hash"), INSTANCES.c.next_timer_at)
    .outerjoin(HEADS, HEADS.c.chain == _INSTANCE_CHAIN)
    .where(INSTANCES.c.id == bindparam("instance_id")))

COMPLETE_TASK = DirectStatement(
    update(TASKS).where(TASKS.c.id == bindparam("task_id"), TASKS.c.version == bindparam("old_version"))
    .values(state="completed", completed_at=bindparam("at"), completed_by=bindparam("actor"),
            assignee=bindparam("new_assignee"), version=bindparam("new_version"), data_json=bindparam("data")))

INSERT_TASKS = DirectStatement(insert(TASKS), columns=[
    "id", "instance_id", "process_key", "process_name", "business_key", "element_id", "name", "role", "form_key",
    "state", "assignee", "candidate_users", "created_at", "claimed_at", "due_at", "version"])

# A step done in the same transaction that opened it (a registrar's registration of a requester's
# letter): written like the tasks above, so its times sort with theirs.
INSERT_DONE_TASK = DirectStatement(insert(HumanTask), columns=[
    "id", "instance_id", "process_key", "process_name", "business_key", "element_id", "name", "role", "form_key",
    "state", "assignee", "created_at", "claimed_at", "due_at", "version", "completed_at", "completed_by",
    "data_json"])


def _kept(column: Any, name: str) -> Any:
    """The value given, or what the row holds when it is NULL."""
    return func.coalesce(bindparam(name, type_=column.type), column)


def _first(column: Any, name: str) -> Any:
    """What the row holds, or the value given when the row holds NULL."""
    return func.coalesce(column, bindparam(name, type_=column.type))


# A step's write of its case; ``ended_at``, ``data`` and ``terms`` left NULL keep what the row holds.
# ``terms`` (the search terms the step adds) is filed into case_term by a trigger
# (engine.persistence.search_index); ``opd`` and ``letter_number`` keep the first value set.
_SAVE_CASE_VALUES: dict[str, Any] = dict(
    version=bindparam("new_version"),
    ended_at=_kept(INSTANCES.c.ended_at, "ended_at"), data_json=_kept(INSTANCES.c.data_json, "data"),
    state_json=bindparam("state"),
    # once confidential ("sifat surat: rahasia"), always: a later step never widens who reads it
    confidential=or_(INSTANCES.c.confidential, bindparam("confidential", type_=Boolean)),
    search_terms=_kept(INSTANCES.c.search_terms, "terms"), opd=_first(INSTANCES.c.opd, "opd"),
    letter_number=_first(INSTANCES.c.letter_number, "letter_number"))
_SAVED_CASE = update(INSTANCES).where(INSTANCES.c.id == bindparam("case_id"),
                                      INSTANCES.c.version == bindparam("old_version"))
# What only some steps change: the case's status (its last step) and its next timer. A step that leaves them
# as read sets neither: SQLite rewrites an index page for every indexed column an UPDATE sets, changed or not
# (two of a step's 25 pages). ``SAVE_CASE[sets_status_and_timer, sets_limits]``; the second for a step that
# moves the case's clock (engine.runtime.case_clock): its new limit and warning (``due_at``, ``warning_at``,
# NULL for none) go with it, in the same versioned write.
_MOVED: dict[str, Any] = {"status": bindparam("status"), "next_timer_at": bindparam("next_timer")}
_LIMITS: dict[str, Any] = {"due_at": bindparam("due_at"), "warning_at": bindparam("warning_at")}
SAVE_CASE = {(moved, limits): DirectStatement(_SAVED_CASE.values(
    {**_SAVE_CASE_VALUES, **(_MOVED if moved else {}), **(_LIMITS if limits else {})}))
    for moved in (False, True) for limits in (False, True)}
EVENTS = AuditEvent.__table__
_EVENT_COLUMNS = ["chain", "seq", "instance_id", "event_type", "actor", "at", "payload_json", "prev_hash", "hash"]
INSERT_EVENTS = DirectStatement(insert(EVENTS), columns=_EVENT_COLUMNS)

# An event of a chain whose head the same batch moves from the value read (ADVANCE_HEAD, before it): in
# only if the head is now at the batch's last event (``head_seq``, ``head_hash``), i.e. the move matched.
# So the events go in the batch of the writes, and a head another writer moved meanwhile leaves them out
# (they are numbered again from the head read locked, engine.runtime.unit_of_work).
INSERT_EVENTS_AFTER_MOVE = DirectStatement(insert(EVENTS).from_select(_EVENT_COLUMNS, select(
    *[bindparam(name, type_=EVENTS.c[name].type) for name in _EVENT_COLUMNS])
    .where(exists().where(HEADS.c.chain == bindparam("chain", type_=HEADS.c.chain.type),
                          HEADS.c.seq == bindparam("head_seq", type_=HEADS.c.seq.type),
                          HEADS.c.hash == bindparam("head_hash", type_=HEADS.c.hash.type)))))

# The chain head moves only from the value read: a writer that appended meanwhile makes it match nothing.
ADVANCE_HEAD = DirectStatement(
    update(HEADS).where(HEADS.c.chain == bindparam("chain_key"), HEADS.c.seq == bindparam("old_seq"))
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash")))


# Maker and checker (``pelaksana_berbeda_dari``): a step among ``in_0``.. that ``person`` completed in the case.
DONE_BY = DirectIn(lambda count: select(TASKS.c.element_id).where(
    TASKS.c.instance_id == bindparam("instance_id"), TASKS.c.element_id.in_(DirectIn.binds(count)),
    TASKS.c.state == "completed", TASKS.c.completed_by == bindparam("person")).limit(1))

# When the first task of a pair sharing its SOP time last started (engine.runtime.case_clock).
LAST_STARTED = DirectStatement(
    select(TASKS.c.created_at).where(TASKS.c.instance_id == bindparam("instance_id"),
                                     TASKS.c.element_id == bindparam("element_id"))
    .order_by(TASKS.c.created_at.desc()).limit(1))

# A step that waited on an outside party: its start, then its due time once the wait is recorded.
TASK_CREATED = DirectStatement(select(TASKS.c.created_at).where(TASKS.c.id == bindparam("task_id")))
SET_TASK_DUE = DirectStatement(update(TASKS).where(TASKS.c.id == bindparam("task_id")).values(
    due_at=bindparam("due_at")))

# The case's start and each of its tasks (none: one row of NULL task columns), for its limit.
CASE_TASK_TIMES = DirectStatement(
    select(INSTANCES.c.started_at.label("case_started_at"), TASKS.c.id, TASKS.c.element_id, TASKS.c.created_at,
           TASKS.c.completed_at, TASKS.c.data_json, TASKS.c.state)
    .select_from(INSTANCES.outerjoin(TASKS, TASKS.c.instance_id == INSTANCES.c.id))
    .where(INSTANCES.c.id == bindparam("instance_id")))
