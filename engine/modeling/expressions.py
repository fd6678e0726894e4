"""Safe evaluation of the expressions a model may contain (gateway conditions, timer texts).

Model text never reaches Python's ``eval``/``exec``: it is parsed, checked against a small
whitelist of syntax, and evaluated by simpleeval. Camunda's ``${…}``, ``true``/``false``/``null``
and ``&&``/``||``/``!`` are accepted so files from Camunda Modeler work unchanged.
"""
from __future__ import annotations

import ast
import re
import time
from functools import lru_cache
from typing import Any, Callable, Mapping

from simpleeval import DEFAULT_OPERATORS, EvalWithCompoundTypes, InvalidExpression
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
)

from engine.errors import ExecutionError, ExpressionTooCostly, ModelBoundExceeded, UnsafeExpression
from engine.modeling.messages import Text
from engine.modeling.timer_bounds import timer_problem

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


# Bounds on one expression, so a model cannot exhaust the server: its text and nesting (checked at
# deploy), and what its evaluation may build (every value, before it is allocated) and take. ``**`` and
# ``<<`` are not in the whitelist at all; ``range`` is no function here.
MAX_EXPRESSION_CHARS = 2_000
MAX_DEPTH = 40
MAX_VALUE_SIZE = 100_000  # characters of a text, items (of every level) of a list
MAX_INT_BITS = 4_096
MAX_SECONDS = 1.0
_FORMAT_FIELD = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.)", re.DOTALL)


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
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise UnsafeExpression(f"Ekspresi terlalu panjang ({len(expression)} karakter, paling banyak "
                               f"{MAX_EXPRESSION_CHARS})", expression=expression[:200])
    text = normalize(expression)
    if _ISO_LITERAL.match(text):
        return text
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise UnsafeExpression(f"Ekspresi tidak dapat dibaca: {expression!r} ({exc.msg})",
                               expression=expression) from exc
    except (RecursionError, MemoryError) as exc:
        raise UnsafeExpression(f"Ekspresi terlalu bertingkat: {expression[:200]!r}",
                               expression=expression[:200]) from exc
    if _depth(tree) > MAX_DEPTH:
        raise UnsafeExpression(f"Ekspresi terlalu bertingkat (lebih dari {MAX_DEPTH} tingkat): {expression!r}",
                               expression=expression)
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


def _depth(tree: ast.AST) -> int:
    """How deeply the tree nests (iteratively: a deep tree must not exhaust the stack here)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node))
    return deepest


def is_constant(expression: str) -> bool:
    """A checked expression that reads no case data (so deploy can evaluate it once)."""
    text = check(expression)
    return bool(_ISO_LITERAL.match(text)) or _reads_nothing(ast.parse(text, mode="eval"))


def syntax_tree(expression: str) -> ast.Expression | None:
    """The parsed expression, for reading which fields it uses; None for an unsafe expression (deploy
    reports it on its own) or an ISO date/duration literal (it reads no field)."""
    try:
        text = check(expression)
    except UnsafeExpression:
        return None
    return None if _ISO_LITERAL.match(text) else ast.parse(text, mode="eval")


def constant_parts(expression: str) -> list[str]:
    """The outermost computations of a checked expression that read no case data (``'%09d' % 1`` in
    ``len('%09d' % 1) > n``): deploy evaluates them, so a bound they break is found before any case."""
    text = check(expression)
    if _ISO_LITERAL.match(text):
        return []
    parts, stack = [], [ast.parse(text, mode="eval").body]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.BinOp, ast.Call)) and _reads_nothing(node):
            parts.append(ast.unparse(node))
        else:
            stack.extend(n for n in ast.iter_child_nodes(node) if isinstance(n, ast.expr))
    return parts


def _reads_nothing(tree: ast.AST) -> bool:
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return all(node.id in CONSTANTS or id(node) in called
               for node in ast.walk(tree) if isinstance(node, ast.Name))


def evaluate(expression: str, data: Mapping[str, Any]) -> Any:
    """Evaluate a checked expression against case data, within the bounds above.

    :raises UnsafeExpression: the expression uses syntax outside the whitelist
    :raises ExpressionTooCostly: a value would grow past a bound, or the evaluation takes too long
    :raises ExecutionError: a name is missing or the evaluation fails
    """
    text = check(expression)
    if _ISO_LITERAL.match(text):
        return text
    names = {**CONSTANTS, **data}
    try:
        return _BoundedEval(names).eval(text, _parsed(text))
    except ExpressionTooCostly as exc:
        raise ExpressionTooCostly(f"Ekspresi {expression!r} dihentikan: {exc.message}", expression=expression,
                                  limit=exc.context.get("limit", "")) from None
    except (InvalidExpression, TypeError, ValueError, ZeroDivisionError, KeyError, IndexError,
            ArithmeticError, RecursionError) as exc:
        raise ExecutionError(f"Ekspresi {expression!r} gagal dievaluasi: {exc}", expression=expression) from exc


def size_of(value: Any, limit: int = MAX_VALUE_SIZE) -> int:
    """Characters of a text, items of a list (every level); stops counting past ``limit``."""
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, (str, bytes)):
            total += len(item)
        elif isinstance(item, dict):
            total += len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += len(item)
            stack.extend(item)
        elif isinstance(item, int) and item.bit_length() > MAX_INT_BITS:
            raise _too_costly("angka terlalu besar", "int")
        else:
            total += 1
    return total


def _too_costly(why: str, limit: str) -> ExpressionTooCostly:
    return ExpressionTooCostly(why, limit=limit)


def _bounded(value: Any) -> Any:
    if size_of(value) > MAX_VALUE_SIZE:
        raise _too_costly(f"hasilnya melebihi {MAX_VALUE_SIZE} karakter atau butir", "size")
    return value


def _mult(a: Any, b: Any) -> Any:
    for seq, count in ((a, b), (b, a)):
        if isinstance(count, int) and not isinstance(seq, (int, float)) and hasattr(seq, "__len__"):
            if count > 0 and size_of(seq) * count > MAX_VALUE_SIZE:
                raise _too_costly(f"hasilnya melebihi {MAX_VALUE_SIZE} karakter atau butir", "size")
    if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b.bit_length() > MAX_INT_BITS:
        raise _too_costly("angka terlalu besar", "int")
    return _bounded(a * b)


def _mod(a: Any, b: Any) -> Any:
    """``%``: for a text, each field's width and precision is bounded before formatting."""
    if isinstance(a, str):
        for width, precision, _ in _FORMAT_FIELD.findall(a):
            for number in (width, precision):
                if number == "*" or (number and (len(number) > 6 or int(number) > MAX_VALUE_SIZE)):
                    raise _too_costly(f"lebar format melebihi {MAX_VALUE_SIZE} karakter", "size")
        _bounded(b)
    elif isinstance(b, str) or isinstance(a, (list, tuple, dict)):
        raise TypeError("operator % hanya untuk angka atau teks format")
    return _bounded(a % b)


