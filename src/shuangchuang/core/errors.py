"""The page for a request that failed on the server (handler500 in config/urls.py), in the app's layout.

It is drawn without the database, so it also shows when the database is what failed:

- the database unreachable or restarting (OperationalError, InterfaceError): 503 with Retry-After, "the
  service is briefly unavailable, nothing was saved" — each request runs in a transaction or in single
  statements, so a request cut off by the database wrote nothing half;
- the disk or quota full (ENOSPC, EDQUOT) while a file is stored: 507, "the file was not saved" (the
  upload's row is rolled back and its partial file removed: `core.storage`);
- anything else: 500.

Each answer carries the request id of the logs (`core.observability`).
"""

from __future__ import annotations

import errno
import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .observability import request_id

logger = logging.getLogger("shuangchuang.errors")
STORAGE_FULL = {errno.ENOSPC, errno.EDQUOT}


def classify(error: BaseException | None) -> str:
    while error is not None:
        if isinstance(error, OperationalError | InterfaceError):
            return "database"
        if isinstance(error, OSError) and error.errno in STORAGE_FULL:
            return "storage"
        error = error.__cause__ or error.__context__
    return "other"


def server_error(request: HttpRequest) -> HttpResponse:
    kind = classify(sys.exc_info()[1])
    if kind == "database":
        status, heading = 503, _("服务暂时不可用")
        explanation = _("数据库暂时无法连接（例如正在重启），本次操作没有保存任何内容。请稍候片刻后重试。")
    elif kind == "storage":
        status, heading = 507, _("存储空间不足")
        explanation = _("服务器存储空间已满，文件没有保存，其他内容也未改动。请稍后重试，或告知系统管理员。")
    else:
        status, heading = 500, _("服务器出错")
        explanation = _("服务器处理本次请求时出错，操作没有完成。")
    logger.error("request failed: %s", kind, extra={"kind": kind, "status": status})
    rid = getattr(request, "request_id", "") or request_id.get()
    context = {
        "heading": heading,
        "explanation": explanation,
        "request_id": rid,
        "LANGUAGE_CODE": get_language(),
    }
    context["level"] = "warning" if status != 500 else "danger"
    response = HttpResponse(loader.render_to_string("500.html", context), status=status)
    if status == 503:
        response["Retry-After"] = "30"
    response["Cache-Control"] = "no-store"
    return response
