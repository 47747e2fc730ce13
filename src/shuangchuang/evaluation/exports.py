"""Evaluation results as an Excel workbook, as officials file them."""

from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Font

from shuangchuang.core.tabular import safe_text

from .models import EvaluationRun, RunResult


def results_workbook(run: EvaluationRun, results: Iterable[RunResult]) -> bytes:
    names = run.diagnostics.get("names", {})
    codes = [c for c in names if c != "INDEX"]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "评估结果"
    header = [
        "排名",
        "基地编号",
        "基地名称",
        "同类分组",
        "同类排名",
        "综合得分",
        "排名中位数",
        "排名区间(5%)",
        "排名区间(95%)",
    ]
    header += [names[c] for c in codes]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r in results:
        row = [
            r.rank,
            r.base.code,
            r.base.current_name,
            r.peer_group,
            r.peer_rank,
            r.score,
            r.median_rank,
            r.rank_p05,
            r.rank_p95,
        ]
        row += [r.scores.get(c) for c in codes]
        sheet.append([safe_text(v) for v in row])
    info = workbook.create_sheet("说明")
    info.append(["评估方案", str(run.scheme)])
    info.append(["输入指纹", run.fingerprint])
    info.append(["随机种子", run.seed])
    info.append(["完成时间", run.finished_at.strftime("%Y-%m-%d %H:%M") if run.finished_at else ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
