"""Inputs of the engine: the indicator framework (a hierarchy of any depth) and the data matrix.

A `Framework` is validated and compiled once: nodes are reordered so that indicators (leaves) come
first, then aggregates grouped by height, and every aggregation level becomes a small set of index
arrays. Every later step works on those arrays instead of walking the tree, which is what lets
aggregation run as matrix products over units and replications.

Errors carry the node code and the field (or the unit and the column) they are about, so that a
caller that knows where the inputs came from (the CLI, a Django form) can name the file, row and
column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]


class EngineError(ValueError):
    """Base of every error the engine raises about its inputs; the message is meant for a user."""


class FrameworkError(EngineError):
    """Something is wrong with the hierarchy or the metadata of one node (or several)."""

    def __init__(self, message: str, codes: Sequence[str] = (), field: str | None = None) -> None:
        super().__init__(message)
        self.codes: tuple[str, ...] = tuple(codes)
        self.field = field


class DataError(EngineError):
    """Something is wrong with a value of the data matrix (a unit and a column)."""

    def __init__(self, message: str, unit: str | None = None, column: str | None = None) -> None:
        super().__init__(message)
        self.unit = unit
        self.column = column


class SettingsError(EngineError):
    """A setting has a value the engine cannot use."""


@dataclass(frozen=True)
class Node:
    """One row of indicator metadata: an indicator (a leaf) or an aggregate.

    `weight` is relative to the node's siblings (it is normalised within the parent), `polarity` is
    +1 when more is better and -1 when less is better, `denominator` names a data column the
    indicator is divided by, `target` is used by distance-to-target normalisation.
    """

    code: str
    parent: str | None = None
    weight: float | None = None
    polarity: int = 1
    denominator: str | None = None
    target: float | None = None


@dataclass(frozen=True)
class Step:
    """One aggregation level: the aggregates of one height and their children.

    `parents` are node indices (a contiguous range); `children` are node indices grouped by parent;
    `segment[k]` is the position in `parents` of the parent of `children[k]`.
    """

    height: int
    parents: IntArray
    children: IntArray
    segment: IntArray


@dataclass(frozen=True, eq=False)
class Framework:
    """A validated hierarchy indicator → … → index, compiled to index arrays.

    Build it with `Framework.build(nodes)`. Node order: indicators first (in the order given), then
    aggregates by increasing height (height = longest path down to an indicator), so that the
    aggregates of one level are contiguous and are computed after all their children.
    """

    nodes: tuple[Node, ...]
    codes: tuple[str, ...]
    n_leaves: int
    parent: IntArray
    height: IntArray
    steps: tuple[Step, ...]
    polarity: FloatArray
    targets: FloatArray
    given_weights: FloatArray
    denominators: tuple[str | None, ...]
    index_of: Mapping[str, int] = field(repr=False)

    @property
    def leaf_codes(self) -> tuple[str, ...]:
        """Indicator codes, in the order of the columns of every indicator matrix."""
        return self.codes[: self.n_leaves]

    @property
    def aggregate_codes(self) -> tuple[str, ...]:
        return self.codes[self.n_leaves :]

    @property
    def root(self) -> int:
        return len(self.codes) - 1

    @property
    def root_code(self) -> str:
        return self.codes[-1]

    @property
    def level(self) -> IntArray:
        """COINr's level numbering: indicators are level 1, their parents level 2, and so on."""
        return self.height + 1

    def children_of(self, code: str) -> tuple[str, ...]:
        index = self.index_of[code]
        return tuple(self.codes[i] for i in np.flatnonzero(self.parent == index))

    @classmethod
    def build(cls, nodes: Sequence[Node]) -> Framework:
        """Validate the nodes and compile the hierarchy; raise `FrameworkError` naming the nodes at fault."""
        by_code = _check_codes(nodes)
        root = _find_root(nodes)
        children: dict[str, list[str]] = {node.code: [] for node in nodes}
        for node in nodes:
            if node.parent is not None:
                if node.parent not in by_code:
                    raise FrameworkError(
                        f"{node.code}: its parent {node.parent!r} is not a code of any row",
                        [node.code],
                        "parent",
                    )
                children[node.parent].append(node.code)
        _check_acyclic(nodes, by_code, root)
        leaves = [node.code for node in nodes if not children[node.code]]
        if root.code in leaves:
            raise FrameworkError(f"{root.code}: the index has no indicators under it", [root.code], "parent")
        height = _heights(root.code, children)
        aggregates = sorted(
            (node.code for node in nodes if children[node.code]),
            key=lambda code: height[code],
        )
        # a stable sort keeps the given order within a height; the root is the only node of its height
        codes = tuple(leaves + aggregates)
        index_of = {code: i for i, code in enumerate(codes)}
        for node in nodes:
            _check_node_fields(node, is_leaf=not children[node.code])

        parent = np.array(
            [index_of[p] if (p := by_code[code].parent) is not None else -1 for code in codes], dtype=np.intp
        )
        heights = np.array([height[code] for code in codes], dtype=np.intp)
        steps = []
        for h in range(1, int(heights.max()) + 1):
            parents = np.flatnonzero(heights == h)
            child_lists = [np.flatnonzero(parent == p) for p in parents]
            steps.append(
                Step(
                    height=h,
                    parents=parents.astype(np.intp),
                    children=np.concatenate(child_lists).astype(np.intp),
                    segment=np.repeat(np.arange(len(parents)), [len(c) for c in child_lists]).astype(np.intp),
                )
            )
        leaf_nodes = [by_code[code] for code in leaves]
        return cls(
            nodes=tuple(nodes),
            codes=codes,
            n_leaves=len(leaves),
            parent=parent,
            height=heights,
            steps=tuple(steps),
            polarity=np.array([float(n.polarity) for n in leaf_nodes]),
            targets=np.array([np.nan if n.target is None else float(n.target) for n in leaf_nodes]),
            given_weights=np.array([np.nan if (w := by_code[c].weight) is None else float(w) for c in codes]),
            denominators=tuple(n.denominator for n in leaf_nodes),
            index_of=index_of,
        )