def _add(a: Any, b: Any) -> Any:
    if not isinstance(a, (int, float)) and hasattr(a, "__len__") and hasattr(b, "__len__") and \
            size_of(a) + size_of(b) > MAX_VALUE_SIZE:
        raise _too_costly(f"hasilnya melebihi {MAX_VALUE_SIZE} karakter atau butir", "size")
    return _bounded(a + b)


# The operators that can build a large value; the others only compare or shrink.
_OPERATORS: dict[type[ast.AST], Callable[..., Any]] = {**DEFAULT_OPERATORS, ast.Add: _add, ast.Mult: _mult,
                                                       ast.Mod: _mod}


def _str(*args: Any) -> str:
    """``str``: the text of a list can be far longer than the list, so its size is bounded first."""
    for arg in args:
        _bounded(arg)
    return str(_bounded(str(*args)))


_BOUNDED_FUNCTIONS = {**FUNCTIONS, "str": _str}


class _BoundedEval(EvalWithCompoundTypes):  # type: ignore[misc]  # simpleeval is untyped
    """simpleeval with every operator and function bounded, and a deadline checked at every node."""

    def __init__(self, names: Mapping[str, Any]) -> None:
        super().__init__(operators=_OPERATORS, names=dict(names), functions=_BOUNDED_FUNCTIONS)
        self._deadline = time.monotonic() + MAX_SECONDS

    def _eval(self, node: ast.AST) -> Any:
        if time.monotonic() > self._deadline:
            raise _too_costly(f"perhitungan melebihi {MAX_SECONDS:g} detik", "time")
        return super()._eval(node)


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


_TIMER_KINDS = ((TimeDateEventDefinition, "timeDate"), (DurationTimerEventDefinition, "timeDuration"),
                (CycleTimerEventDefinition, "timeCycle"))


class SafeScriptEngine(PythonScriptEngine):  # type: ignore[misc]  # SpiffWorkflow is untyped
    """The safe environment, and a timer text read from case data checked for range before
    SpiffWorkflow computes dates with it (a constant one was checked at deploy)."""

    def evaluate(self, task: Any, expression: str, external_context: dict[str, Any] | None = None) -> Any:
        value = super().evaluate(task, expression, external_context)
        definition = getattr(task.task_spec, "event_definition", None)
        kind = next((k for cls, k in _TIMER_KINDS if isinstance(definition, cls)), None)
        if kind is not None and expression == getattr(definition, "expression", None):
            problem = timer_problem(kind, value)
            if problem is not None:
                where = Text.of("where.timer", event=str(getattr(task.task_spec, "bpmn_name", None)
                                                         or task.task_spec.bpmn_id))
                text = Text.of("timer.out_of_range", where=where, why=problem)
                raise WorkflowTaskException(text.render("en"), task=task) from ModelBoundExceeded(
                    text.render("id"), text=text)
        return value


SAFE_SCRIPT_ENGINE = SafeScriptEngine(environment=SafeEnvironment())
