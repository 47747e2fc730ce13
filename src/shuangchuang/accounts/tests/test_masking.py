"""Personal data masked for readers who do not need it: the helpers, and the filters pages use."""

import pytest
from django.template import Context, Template

from shuangchuang.accounts.models import Role
from shuangchuang.core.masking import mask_email, mask_id_number, mask_phone


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("0592-1234567", "059*-***4567"),
        ("+86 138 1234 5678", "+86 1** **** 5678"),
        ("12345", "***45"),  # too short to keep both ends
        ("", ""),
        (None, ""),
    ],
)
def test_phone_numbers_keep_only_their_ends(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("zhangsan@ndrc.gov.cn", "z*******@ndrc.gov.cn"),
        ("a@b.cn", "a*@b.cn"),
        ("", ""),
    ],
)
def test_email_addresses_keep_the_first_letter_and_the_domain(email, masked):
    assert mask_email(email) == masked


def test_id_numbers_keep_the_first_three_and_last_four():
    assert mask_id_number("11010119900307123X") == "110***********123X"


def render(text: str, **context) -> str:
    return Template("{% load core_tags %}" + text).render(Context(context))


@pytest.mark.django_db
def test_the_filter_masks_for_most_readers_and_shows_the_security_admin_in_full(make_user):
    operator = make_user(Role.OPERATOR, base="B3-023")
    national = make_user(Role.NATIONAL_ADMIN)
    secadmin = make_user(Role.SECURITY_ADMIN)
    template = "{{ phone|mask_phone:viewer }} {{ email|mask_email:viewer }}"
    values = {"phone": "13812345678", "email": "lin@xmu.edu.cn"}

    assert render(template, viewer=operator, **values) == "138****5678 l**@xmu.edu.cn"
    assert render(template, viewer=national, **values) == "138****5678 l**@xmu.edu.cn"
    assert render(template, viewer=secadmin, **values) == "13812345678 lin@xmu.edu.cn"
    assert render("{{ phone|mask_phone }}", **values) == "138****5678"


@pytest.mark.django_db
def test_the_grant_confirmation_page_shows_contact_data_masked(make_user, client_for):
    from shuangchuang.accounts.models import User
    from shuangchuang.accounts.services import create_account

    create_account(
        make_user(Role.SECURITY_ADMIN),
        User(username="new_ndrc", role=Role.NATIONAL_ADMIN, phone="13812345678", email="qian@ndrc.gov.cn"),
    )

    html = client_for(make_user(Role.NATIONAL_ADMIN)).get("/accounts/grants/").content.decode()

    assert "138****5678" in html and "q***@ndrc.gov.cn" in html
    assert "13812345678" not in html and "qian@" not in html


@pytest.mark.django_db
def test_the_security_admin_sees_contact_data_in_the_account_list(make_user, client_for):
    make_user(Role.OPERATOR, base="B3-023", phone="13812345678", email="lin@xmu.edu.cn")

    html = client_for(make_user(Role.SECURITY_ADMIN)).get("/admin/accounts/user/").content.decode()

    assert "13812345678" in html and "lin@xmu.edu.cn" in html
