"""三员分立 as an assessor checks it: the security administrator manages accounts but cannot make a
national administrator (or any role beyond its grant list) alone, cannot set the national
administrators' or the auditor's passwords, reads no program data; every account change is in the audit
log with its old and new values; no superuser and no demo account under the production settings."""

import pytest
from conftest import TEST_PASSWORD
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from shuangchuang.accounts import services
from shuangchuang.accounts.models import GrantState, Role, RoleGrant, User
from shuangchuang.core.models import AuditEvent

pytestmark = pytest.mark.django_db

XMU = "B3-023"


def add_account(client, **fields):
    return client.post("/admin/accounts/user/add/", fields)


def events(action: str, user: User) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, object_id=str(user.pk)).order_by("pk"))


# The two-person rule


def test_the_security_admin_cannot_create_a_national_admin_alone(make_user, client_for, client):
    client = client_for(make_user(Role.SECURITY_ADMIN, username="sec"))

    response = add_account(client, username="new_ndrc", role=Role.NATIONAL_ADMIN, last_name="钱")

    account = User.objects.get(username="new_ndrc")
    assert response.status_code == 200 and "须经国家管理员确认后生效" in response.content.decode()
    assert "password" not in response.context or response.context["password"] is None
    assert not account.is_active and not account.has_usable_password()
    assert RoleGrant.objects.get(user=account).state == GrantState.PENDING
    # It cannot sign in, and the security administrator cannot switch it on.
    form = client.get(f"/admin/accounts/user/{account.pk}/change/").context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields if name != "assigned_bases"}
    client.post(f"/admin/accounts/user/{account.pk}/change/", {**data, "is_active": "on"})
    account.refresh_from_db()
    assert not account.is_active


def test_a_national_admin_confirms_and_the_new_account_gets_its_password_then(make_user, client_for):
    secadmin = make_user(Role.SECURITY_ADMIN, username="sec")
    add_account(client_for(secadmin), username="new_ndrc", role=Role.NATIONAL_ADMIN)
    account = User.objects.get(username="new_ndrc")
    grant = RoleGrant.objects.get(user=account)
    national = make_user(Role.NATIONAL_ADMIN, username="ndrc")
    client = client_for(national)

    listed = client.get("/accounts/grants/")
    confirmed = client.post(f"/accounts/grants/{grant.pk}/", {"decision": "confirm"})

    account.refresh_from_db()
    password = confirmed.context["password"]
    assert "new_ndrc" in listed.content.decode()
    assert account.is_active and account.role == Role.NATIONAL_ADMIN
    assert account.check_password(password) and account.must_change_password
    assert password in confirmed.content.decode()
    requested, confirmed_row = events("accounts.grant_requested", account) + events(
        "accounts.grant_confirmed", account
    )
    assert (requested.actor, requested.new_value) == (secadmin, Role.NATIONAL_ADMIN)
    assert (confirmed_row.actor, confirmed_row.new_value) == (national, Role.NATIONAL_ADMIN)


def test_a_national_admin_rejects_with_a_reason(make_user, client_for):
    from shuangchuang.registry.models import Authority

    secadmin = make_user(Role.SECURITY_ADMIN)
    moe = Authority.objects.get(code="moe")
    add_account(client_for(secadmin), username="wrong", role=Role.AUTHORITY, authority=moe.pk)
    account = User.objects.get(username="wrong")
    grant = RoleGrant.objects.get(user=account)
    client = client_for(make_user(Role.NATIONAL_ADMIN))

    without_reason = client.post(f"/accounts/grants/{grant.pk}/", {"decision": "reject"}, follow=True)
    client.post(f"/accounts/grants/{grant.pk}/", {"decision": "reject", "reason": "不是本单位人员"})

    grant.refresh_from_db()
    account.refresh_from_db()
    assert "驳回须填写理由" in without_reason.content.decode()
    assert grant.state == GrantState.REJECTED and not account.is_active
    assert events("accounts.grant_rejected", account)[0].reason == "不是本单位人员"


def test_a_role_change_to_authority_waits_and_the_account_keeps_its_role(make_user, client_for):
    secadmin = make_user(Role.SECURITY_ADMIN)
    operator = make_user(Role.OPERATOR, base=XMU)
    from shuangchuang.registry.models import Authority

    operator.role, operator.base, operator.authority = Role.AUTHORITY, None, Authority.objects.get(code="moe")
    grant = services.save_account_changes(secadmin, operator)

    operator.refresh_from_db()
    assert grant is not None and grant.state == GrantState.PENDING
    assert operator.role == Role.OPERATOR and operator.base.code == XMU
    services.confirm_grant(make_user(Role.NATIONAL_ADMIN), grant)
    operator.refresh_from_db()
    assert (operator.role, operator.authority.code, operator.base) == (Role.AUTHORITY, "moe", None)