def _check_codes(nodes: Sequence[Node]) -> dict[str, Node]:
    by_code: dict[str, Node] = {}
    for node in nodes:
        if not node.code or not node.code.strip():
            raise FrameworkError("a row has an empty code", [], "code")
        if node.code in by_code:
            raise FrameworkError(f"{node.code}: the code appears twice", [node.code], "code")
        by_code[node.code] = node
    if not by_code:
        raise FrameworkError("the metadata has no rows", [], None)
    return by_code


def _find_root(nodes: Sequence[Node]) -> Node:
    roots = [node for node in nodes if node.parent is None]
    if len(roots) > 1:
        names = ", ".join(node.code for node in roots)
        raise FrameworkError(
            f"{len(roots)} rows have no parent ({names}); exactly one (the index) may have none",
            [node.code for node in roots],
            "parent",
        )
    if not roots:
        raise FrameworkError(
            "every row has a parent, so there is no index (the hierarchy is a cycle)",
            [node.code for node in nodes],
            "parent",
        )
    return roots[0]


def _check_acyclic(nodes: Sequence[Node], by_code: Mapping[str, Node], root: Node) -> None:
    reaches_root: set[str] = {root.code}
    for node in nodes:
        path: list[str] = []
        seen: set[str] = set()
        code: str | None = node.code
        while code is not None and code not in reaches_root:
            if code in seen:
                cycle = path[path.index(code) :]
                raise FrameworkError(
                    "the hierarchy has a cycle: " + " → ".join([*cycle, code]),
                    cycle,
                    "parent",
                )
            seen.add(code)
            path.append(code)
            code = by_code[code].parent
        reaches_root.update(path)


def _heights(root: str, children: Mapping[str, list[str]]) -> dict[str, int]:
    height: dict[str, int] = {}
    # iterative post-order: a node's height is known once all its children's are
    stack: list[tuple[str, bool]] = [(root, False)]
    while stack:
        code, expanded = stack.pop()
        if expanded:
            kids = children[code]
            height[code] = 1 + max(height[k] for k in kids) if kids else 0
        else:
            stack.append((code, True))
            stack.extend((k, False) for k in children[code])
    return height


def _check_node_fields(node: Node, *, is_leaf: bool) -> None:
    if node.weight is not None and (not np.isfinite(node.weight) or node.weight < 0):
        raise FrameworkError(
            f"{node.code}: the weight must be a number ≥ 0, not {node.weight!r}", [node.code], "weight"
        )
    if node.polarity not in (1, -1):
        raise FrameworkError(
            f"{node.code}: polarity must be positive (1) or negative (-1)", [node.code], "polarity"
        )
    if node.target is not None and not np.isfinite(node.target):
        raise FrameworkError(f"{node.code}: the target must be a finite number", [node.code], "target")
    if not is_leaf and node.denominator:
        raise FrameworkError(
            f"{node.code}: only indicators can have a denominator, and {node.code} is an aggregate",
            [node.code],
            "denominator",
        )


@dataclass(frozen=True, eq=False)
class Dataset:
    """The data matrix: one row per unit, one column per indicator or denominator, NaN where missing.

    `groups` (one label per unit, or None) is what group-wise imputation and the explanations'
    peer medians use.
    """

    units: tuple[str, ...]
    columns: tuple[str, ...]
    values: FloatArray
    groups: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        values = np.asarray(self.values, dtype=np.float64)
        object.__setattr__(self, "values", values)
        if values.shape != (len(self.units), len(self.columns)):
            raise DataError(
                f"the data matrix is {values.shape[0]}×{values.shape[1]} but there are "
                f"{len(self.units)} units and {len(self.columns)} columns"
            )
        seen: set[str] = set()
        for unit in self.units:
            if unit in seen:
                raise DataError(f"unit {unit!r} appears twice", unit=unit)
            seen.add(unit)
        if len(set(self.columns)) != len(self.columns):
            raise DataError("two columns have the same name")
        if self.groups is not None and len(self.groups) != len(self.units):
            raise DataError("there must be one group label per unit")
        if np.isinf(values).any():
            row, col = np.argwhere(np.isinf(values))[0]
            raise DataError("infinite values are not allowed", unit=self.units[row], column=self.columns[col])

    def column_matrix(self, names: Sequence[str | None]) -> FloatArray:
        """The columns named (None gives a column of NaN), as a units × len(names) matrix."""
        position = {name: i for i, name in enumerate(self.columns)}
        out = np.full((len(self.units), len(names)), np.nan)
        for j, name in enumerate(names):
            if name is None:
                continue
            if name not in position:
                raise DataError(f"the data has no column {name!r}", column=name)
            out[:, j] = self.values[:, position[name]]
        return out
