"""Derived indicators: formulas over other indicators' codes, evaluated safely.

Syntax: numbers, indicator codes, + - * / and parentheses, and ``growth(CODE)`` — the change of CODE against
the same period a year before, in per cent. Anything else (attribute access, other calls, names that are not
codes) is refused when the formula is parsed, so a formula typed into the admin can never run code.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal, DivisionByZero, InvalidOperation
from functools import lru_cache

Number = Decimal | None
QUANTUM = Decimal("0.0001")

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


class FormulaError(ValueError):
    pass


@lru_cache(maxsize=512)
def parse_formula(formula: str) -> ast.Expression:
    try:
        tree = ast.parse(formula.strip(), mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"公式“{formula}”有语法错误") from exc
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not (
                isinstance(node.func, ast.Name)
                and node.func.id == "growth"
                and len(node.args) == 1
                and isinstance(node.args[0], ast.Name)
                and not node.keywords
            ):
                raise FormulaError(f"公式“{formula}”只允许使用 growth(指标代码)")
        elif isinstance(node, ast.Constant):
            if not isinstance(node.value, int | float) or isinstance(node.value, bool):
                raise FormulaError(f"公式“{formula}”中只能出现数字常量")
        elif (
            not isinstance(
                node, ast.Expression | ast.BinOp | ast.UnaryOp | ast.USub | ast.UAdd | ast.Name | ast.Load
            )
            and type(node) not in _BINARY
        ):
            raise FormulaError(f"公式“{formula}”包含不允许的运算：{type(node).__name__}")
    return tree


def references(formula: str) -> set[str]:
    """The indicator codes a formula reads (``growth`` itself is not a code)."""
    tree = parse_formula(formula)
    calls = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in calls}


def evaluate_formula(formula: str, values: Mapping[str, Number], previous: Mapping[str, Number]) -> Number:
    """The formula's value, or None when an input is missing or a division is by zero."""

    def visit(node: ast.AST) -> Number:
        if isinstance(node, ast.Expression):
            return visit(node.body)
        if isinstance(node, ast.Constant):
            return Decimal(str(node.value))
        if isinstance(node, ast.Name):
            value = values.get(node.id)
            return None if value is None else Decimal(value)
        if isinstance(node, ast.UnaryOp):
            operand = visit(node.operand)
            return None if operand is None else (-operand if isinstance(node.op, ast.USub) else operand)
        if isinstance(node, ast.Call):
            code = node.args[0].id  # type: ignore[attr-defined]
            now, before = values.get(code), previous.get(code)
            if now is None or before is None or Decimal(before) == 0:
                return None
            return (Decimal(now) - Decimal(before)) / abs(Decimal(before)) * 100
        if isinstance(node, ast.BinOp):
            left, right = visit(node.left), visit(node.right)
            if left is None or right is None:
                return None
            op = _BINARY[type(node.op)]
            try:
                if op == "+":
                    return left + right
                if op == "-":
                    return left - right
                if op == "*":
                    return left * right
                return None if right == 0 else left / right
            except (InvalidOperation, DivisionByZero):
                return None
        raise FormulaError(f"无法计算：{ast.dump(node)}")

    result = visit(parse_formula(formula))
    return None if result is None else result.quantize(QUANTUM, rounding=ROUND_HALF_UP)


def evaluation_order(formulas: Mapping[str, str]) -> list[str]:
    """Derived codes in an order where every derived input comes first; a cycle is an error."""
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(code: str, path: Iterable[str]) -> None:
        if state.get(code) == 2:
            return
        if state.get(code) == 1:
            raise FormulaError("派生指标的公式存在循环引用：" + " → ".join([*path, code]))
        state[code] = 1
        for ref in sorted(references(formulas[code])):
            if ref in formulas:
                visit(ref, [*path, code])
        state[code] = 2
        order.append(code)

    for code in sorted(formulas):
        visit(code, [])
    return order


@lru_cache(maxsize=64)
def _cached_order(formulas: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    """A form's derived indicators are the same for every report: order them once."""
    return tuple(evaluation_order(dict(formulas)))


def compute_derived(
    formulas: Mapping[str, str], values: Mapping[str, Number], previous: Mapping[str, Number]
) -> dict[str, Number]:
    """Every derived value of one report, given its entered values and the previous year's values."""
    current = dict(values)
    result: dict[str, Number] = {}
    for code in _cached_order(tuple(sorted(formulas.items()))):
        current[code] = result[code] = evaluate_formula(formulas[code], current, previous)
    return result
