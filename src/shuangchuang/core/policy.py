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

The actions of `scope` are a small vocabulary:

- `VIEW` ("view"): read it — pages, exports, downloads, the admin's lists.
- `CHANGE` ("change"): write it — a report's values and evidence, a record edited in the admin.
- `REVIEW` ("review"): move it through someone else's work — return, pass, approve, lock, reopen a report.

A model answers the actions it knows and `NOTHING` for the others. Rules name the app's verbs
(`monitoring.report.submit`, `monitoring.values.enter`, `registry.import` …); a rule asked without an object
(`may(user, "monitoring.report.submit")`) answers whether the user's role could ever do it, which is what a
view checks before it looks anything up: a role that never may is a 403, an object outside the scope a 404,
a refusal that depends on the object's state a message. A rule asked with an object checks the object's
scope too (`in_scope`), so that a service re-checking with `may` is safe whoever calls it.

Unknown actions raise `UnknownAction` instead of answering False, so that a typo fails loudly in tests.
Inactive and anonymous users may nothing and reach nothing, whatever a rule says.

Adding to the policy: a new model gets a `RestrictedQuerySet` subclass with `scope`; a new verb gets a rule
in its app's `policy.py`; a new page gets a row in `tests/test_permission_matrix.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING, Any, Generic, Self, TypeAlias, TypeVar, cast

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest, HttpResponseBase

_M = TypeVar("_M", bound=models.Model)
_V = TypeVar("_V", bound="Callable[..., HttpResponseBase]")

# Whoever asks: a signed-in account, an anonymous visitor, or nobody (a command acting as the system).
Someone: TypeAlias = "AbstractBaseUser | AnonymousUser | None"

VIEW = "view"
CHANGE = "change"
REVIEW = "review"
ACTIONS = (VIEW, CHANGE, REVIEW)

# What `scope` returns: a condition on the model, EVERYTHING, or NOTHING.
EVERYTHING = Q()
NOTHING = None

Rule = Callable[..., bool]
_R = TypeVar("_R", bound=Rule)
_RULES: dict[str, Rule] = {}


class UnknownAction(ImproperlyConfigured):
    """`may` was asked about an action that no app registered."""


def active_account(user: Someone) -> AbstractBaseUser | None:
    """The account asking when it is signed in and active; None for anonymous visitors, inactive accounts
    and nobody."""
    if isinstance(user, AbstractBaseUser) and user.is_active:
        return user
    return None


def _known(action: str) -> None:
    if action not in ACTIONS:
        raise UnknownAction(f"no scope action {action!r}; known: {', '.join(ACTIONS)}")


def is_active_user(user: Someone) -> bool:
    return active_account(user) is not None


class RestrictedQuerySet(models.QuerySet[_M], Generic[_M]):
    """A queryset that knows who may see which of its rows. Subclasses define `scope`."""

    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        """The condition on this model for an active `user` doing `action`; `NOTHING` (None) when nothing."""
        raise ImproperlyConfigured(f"{self.model.__name__} has no access rule (define scope())")

    def restrict(self, user: Someone, action: str = VIEW) -> Self:
        """Only the rows `user` may reach for `action`; an empty queryset for inactive or anonymous users."""
        _known(action)
        account = active_account(user)
        if account is None:
            return self.none()
        condition = self.scope(account, action)
        if condition is NOTHING:
            return self.none()
        return self if condition == EVERYTHING else self.filter(condition)


def scope_of(model: type[models.Model], user: AbstractBaseUser, action: str) -> Q | None:
    """The scope of `model` for `user` (who is active) and `action`."""
    _known(action)
    queryset = model._default_manager.all()
    if not isinstance(queryset, RestrictedQuerySet):
        raise ImproperlyConfigured(f"{model.__name__} is not on the access policy (RestrictedQuerySet)")
    return queryset.scope(user, action)


def prefixed(condition: Q, field: str) -> Q:
    """A condition on a related model as one on this model: `Q(authority_id=3)` of a base becomes
    `Q(base__authority_id=3)` of a report. `pk` becomes the relation itself (`Q(base__pk__in=…)`)."""
    result = Q()
    result.connector, result.negated = condition.connector, condition.negated
    for child in condition.children:
        if isinstance(child, Q):
            result.children.append(prefixed(child, field))
        else:
            lookup, value = cast(tuple[str, Any], child)
            result.children.append((f"{field}__{lookup}", value))
    return result


