"""Counts, medians and percentiles ranked by the database, and the loops of a model (rework flows)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, case, func, or_, select


@dataclass(frozen=True)
class Distribution:
    """Of one group of rows: how many, how many on time of how many timed, the median and 90th percentile."""

    count: int = 0
    on_time: int = 0
    timed: int = 0
    median: float | None = None
    p90: int | None = None


def distributions(connection: Connection, group: Any, value: Any, on_time: Any,
                  where: Sequence[Any]) -> dict[Any, Distribution]:
    """Per value of ``group``: the rows matching ``where`` counted (one aggregate query), then their
    ``value`` ranked by the database (a window function, on SQLite and PostgreSQL alike) and only the
    middle and 90th-percentile rows of each group fetched, so the cost stays in the database however many
    rows the period holds. The median of an even count is the mean of the two middle values; the 90th
    percentile is the nearest rank (the smallest value that at least 90% of the rows reach)."""
    hit = case((on_time.is_(True), 1), else_=0)
    counts = {g: (n, int(hits or 0), timed) for g, n, hits, timed in connection.execute(
        select(group, func.count(), func.sum(hit), func.count(on_time)).where(*where).group_by(group))}
    if not counts:
        return {}
    ranks = {g: {(n + 1) // 2, (n + 2) // 2, (n * 9 + 9) // 10} for g, (n, _, _) in counts.items()}
    ranked = select(group.label("g"), value.label("v"),
                    func.row_number().over(partition_by=group, order_by=value).label("rn")).where(*where).subquery()
    wanted = or_(*[and_(ranked.c.g == g, ranked.c.rn.in_(sorted(rows))) for g, rows in ranks.items()])
    at: dict[Any, dict[int, Any]] = {}
    for g, v, rn in connection.execute(select(ranked.c.g, ranked.c.v, ranked.c.rn).where(wanted)):
        at.setdefault(g, {})[rn] = v
    result = {}
    for g, (n, hits, timed) in counts.items():
        values = at.get(g, {})
        middle = [values[rn] for rn in {(n + 1) // 2, (n + 2) // 2} if values.get(rn) is not None]
        result[g] = Distribution(n, hits, timed, sum(middle) / len(middle) if middle else None,
                                 values.get((n * 9 + 9) // 10))
    return result


def back_edges(flows: dict[tuple[str, str], tuple[str | None, str]]) -> set[str]:
    """The flows that lead back into a loop of steps already passed (rework), by flow id: the back
    edges of a depth-first walk from the start events (the nodes no flow enters)."""
    graph: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for (source, target), (flow_id, _) in flows.items():
        graph[source].append((target, flow_id))
    entered = {target for _, target in flows}
    back: set[str] = set()
    state: dict[str, int] = {}  # 1: on the walk's path, 2: done
    for root in [node for node in graph if node not in entered]:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(graph[root]))]
        while stack:
            node, edges = stack[-1]
            step = next(edges, None)
            if step is None:
                state[node] = 2
                stack.pop()
                continue
            target, flow_id = step
            if state.get(target) == 1:
                if flow_id:
                    back.add(flow_id)
            elif target not in state:
                state[target] = 1
                stack.append((target, iter(graph[target])))
    return back
