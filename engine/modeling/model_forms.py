"""Forms made or changed in the modeler's form panel, versioned with the model that uses them.

A form is named by its key, and a key's schema never changes once a deployed model uses it: changing a
form in the panel gives it a new key (``<key>_v2``, ``_v3`` ...), so the model's next version names the
new form while running cases, on their own version, keep theirs. The new forms reach the database in the
deploy's own transaction (``Deployer.deploy_bytes``); until then they travel with the model being edited
and the checks and the trial run read them from there.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import InvalidInput
from engine.modeling.form_builder import KEY, fields_of, kept_rules, parse_fields, schema_of
from engine.modeling.forms import FormRegistry
from engine.modeling.parser import sha256_of
from engine.modeling.roles import RoleCatalog
from engine.persistence.db import read_only_session
from engine.persistence.models import ModelForm
from engine.runtime.unit_of_work import UnitOfWork

_VERSION = re.compile(r"_v(\d+)$")
MAX_PENDING = 30


@dataclass(frozen=True)
class PendingForm:
    key: str
    schema: dict[str, Any]
    based_on: str | None


def form_json(schema: dict[str, Any]) -> str:
    """A schema as stored and hashed: the layout of ``forms/*.json``."""
    return json.dumps(schema, ensure_ascii=False, indent=2)


class ModelForms:
    def __init__(self, sessions: sessionmaker[Session], roles: RoleCatalog) -> None:
        self._sessions = sessions
        self._roles = roles
        self._known: dict[str, dict[str, Any]] = {}  # stored schemas never change: cached once read

    def stored_schema(self, form_key: str) -> dict[str, Any] | None:
        """The schema of a form stored by a deploy, or None."""
        if form_key in self._known:
            return self._known[form_key]
        # read outside any use case's transaction (a case's step may be parsing its model): no write lock
        with read_only_session(self._sessions) as session:
            text = session.scalar(select(ModelForm.schema_json).where(ModelForm.form_key == form_key))
        if text is None:
            return None
        schema: dict[str, Any] = json.loads(text)
        self._known[form_key] = schema
        return schema

    def stored_keys(self) -> list[str]:
        with read_only_session(self._sessions) as session:
            return sorted(session.scalars(select(ModelForm.form_key)))

    def field_index(self, forms: FormRegistry) -> dict[str, list[dict[str, Any]]]:
        """Every form's fields in short (name, label, kind, choices): what a condition may pick from."""
        index = {}
        for key in sorted({*forms.keys(), *self.stored_keys()}):
            index[key] = [{"name": f.name, "label": f.label, "kind": f.kind, "choices": f.choices}
                          for f in fields_of(forms.get(key).schema)]
        return index

    def outline(self, forms: FormRegistry, form_key: str) -> dict[str, Any]:
        """A form as the panel edits it: key, title, fields, and whether it may be changed under its own key
        (only a form no deployed model uses yet, i.e. one still pending, may)."""
        schema = forms.get(form_key).schema
        return {"key": form_key, "title": str(schema.get("title", form_key)),
                "fields": [f.outline() for f in fields_of(schema)], "kept_rules": kept_rules(schema)}

    @staticmethod
    def _english(forms: FormRegistry, existing: dict[str, Any] | None, body: dict[str, Any]) -> dict[str, Any] | None:
        """The form-level English (``x-en``) of the form the panel read, while its Indonesian title stands:
        the form itself, or the one a changed copy is based on."""
        source = existing
        based_on = body.get("based_on")
        if source is None and isinstance(based_on, str) and KEY.fullmatch(based_on):
            try:
                source = forms.get(based_on).schema
            except InvalidInput:
                source = None
        if source is None or source.get("title") != str(body.get("title", "")).strip():
            return None
        english = source.get("x-en")
        return english if isinstance(english, dict) else None

    @staticmethod
    def next_key(forms: FormRegistry, form_key: str, taken: frozenset[str] = frozenset()) -> str:
        """The key a changed copy of ``form_key`` gets: the first free ``<base>_vN`` (N from 2)."""
        base = _VERSION.sub("", form_key)
        number = 2
        while forms.exists(f"{base}_v{number}") or f"{base}_v{number}" in taken:
            number += 1
        return f"{base}_v{number}"

    def prepare(self, forms: FormRegistry, raw: Any) -> dict[str, PendingForm]:
        """The forms a model brings from the panel (``{key: {title, fields, based_on?, kept_rules?}}``) as
        schemas; a key already in use must bring exactly its schema.

        :raises InvalidInput: a bad key, a key another form has, a field the builder refuses (the context
            names the form key and the field)
        """
        if raw is None:
            return {}
        if not isinstance(raw, dict) or len(raw) > MAX_PENDING:
            raise InvalidInput("Daftar formulir baru tidak valid.", field="forms", reason="forms")
        pending = {}
        for key, body in raw.items():
            if not isinstance(key, str) or not KEY.fullmatch(key):
                raise InvalidInput(f"Kunci formulir '{key}' harus huruf kecil, angka dan garis bawah (3-100 karakter, "
                                   "diawali huruf).", field="form_key", form_key=str(key), reason="form_key")
            if not isinstance(body, dict):
                raise InvalidInput("Daftar formulir baru tidak valid.", field="forms", reason="forms")
            existing = forms.get(key).schema if forms.is_file(key) or self.stored_schema(key) is not None else None
            try:
                schema = schema_of(str(body.get("title", "")), parse_fields(body.get("fields")),
                                   set(self._roles.roles), _rules(body.get("kept_rules")),
                                   self._english(forms, existing, body))
            except InvalidInput as exc:
                raise InvalidInput(f"Formulir '{key}': {exc.message}", form_key=key, **exc.context) from exc
            if existing is not None and existing != schema:  # the same form, whatever its keys' order
                raise InvalidInput(f"Formulir '{key}' sudah dipakai model yang di-deploy dan tidak dapat diubah; "
                                   f"simpan perubahan sebagai formulir baru, mis. '{ModelForms.next_key(forms, key)}'.",
                                   field="form_key", form_key=key, reason="form_in_use")
            if existing is None:
                based_on = body.get("based_on")
                pending[key] = PendingForm(key, schema, based_on if isinstance(based_on, str) and based_on else None)
        return pending

    @staticmethod
    def store(work: UnitOfWork, pending: dict[str, PendingForm], process_key: str, actor: str,
              now: datetime) -> dict[str, str]:
        """Store the new forms a deployed model uses (within the deploy); their keys and sha256."""
        stored = {}
        for form in pending.values():
            text = form_json(form.schema)
            if work.session.scalar(select(ModelForm.id).where(ModelForm.form_key == form.key)) is not None:
                continue  # the same schema (prepare refused another one), stored by an earlier deploy
            work.session.add(ModelForm(form_key=form.key, title=str(form.schema.get("title", form.key)),
                                       schema_json=text, sha256=sha256_of(text.encode("utf-8")),
                                       based_on=form.based_on, process_key=process_key, created_by=actor,
                                       created_at=now))
            stored[form.key] = sha256_of(text.encode("utf-8"))
        return stored


def _rules(raw: Any) -> list[dict[str, Any]]:
    return [rule for rule in raw if isinstance(rule, dict)] if isinstance(raw, list) else []
