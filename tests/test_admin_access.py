"""The Django admin under 三员分立: program data for national administrators, accounts for the security
administrator, and nobody else inside."""

import pytest
from django.db.models import Q

from shuangchuang.accounts.models import Role, User
from shuangchuang.core.models import AuditEvent
from shuangchuang.registry.models import Base

pytestmark = pytest.mark.django_db

XMU = "B3-023"


def unchanged_form(response) -> dict[str, object]:
    """The admin change form's data as a browser would post it back, inlines included."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms += [formset.management_form, *formset.forms]
    data: dict[str, object] = {}
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if field.disabled or value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value
    return data


def base_change_url(code: str) -> str:
    return f"/admin/registry/base/{Base.objects.get(code=code).pk}/change/"


def user_change_url(user: User) -> str:
    return f"/admin/accounts/user/{user.pk}/change/"


# National administrator: program data, not accounts


def test_national_admin_changes_a_base_in_the_admin(make_user, client_for):
    client = client_for(make_user(Role.NATIONAL_ADMIN))
    form = unchanged_form(client.get(base_change_url(XMU)))

    response = client.post(base_change_url(XMU), {**form, "short_name": "厦大"})

    assert response.status_code == 302
    assert Base.objects.get(code=XMU).short_name == "厦大"


def test_a_base_changed_in_the_admin_is_in_the_audit_log(make_user, client_for):
    admin = make_user(Role.NATIONAL_ADMIN, last_name="王", first_name="国管")
    client = client_for(admin)
    form = unchanged_form(client.get(base_change_url(XMU)))

    client.post(base_change_url(XMU), {**form, "short_name": "厦大"})

    event = AuditEvent.objects.get(action="admin.change", object_id=str(Base.objects.get(code=XMU).pk))
    assert (event.actor, event.field, event.old_value, event.new_value) == (
        admin,
        "short_name",
        "厦门大学",
        "厦大",
    )


def test_national_admin_cannot_see_or_change_users(make_user, client_for):
    operator = make_user(Role.OPERATOR, base=XMU)
    client = client_for(make_user(Role.NATIONAL_ADMIN))

    assert client.get("/admin/accounts/user/").status_code == 403
    assert client.get(user_change_url(operator)).status_code == 403
    assert "/admin/accounts/user/" not in client.get("/admin/").content.decode()


# Security administrator: accounts, not program data


def test_security_admin_changes_a_user_in_the_admin(make_user, client_for):
    operator = make_user(Role.OPERATOR, base=XMU)
    client = client_for(make_user(Role.SECURITY_ADMIN))
    form = unchanged_form(client.get(user_change_url(operator)))

    response = client.post(user_change_url(operator), {**form, "phone": "0592-1234567"})

    assert response.status_code == 302
    operator.refresh_from_db()
    assert operator.phone == "0592-1234567"
    assert AuditEvent.objects.filter(action="accounts.change", object_id=str(operator.pk)).exists()


def test_security_admin_creates_an_operator_account_with_a_password_made_by_the_system(
    make_user, client_for, registry
):
    client = client_for(make_user(Role.SECURITY_ADMIN))

    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "xmu_office",
            "role": Role.OPERATOR,
            "organization": "厦门大学双创示范基地办公室",
            "base": registry.get(code=XMU).pk,
        },
    )

    account = User.objects.get(username="xmu_office")
    password = response.context["password"]
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert password in response.content.decode() and len(password) >= 16
    assert account.base.code == XMU and account.is_active and account.check_password(password)
    assert account.must_change_password  # an initial password: changed at first sign-in


def test_an_operator_account_without_a_base_is_refused_in_chinese(make_user, client_for, registry):
    client = client_for(make_user(Role.SECURITY_ADMIN))

    response = client.post("/admin/accounts/user/add/", {"username": "nobody", "role": Role.OPERATOR})

    assert response.status_code == 200
    assert "基地填报员必须关联一个示范基地。" in response.content.decode()
    assert not User.objects.filter(username="nobody").exists()


def test_security_admin_cannot_make_anyone_a_superuser(make_user, client_for):
    operator = make_user(Role.OPERATOR, base=XMU)
    client = client_for(make_user(Role.SECURITY_ADMIN))
    form = unchanged_form(client.get(user_change_url(operator)))

    client.post(user_change_url(operator), {**form, "is_superuser": "on", "is_staff": "on"})

    operator.refresh_from_db()
    assert not operator.is_superuser
    assert not operator.is_staff


def test_security_admin_cannot_see_or_change_bases(make_user, client_for):
    client = client_for(make_user(Role.SECURITY_ADMIN))

    assert client.get("/admin/registry/base/").status_code == 403
    assert client.get(base_change_url(XMU)).status_code == 403
    assert client.get("/admin/core/auditevent/").status_code == 403
    assert "/admin/registry/base/" not in client.get("/admin/").content.decode()


# Everybody else stays outside


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.JOINT_MEMBER, {}),
        (Role.AUDITOR, {}),
        (Role.OPERATOR, {"base": XMU}),
        (Role.AUTHORITY, {"authority": "moe"}),
        (Role.EVALUATOR, {"assigned": (XMU,)}),
    ],
)
def test_other_roles_cannot_enter_the_admin(make_user, client_for, role, scope):
    client = client_for(make_user(role, is_staff=True, **scope))

    for path in [
        "/admin/",
        "/admin/login/",
        "/admin/registry/base/",
        base_change_url(XMU),
        "/admin/accounts/user/",
    ]:
        response = client.get(path)
        html = response.content.decode()
        assert response.status_code == 403, path
        assert "无权访问" in html and 'href="/bases/"' in html, path  # the app's page, with its menu
        assert 'name="password"' not in html, path  # not the admin's invitation to sign in as someone else


def test_a_visitor_who_is_not_signed_in_is_sent_to_the_login(client, registry):
    response = client.get("/admin/registry/base/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_inactive_national_admin_cannot_enter_the_admin(make_user, client_for):
    client = client_for(make_user(Role.NATIONAL_ADMIN, is_active=False, is_staff=True))

    assert client.get("/admin/registry/base/").status_code == 302


def test_menu_links_to_the_admin_only_for_the_two_administrators(make_user, client_for):
    def menu_has_admin(user: User) -> bool:
        return 'href="/admin/"' in client_for(user).get("/bases/").content.decode()

    assert menu_has_admin(make_user(Role.NATIONAL_ADMIN))
    assert not menu_has_admin(make_user(Role.JOINT_MEMBER))
    assert not menu_has_admin(make_user(Role.AUDITOR))


def test_the_security_admin_cannot_change_its_own_role(client_for, make_user):
    secadmin = make_user("security_admin", username="sec")
    client = client_for(secadmin)
    page = client.get(f"/admin/accounts/user/{secadmin.pk}/change/").content.decode()
    assert 'name="role"' not in page
    other = make_user("joint_member", username="member")
    assert 'name="role"' in client.get(f"/admin/accounts/user/{other.pk}/change/").content.decode()


def test_a_visitor_opening_the_admin_login_is_sent_to_the_app_s_login_and_back(client, registry):
    response = client.get("/admin/login/?next=/admin/registry/base/")

    assert response.status_code == 302  # not the admin's own login form (and no server error)
    assert response["Location"] == "/accounts/login/?next=/admin/registry/base/"


def test_a_base_saved_outside_the_admin_user_s_scope_is_not_saved(make_user, client_for, monkeypatch):
    """NetBox's re-check after a write: the saved object must still be inside the user's scope, else the
    save is rolled back. (No role has such a scope in the admin today; here the national office's scope
    for changing bases is narrowed to 广西 to show what happens when one does.)"""
    from shuangchuang.registry.models import Authority, BaseQuerySet

    guangxi = Authority.objects.get(code="drc-450000")
    monkeypatch.setattr(BaseQuerySet, "scope", lambda self, user, action: Q(authority=guangxi))
    client = client_for(make_user(Role.NATIONAL_ADMIN))
    form = unchanged_form(client.get(base_change_url("B3-012")))

    response = client.post(
        base_change_url("B3-012"), {**form, "authority": Authority.objects.get(code="drc-140000").pk}
    )

    assert response.status_code == 403
    assert Base.objects.get(code="B3-012").authority == guangxi
    assert not AuditEvent.objects.filter(action="admin.change").exists()


def test_other_packages_admin_pages_are_closed_to_every_role(make_user, client_for):
    client = client_for(make_user(Role.NATIONAL_ADMIN))

    assert client.get("/admin/axes/accessattempt/").status_code == 403
    assert client.get("/admin/axes/accessattempt/987654/history/").status_code == 403
    assert "/admin/axes/" not in client.get("/admin/").content.decode()
