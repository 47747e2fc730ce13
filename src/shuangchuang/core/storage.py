"""The file store for uploads on a directory (MEDIA_STORAGE=filesystem).

Django's FileSystemStorage leaves the part already written when writing fails (disk full, quota, I/O
error); the upload's database row is rolled back with its transaction, so the part would be an orphan
that fills the disk further. This one removes it and raises the error (the page says the file was not
saved: `core.errors`).
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedStaticFilesStorage


class UploadStorage(FileSystemStorage):
    def _save(self, name: str, content: Any) -> str:
        path = self.path(name)
        existed = os.path.lexists(path)
        try:
            saved: str = super()._save(name, content)  # type: ignore[misc]  # not in the stubs
            return saved
        except OSError:
            if not existed:  # only what this call began: never a file stored before under that name
                with contextlib.suppress(OSError):
                    os.remove(path)
            raise


class StaticStorage(CompressedStaticFilesStorage):
    """WhiteNoise's storage for the static files, with each file's URL worked out once per process: every
    page asks for the same few stylesheets and scripts (``{% static %}``), and Django joins and quotes the
    URL anew each time. The storage is made again when STATIC_URL or STATIC_ROOT change (Django's
    ``setting_changed``), and with it this memory."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str | None) -> str:
        if name is None:
            return super().url(name)
        found = self._urls.get(name)
        if found is None:
            found = self._urls[name] = super().url(name)
        return found