def test_the_security_admin_gives_its_grant_list_alone(make_user):
    secadmin = make_user(Role.SECURITY_ADMIN)
    member = make_user(Role.JOINT_MEMBER)

    member.role = Role.EVALUATOR
    assert services.save_account_changes(secadmin, member) is None

    member.refresh_from_db()
    assert member.role == Role.EVALUATOR
    assert [(e.old_value, e.new_value) for e in events("accounts.role_change", member)] == [
        (Role.JOINT_MEMBER, Role.EVALUATOR)
    ]


@pytest.mark.parametrize("role", [Role.JOINT_MEMBER, Role.AUDITOR, Role.SECURITY_ADMIN])
def test_roles_that_reach_every_base_or_a_duty_also_wait(make_user, role):
    password, grant = services.create_account(make_user(Role.SECURITY_ADMIN), User(username="x", role=role))

    assert password is None and grant.state == GrantState.PENDING


def test_nobody_confirms_a_grant_they_asked_for_or_on_their_own_account(make_user, client_for):
    secadmin = make_user(Role.SECURITY_ADMIN)
    national = make_user(Role.NATIONAL_ADMIN)
    _, grant = services.create_account(secadmin, User(username="x", role=Role.NATIONAL_ADMIN))

    assert (
        client_for(secadmin).post(f"/accounts/grants/{grant.pk}/", {"decision": "confirm"}).status_code == 403
    )
    assert client_for(make_user(Role.AUDITOR)).get("/accounts/grants/").status_code == 403
    national.role = Role.JOINT_MEMBER
    own = services.save_account_changes(secadmin, national)
    assert (
        client_for(national).post(f"/accounts/grants/{own.pk}/", {"decision": "confirm"}).status_code == 403
    )


# Passwords of the other two administrators


@pytest.mark.parametrize("role", [Role.NATIONAL_ADMIN, Role.AUDITOR])
def test_the_security_admin_cannot_set_the_password_of(make_user, client_for, role):
    other = make_user(role)
    client = client_for(make_user(Role.SECURITY_ADMIN))

    page = client.get(f"/admin/accounts/user/{other.pk}/change/").content.decode()
    opened = client.get(f"/admin/accounts/user/{other.pk}/password/")
    posted = client.post(f"/admin/accounts/user/{other.pk}/password/")

    other.refresh_from_db()
    assert "重置密码" not in page
    assert opened.status_code == 403 and posted.status_code == 403
    assert other.check_password(TEST_PASSWORD)


def test_the_security_admin_cannot_set_its_own_password_in_the_admin(make_user, client_for):
    secadmin = make_user(Role.SECURITY_ADMIN)

    assert client_for(secadmin).post(f"/admin/accounts/user/{secadmin.pk}/password/").status_code == 403


def test_a_password_reset_makes_a_new_initial_password_and_is_audited(make_user, client_for):
    secadmin = make_user(Role.SECURITY_ADMIN)
    operator = make_user(Role.OPERATOR, base=XMU)
    client = client_for(secadmin)

    response = client.post(f"/admin/accounts/user/{operator.pk}/password/")

    operator.refresh_from_db()
    assert operator.check_password(response.context["password"]) and operator.must_change_password
    assert events("accounts.password_reset", operator)[0].actor == secadmin


def test_no_reset_of_both_factors_of_one_account_by_the_security_admin(make_user):
    secadmin = make_user(Role.SECURITY_ADMIN)
    official = make_user(Role.AUTHORITY, authority="moe")
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=official, name="phone", confirmed=True)
    services.reset_password(secadmin, official)

    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.reset_second_factor(secadmin, official)


# No program data


def test_the_security_admin_reads_no_report(make_user, client_for):
    from shuangchuang.monitoring.tests.factories import make_period, make_report, make_small_catalogue

    make_small_catalogue()
    report = make_report(XMU, make_period(2025))
    client = client_for(make_user(Role.SECURITY_ADMIN))

    for path in [f"/monitoring/reports/{report.pk}/", "/monitoring/", "/bases/", f"/bases/{XMU}/"]:
        assert client.get(path).status_code == 403, path