def scope_through(model: type[models.Model], field: str, user: AbstractBaseUser, action: str) -> Q | None:
    """This model's scope is that of a related one (a report is seen where its base is): the related
    model's condition, reached through `field`."""
    condition = scope_of(model, user, action)
    if condition is NOTHING or condition == EVERYTHING:
        return condition
    return prefixed(condition, field)


def reaches_everything(model: type[models.Model], user: Someone, action: str = VIEW) -> bool:
    """Whether the user's scope of `model` for `action` is all of it (a program-wide reader)."""
    account = active_account(user)
    return account is not None and scope_of(model, account, action) == EVERYTHING


def in_scope(user: Someone, action: str, obj: models.Model) -> bool:
    """Whether `obj` lies inside the user's scope for `action` (no query when the scope is everything)."""
    account = active_account(user)
    if account is None:
        return False
    condition = scope_of(type(obj), account, action)
    if condition is NOTHING:
        return False
    if condition == EVERYTHING:
        return True
    return type(obj)._default_manager.filter(condition, pk=obj.pk).exists()


def require_in_scope(user: Someone, action: str, obj: models.Model) -> None:
    """After a write: the saved object must still be inside the user's scope, or the write is refused
    (raise inside the write's transaction, so that it rolls back — NetBox checks the same after a save)."""
    if not in_scope(user, action, obj):
        raise PermissionDenied


def get_restricted(
    queryset: models.QuerySet[_M] | models.Manager[_M], user: Someone, action: str = VIEW, **lookup: Any
) -> _M:
    """The object, or 404 when it does not exist *or* lies outside the user's scope for `action`."""
    if isinstance(queryset, models.Manager):
        queryset = queryset.all()
    if not isinstance(queryset, RestrictedQuerySet):
        raise ImproperlyConfigured(f"{queryset.model.__name__} is not a RestrictedQuerySet")
    return get_object_or_404(queryset.restrict(user, action), **lookup)


def rule(action: str) -> Callable[[_R], _R]:
    """Register the rule that decides `action` (one rule per action, owned by one app)."""

    def register(predicate: _R) -> _R:
        if action in _RULES and _RULES[action] is not predicate:
            raise ImproperlyConfigured(f"two rules for {action!r}")
        _RULES[action] = predicate
        return predicate

    return register


def grant(action: str, roles: Iterable[str]) -> None:
    """A rule that depends on the role alone: `grant("registry.import", [Role.NATIONAL_ADMIN])`.
    A superuser (the account `createsuperuser` makes to set the system up) passes every such rule."""
    allowed = frozenset(str(r) for r in roles)

    def by_role(user: AbstractBaseUser, obj: object = None) -> bool:
        return getattr(user, "role", None) in allowed or bool(getattr(user, "is_superuser", False))

    by_role.__doc__ = f"{action}: {', '.join(sorted(allowed))}"
    rule(action)(by_role)


def registered_actions() -> list[str]:
    return sorted(_RULES)


def may(user: Someone, action: str, obj: object = None) -> bool:
    """Whether `user` may do `action` (to `obj`, in its current state; without `obj`: ever)."""
    try:
        predicate = _RULES[action]
    except KeyError:
        raise UnknownAction(f"no rule for {action!r}; known: {', '.join(registered_actions())}") from None
    account = active_account(user)
    return account is not None and bool(predicate(account, obj))


def require(user: Someone, action: str, obj: object = None) -> None:
    """Raise PermissionDenied (a 403 page) unless `user` may do `action`."""
    if not may(user, action, obj):
        raise PermissionDenied


def permission_required(action: str) -> Callable[[_V], _V]:
    """A view decorator: the login page for anonymous users, a 403 for users whose role never may `action`
    (checked before anything is looked up, so that it is a 403 and not a 404)."""

    def decorate(view: _V) -> _V:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            require(request.user, action)
            return view(request, *args, **kwargs)

        return cast(_V, login_required(checked))

    return decorate


class ProgramDataQuerySet(RestrictedQuerySet[_M], Generic[_M]):
    """The program's shared data that no single base owns (catalogue, periods, reference tables, schemes):
    every program reader sees all of it (`program.read`); who manages the program changes it
    (`program.manage`); nobody reviews it."""

    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        if action == VIEW:
            return EVERYTHING if may(user, "program.read") else NOTHING
        if action == CHANGE:
            return EVERYTHING if may(user, "program.manage") else NOTHING
        return NOTHING
