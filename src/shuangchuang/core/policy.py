"""One access policy for every way in: pages, services, Excel, evidence, exports, commands, the admin, the API.

Two questions, each answered in one place (NetBox's model: `RestrictedQuerySet.restrict(user, action)`):

- **Which objects may this user reach for an action?** Every model a user reaches has a manager built on
  `RestrictedQuerySet`; its `scope(user, action)` returns the condition, and `restrict(user, action)`
  applies it. A view fetches with `get_restricted(Model.objects, user, pk=…)`, so an object outside the
  user's scope is the same 404 as one that does not exist.
- **May this user do this, to this object, now?** `may(user, "app.action", obj)` looks up the rule that
  the app owning the action registered with `@rule("app.action")` in its `policy.py` (imported by the
  app's `AppConfig.ready`). Rules hold what depends on role and state (a report may be submitted by its
  base's operator while it is a draft); what depends only on scope stays in `restrict`.

Unknown actions raise `UnknownAction` instead of answering False, so that a typo fails loudly in tests.
Inactive and anonymous users may nothing and reach nothing, whatever a rule says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

_M = TypeVar("_M", bound=models.Model)

VIEW = "view"
CHANGE = "change"

# What `scope` returns: a condition on the model, EVERYTHING, or NOTHING.
EVERYTHING = Q()
NOTHING = None

Rule = Callable[[Any, Any], bool]
_RULES: dict[str, Rule] = {}


class UnknownAction(ImproperlyConfigured):
    """`may` was asked about an action that no app registered."""


def is_active_user(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


class RestrictedQuerySet(models.QuerySet[_M], Generic[_M]):
    """A queryset that knows who may see which of its rows. Subclasses define `scope`."""

    def scope(self, user: Any, action: str) -> Q | None:
        """The condition on this model for `user` doing `action`; `NOTHING` (None) when nothing at all."""
        raise ImproperlyConfigured(f"{self.model.__name__} has no access rule (define scope())")

    def restrict(self, user: Any, action: str = VIEW) -> Self:
        """Only the rows `user` may reach for `action`; an empty queryset for inactive or anonymous users."""
        if not is_active_user(user):
            return self.none()
        condition = self.scope(user, action)
        if condition is NOTHING:
            return self.none()
        return self if condition == EVERYTHING else self.filter(condition)


def get_restricted(queryset: models.QuerySet[_M], user: Any, action: str = VIEW, **lookup: Any) -> _M:
    """The object, or 404 when it does not exist *or* lies outside the user's scope for `action`."""
    restrict = getattr(queryset, "restrict", None)
    if restrict is None:
        raise ImproperlyConfigured(f"{queryset.model.__name__} is not a RestrictedQuerySet")
    return get_object_or_404(restrict(user, action), **lookup)


def rule(action: str) -> Callable[[Rule], Rule]:
    """Register the rule that decides `action` (one rule per action, owned by one app)."""

    def register(predicate: Rule) -> Rule:
        if action in _RULES and _RULES[action] is not predicate:
            raise ImproperlyConfigured(f"two rules for {action!r}")
        _RULES[action] = predicate
        return predicate

    return register


def grant(action: str, roles: Iterable[str]) -> None:
    """A rule that depends on the role alone: `grant("registry.import", [Role.NATIONAL_ADMIN])`."""
    allowed = frozenset(str(r) for r in roles)

    def by_role(user: Any, obj: Any = None) -> bool:
        return user.role in allowed or (user.is_superuser and "national_admin" in allowed)

    by_role.__doc__ = f"{action}: {', '.join(sorted(allowed))}"
    rule(action)(by_role)


def registered_actions() -> list[str]:
    return sorted(_RULES)


def may(user: Any, action: str, obj: Any = None) -> bool:
    """Whether `user` may do `action` (to `obj`, in its current state)."""
    try:
        predicate = _RULES[action]
    except KeyError:
        raise UnknownAction(f"no rule for {action!r}; known: {', '.join(registered_actions())}") from None
    return is_active_user(user) and bool(predicate(user, obj))


def require(user: Any, action: str, obj: Any = None) -> None:
    """Raise PermissionDenied (a 403 page) unless `user` may do `action`."""
    if not may(user, action, obj):
        raise PermissionDenied


def permission_required(action: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A view decorator: the login page for anonymous users, a 403 for users without `action`."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            require(request.user, action)
            return view(request, *args, **kwargs)

        return login_required(checked)

    return decorate
