"""Searching the experiences library in Chinese.

Chinese has no spaces between words, so both the texts and the query are cut into words by jieba (its
search mode, which also yields the shorter words inside a compound: 科技成果 gives 科技, 成果, 科技成果).
The words are stored with the experience (`search_title`, `search_body`: space-separated, a space at each
end); on PostgreSQL also as a weighted `tsvector` (title A, the rest — theme, keywords, text — C).

A query matches an experience that contains every word of the query's exact cut (成果转化 → 成果 + 转化,
so an experience about 科技成果转化 is found by 成果转化 too); when nothing contains all of them, any of
them will do. Matches are ranked by how often the query's words (search mode) occur, a word in the title
counting three times one in the text — on PostgreSQL with `ts_rank` over the weighted vector, elsewhere
by the same count in Python over the matching rows.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, overload

import jieba
from django.db import connection
from django.db.models import F, Q, QuerySet

if TYPE_CHECKING:
    from .models import Experience

jieba.setLogLevel(logging.WARNING)

TITLE_WEIGHT = 3.0
BODY_WEIGHT = 1.0
# Words that carry no meaning for a search: punctuation, single function characters.
STOP_WORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "等",
        "在",
        "是",
        "对",
        "为",
        "把",
        "被",
        "将",
        "并",
        "或",
        "也",
        "就",
        "都",
        "而",
        "以",
        "之",
        "其",
        "于",
        "中",
        "上",
        "下",
    ]
)
_WORD = re.compile(r"\w", re.UNICODE)


@lru_cache(maxsize=1)
def _tokenizer() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def _keep(word: str) -> bool:
    word = word.strip()
    return bool(word) and bool(_WORD.search(word)) and word not in STOP_WORDS


def search_words(text: str) -> list[str]:
    """jieba's search-mode words of `text` (compounds and the words inside them), lower case."""
    return [w.strip().lower() for w in _tokenizer().cut_for_search(text or "") if _keep(w)]


def exact_words(text: str) -> list[str]:
    """jieba's exact cut of `text`, without repeats: the words a match must contain."""
    return list(dict.fromkeys(w.strip().lower() for w in _tokenizer().cut(text or "") if _keep(w)))


def _joined(words: Iterable[str]) -> str:
    text = " ".join(words)
    return f" {text} " if text else ""


def index_words(experience: Experience) -> tuple[str, str]:
    """(title words, other words) to store with an experience; the theme's and the keywords' words come
    first in the second, so that the search vector can weigh them."""
    title = _joined(search_words(experience.title))
    body = _joined(
        search_words(" ".join([experience.get_theme_display(), experience.keywords]))
        + search_words(
            "\n".join(
                [experience.problem_solved, experience.actions, experience.results, experience.policy_basis]
            )
        )
    )
    return title, body


def refresh_search_vector(queryset: QuerySet[Any]) -> None:
    """On PostgreSQL: store the weighted vector of the stored words (no-op elsewhere)."""
    if connection.vendor != "postgresql":
        return
    from django.contrib.postgres.search import SearchVector

    queryset.update(
        search_vector=SearchVector("search_title", weight="A", config="simple")
        + SearchVector("search_body", weight="C", config="simple")
    )


def _contains(word: str) -> Q:
    return Q(search_title__contains=f" {word} ") | Q(search_body__contains=f" {word} ")


def score(title: str, body: str, words: list[str]) -> float:
    """The rank of one experience: occurrences of the words, a title word counting TITLE_WEIGHT times."""
    return sum(TITLE_WEIGHT * title.count(f" {w} ") + BODY_WEIGHT * body.count(f" {w} ") for w in words)


class RankedExperiences(Sequence["Experience"]):
    """Search results, best first: the ranked ids, and the experiences of a slice fetched when asked (a
    page of them), so that a search that matches many rows does not build every one. Django's `Paginator`
    takes it as it is."""

    def __init__(self, queryset: QuerySet[Experience], pks: list[int]) -> None:
        self.queryset = queryset
        self.pks = pks

    def __len__(self) -> int:
        return len(self.pks)

    def count(self) -> int:  # type: ignore[override]  # what Paginator asks
        return len(self.pks)

    def __iter__(self) -> Iterator[Experience]:
        return iter(self[:])  # one query for all of them

    @overload
    def __getitem__(self, index: int) -> Experience: ...
    @overload
    def __getitem__(self, index: slice) -> list[Experience]: ...
    def __getitem__(self, index: int | slice) -> Experience | list[Experience]:
        if isinstance(index, int):
            return self[index : index + 1 or None][0]
        wanted = self.pks[index]
        found = self.queryset.in_bulk(wanted)
        return [found[pk] for pk in wanted if pk in found]


def _ranked_sqlite(queryset: QuerySet[Experience], condition: Q, words: list[str]) -> list[int]:
    rows = list(queryset.filter(condition).values_list("pk", "search_title", "search_body"))
    rows.sort(key=lambda r: -score(r[1], r[2], words))  # stable: ties keep the latest published first
    return [pk for pk, _title, _body in rows]


def _ranked_postgresql(
    queryset: QuerySet[Experience], required: list[str], words: list[str], every: bool
) -> list[int]:
    from django.contrib.postgres.search import SearchQuery, SearchRank

    def terms(some: list[str], connector: str) -> SearchQuery:
        combined = SearchQuery(some[0], search_type="plain", config="simple")
        for word in some[1:]:
            other = SearchQuery(word, search_type="plain", config="simple")
            combined = combined & other if connector == "and" else combined | other
        return combined

    rank = SearchRank(
        F("search_vector"), terms(words, "or"), weights=[0.1, BODY_WEIGHT / TITLE_WEIGHT, 0.5, 1.0]
    )
    matching = queryset.filter(search_vector=terms(required, "and" if every else "or"))
    ordered = matching.annotate(rank=rank).order_by("-rank", F("published_at").desc(nulls_last=True), "-pk")
    return list(ordered.values_list("pk", flat=True))


def search(queryset: QuerySet[Experience], query: str) -> RankedExperiences:
    """The experiences of `queryset` matching `query`, best first: those that contain every exact word of
    the query, or when none does, any of them; ranked by the query's search-mode words."""
    required = exact_words(query)
    words = list(dict.fromkeys(search_words(query) + required))
    if not required:
        return RankedExperiences(queryset, [])
    if connection.vendor == "postgresql":
        pks = _ranked_postgresql(queryset, required, words, every=True)
        if not pks and len(required) > 1:
            pks = _ranked_postgresql(queryset, required, words, every=False)
    else:
        every, some = Q(), Q()
        for word in required:
            every &= _contains(word)
            some |= _contains(word)
        pks = _ranked_sqlite(queryset, every, words)
        if not pks and len(required) > 1:
            pks = _ranked_sqlite(queryset, some, words)
    return RankedExperiences(queryset, pks)