# Account changes in the audit log


def test_an_account_creation_records_what_was_created(make_user, client_for, registry):
    secadmin = make_user(Role.SECURITY_ADMIN)
    add_account(
        client_for(secadmin),
        username="xmu_office",
        role=Role.OPERATOR,
        base=registry.get(code=XMU).pk,
        phone="13812345678",
        email="linxiaohua@xmu.edu.cn",
    )

    event = events("accounts.create", User.objects.get(username="xmu_office"))[0]
    assert event.actor == secadmin
    assert event.new_value["role"] == Role.OPERATOR and event.new_value["username"] == "xmu_office"
    assert event.new_value["phone"] == "138****5678"  # contact data masked in the log
    assert event.new_value["email"] == "l*********@xmu.edu.cn"


def test_a_change_records_old_and_new_values(make_user):
    secadmin = make_user(Role.SECURITY_ADMIN)
    operator = make_user(Role.OPERATOR, base=XMU, organization="厦门大学")

    operator.organization = "厦门大学双创办"
    operator.is_active = False
    services.save_account_changes(secadmin, operator)

    change = events("accounts.change", operator)[0]
    deactivation = events("accounts.deactivate", operator)[0]
    assert change.changes == [("organization", "厦门大学", "厦门大学双创办")]
    assert (deactivation.old_value, deactivation.new_value) == (True, False)


def test_deleting_keeps_the_old_values_and_is_only_for_accounts_never_used(make_user, client_for):
    secadmin = make_user(Role.SECURITY_ADMIN)
    mistake = make_user(Role.OPERATOR, base=XMU, username="typo_account")
    used = make_user(Role.OPERATOR, base=XMU)
    client_for(used)  # signed in once
    client = client_for(secadmin)

    refused = client.post(f"/admin/accounts/user/{used.pk}/delete/", {"post": "yes"})
    deleted = client.post(f"/admin/accounts/user/{mistake.pk}/delete/", {"post": "yes"})

    assert refused.status_code == 403 and User.objects.filter(pk=used.pk).exists()
    assert deleted.status_code == 302 and not User.objects.filter(pk=mistake.pk).exists()
    event = AuditEvent.objects.get(action="accounts.delete")
    assert event.old_value["username"] == "typo_account" and event.old_value["role"] == Role.OPERATOR


# Production: no superuser, no demo


def test_createsuperuser_is_refused_without_allow_superuser(settings):
    settings.ALLOW_SUPERUSER = False

    with pytest.raises(CommandError, match="不允许超级用户"):
        call_command("createsuperuser", username="root", email="", interactive=False)
    with pytest.raises(ValidationError):
        User.objects.create_superuser("root2", password=TEST_PASSWORD)


def test_a_superuser_cannot_sign_in_without_allow_superuser(settings, client, registry):
    User.objects.create_superuser("root", password=TEST_PASSWORD)
    settings.ALLOW_SUPERUSER = False

    response = client.post("/accounts/login/", {"username": "root", "password": TEST_PASSWORD})

    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_the_deployment_check_names_an_active_superuser(settings, registry):
    from shuangchuang.accounts.checks import no_superuser

    User.objects.create_superuser("root", password=TEST_PASSWORD)
    settings.ALLOW_SUPERUSER = False

    assert [e.id for e in no_superuser()] == ["accounts.E001"]


def test_setup_demo_refuses_outside_demo_mode(settings):
    settings.DEMO_MODE = False

    with pytest.raises(CommandError, match="只用于演示环境"):
        call_command("setup_demo", "--skip-data")
    assert not User.objects.filter(username="ndrc").exists()


def test_the_production_settings_turn_demo_mode_and_superusers_off():
    from pathlib import Path

    text = (
        Path(__file__).resolve().parents[1] / "src" / "shuangchuang" / "config" / "production.py"
    ).read_text()

    assert "DEMO_MODE = False" in text and "ALLOW_SUPERUSER = False" in text


def test_national_admins_find_the_grants_in_their_user_menu(make_user, client_for):
    def has_link(user: User) -> bool:
        return 'href="/accounts/grants/"' in client_for(user).get("/").content.decode()

    assert has_link(make_user(Role.NATIONAL_ADMIN))
    assert not has_link(make_user(Role.SECURITY_ADMIN))
    assert not has_link(make_user(Role.AUDITOR))
