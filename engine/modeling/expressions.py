"""Safe evaluation of the expressions a model may contain (gateway conditions, timer texts).

Model text never reaches Python's ``eval``/``exec``: it is parsed, checked against a small
whitelist of syntax, and evaluated by simpleeval. Camunda's ``${…}``, ``true``/``false``/``null``
and ``&&``/``||``/``!`` are accepted so files from Camunda Modeler work unchanged.
"""
from __future__ import annotations

import ast
import re
from functools import lru_cache
from typing import Any, Mapping

from simpleeval import EvalWithCompoundTypes, InvalidExpression
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine.errors import ExecutionError, UnsafeExpression

FUNCTIONS = {"len": len, "int": int, "str": str, "float": float, "bool": bool, "min": min,
             "max": max, "abs": abs, "round": round}
CONSTANTS = {"true": True, "false": False, "null": None, "True": True, "False": False, "None": None}

_ALLOWED_NODES = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd,
    ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Mod, ast.FloorDiv,
    ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn,
    ast.Is, ast.IsNot, ast.Name, ast.Load, ast.Constant, ast.Call, ast.List, ast.Tuple,
    ast.Subscript, ast.IfExp,
)
# ISO-8601 literals as Camunda Modeler writes timers: durations, cycles and instants.
_ISO_LITERAL = re.compile(
    r"^(R\d*/)?([0-9T:+\-.Z]+/)?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"
    r"|^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+\-]\d{2}:?\d{2})?)?$"
)


def is_iso_literal(text: str) -> bool:
    """A normalized timer text that is an ISO-8601 literal (it reads no case data)."""
    return _ISO_LITERAL.match(text) is not None


def normalize(expression: str) -> str:
    """Turn Camunda/JUEL spelling into the small Python subset we evaluate."""
    text = expression.strip()
    if text.startswith("${") and text.endswith("}"):
        text = text[2:-1].strip()
    text = text.replace("&&", " and ").replace("||", " or ")
    return re.sub(r"!(?!=)", " not ", text)


@lru_cache(maxsize=1024)
def check(expression: str) -> str:
    """Return the normalized expression, or raise UnsafeExpression naming what is not allowed.

    Cached: a model's few expressions are checked once, not at every gateway they guard.
    """
    text = normalize(expression)
    if _ISO_LITERAL.match(text):
        return text
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise UnsafeExpression(f"Ekspresi tidak dapat dibaca: {expression!r} ({exc.msg})",
                               expression=expression) from exc
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise UnsafeExpression(
                f"Ekspresi tidak diizinkan ({type(node).__name__}): {expression!r}", expression=expression)
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise UnsafeExpression(f"Nama tidak diizinkan '{node.id}': {expression!r}", expression=expression)
        if isinstance(node, ast.Call) and (
                not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords):
            raise UnsafeExpression(f"Fungsi tidak diizinkan: {expression!r}", expression=expression)
        if isinstance(node, ast.Constant) and not isinstance(node.value, (str, int, float, bool, type(None))):
            raise UnsafeExpression(f"Literal tidak diizinkan: {expression!r}", expression=expression)
    return text


def evaluate(expression: str, data: Mapping[str, Any]) -> Any:
    """Evaluate a checked expression against case data.

    :raises UnsafeExpression: the expression uses syntax outside the whitelist
    :raises ExecutionError: a name is missing or the evaluation fails
    """
    text = check(expression)
    if _ISO_LITERAL.match(text):
        return text
    names = {**CONSTANTS, **data}
    try:
        return EvalWithCompoundTypes(names=names, functions=FUNCTIONS).eval(text, _parsed(text))
    except (InvalidExpression, TypeError, ValueError, ZeroDivisionError, KeyError, IndexError) as exc:
        raise ExecutionError(f"Ekspresi {expression!r} gagal dievaluasi: {exc}", expression=expression) from exc


@lru_cache(maxsize=1024)
def _parsed(text: str) -> ast.AST:
    """simpleeval's tree of a checked expression (evaluation never changes it)."""
    tree: ast.AST = EvalWithCompoundTypes.parse(text)  # simpleeval is untyped
    return tree


class SafeEnvironment(BasePythonScriptEngineEnvironment):  # type: ignore[misc]  # SpiffWorkflow is untyped
    """SpiffWorkflow script environment that evaluates expressions safely and runs no scripts."""

    def evaluate(self, expression: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> Any:
        return evaluate(expression, {**(external_context or {}), **context})

    def execute(self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> bool:
        raise PermissionError("script tasks are disabled in Alur")

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise PermissionError("service tasks are disabled in Alur")


SAFE_SCRIPT_ENGINE = PythonScriptEngine(environment=SafeEnvironment())
