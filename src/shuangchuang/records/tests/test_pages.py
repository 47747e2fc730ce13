"""The records' pages, as their users meet them."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from shuangchuang.accounts.models import Role
from shuangchuang.records.models import Problem, ProblemState, SupportPolicy
from shuangchuang.records.services import act_on_experience, act_on_problem
from shuangchuang.registry.models import Base

from .factories import HENGZHOU, JINCHENG, experience_for, problem_for

pytestmark = pytest.mark.django_db


def test_a_base_raises_a_problem_on_its_page(make_user, client_for):
    base = make_user(Role.OPERATOR, base=HENGZHOU)
    response = client_for(base).post(
        "/records/problems/new/",
        {
            "category": "funding",
            "title": "贴息慢",
            "description": "资金未到位",
            "needs": "加快拨付",
            "needed_from": "",
        },
    )
    problem = Problem.objects.get()
    assert response.status_code == 302 and response["Location"] == problem.get_absolute_url()
    assert problem.base.code == HENGZHOU and problem.state == ProblemState.OPEN


def test_an_empty_form_names_the_missing_fields_and_saves_nothing(make_user, client_for):
    response = client_for(make_user(Role.OPERATOR, base=HENGZHOU)).post("/records/problems/new/", {})
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()
    assert not Problem.objects.exists()


def test_resolving_without_saying_what_was_done_is_refused_with_a_message(make_user, client_for):
    problem = problem_for(make_user(Role.OPERATOR, base=HENGZHOU))
    client = client_for(make_user(Role.AUTHORITY, authority="drc-450000"))
    response = client.post(
        f"/records/problems/{problem.pk}/act/", {"action": "resolve", "text": ""}, follow=True
    )
    assert "请填写办理结果" in response.content.decode()
    assert Problem.objects.get(pk=problem.pk).state == ProblemState.OPEN


def test_the_overdue_list_shows_each_authoritys_count_nationally(make_user, client_for):
    with time_machine.travel(dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC), tick=False):
        problem_for(make_user(Role.OPERATOR, base=HENGZHOU))
        problem_for(make_user(Role.OPERATOR, base=JINCHENG))
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC), tick=False):
        national = (
            client_for(make_user(Role.NATIONAL_ADMIN)).get("/records/problems/?overdue=1").content.decode()
        )
        gx = client_for(make_user(Role.AUTHORITY, authority="drc-450000")).get("/records/problems/?overdue=1")
    assert national.count('data-testid="overdue"') == 2 and 'data-testid="overdue-by-authority"' in national
    assert gx.content.decode().count('data-testid="overdue"') == 1


def test_a_policy_is_recorded_with_its_file_and_downloaded(make_user, client_for):
    client = client_for(make_user(Role.OPERATOR, base=HENGZHOU))
    base = Base.objects.get(code=HENGZHOU)
    response = client.post(
        "/records/policies/new/",
        {
            "title": "人才十条",
            "issuer": "横州市人民政府",
            "document_number": "横政发〔2025〕5号",
            "issued_on": "2025-09-20",
            "kind": "talent",
            "summary": "",
            "bases": [base.pk],
            "upload": SimpleUploadedFile("十条.pdf", b"%PDF-1.4\n%%EOF\n"),
        },
    )
    policy = SupportPolicy.objects.get()
    assert response.status_code == 302
    download = client.get(f"/records/policies/{policy.pk}/file/")
    assert download["Content-Disposition"].startswith("attachment")


def test_the_base_page_counts_policies_and_lists_open_problems(make_user, client_for):
    operator = make_user(Role.OPERATOR, base=HENGZHOU)
    problem_for(operator, title="孵化用房不足")
    closed = problem_for(operator, title="已办结的问题")
    act_on_problem(closed, "resolve", actor=make_user(Role.AUTHORITY, authority="drc-450000"), text="已办")
    page = client_for(operator).get(f"/bases/{HENGZHOU}/").content.decode()
    assert 'data-testid="records-panels"' in page and "孵化用房不足" in page and "已办结的问题" not in page


def test_the_library_finds_published_experiences_by_a_chinese_phrase(make_user, client_for):
    operator = make_user(Role.OPERATOR, base=HENGZHOU)
    experience = experience_for(operator, title="县域科技成果转化服务站")
    act_on_experience(experience, "submit", actor=operator)
    act_on_experience(experience, "pass", actor=make_user(Role.AUTHORITY, authority="drc-450000"))
    act_on_experience(experience, "publish", actor=make_user(Role.NATIONAL_ADMIN), batch_number=1)
    page = client_for(make_user(Role.SECURITY_ADMIN)).get("/records/experiences/?q=成果转化").content.decode()
    assert "县域科技成果转化服务站" in page


def test_the_authoritys_home_page_lists_the_problems_it_holds(make_user, client_for):
    problem_for(make_user(Role.OPERATOR, base=HENGZHOU))
    page = client_for(make_user(Role.AUTHORITY, authority="drc-450000")).get("/").content.decode()
    assert 'data-testid="records-tasks"' in page and "待办问题" in page
    elsewhere = client_for(make_user(Role.AUTHORITY, authority="moe")).get("/").content.decode()
    assert 'data-testid="records-tasks"' not in elsewhere


def test_the_national_register_counts_policies_per_authority(make_user, client_for):
    from shuangchuang.records.services import record_policy

    record_policy(
        actor=make_user(Role.AUTHORITY, authority="drc-450000"),
        bases=list(Base.objects.filter(code=HENGZHOU)),
        title="措施",
        issuer="自治区政府",
        issued_on=dt.date(2025, 3, 1),
        kind="funding",
    )
    page = client_for(make_user(Role.NATIONAL_ADMIN)).get("/records/policies/").content.decode()
    assert 'data-testid="policies-by-authority"' in page and "?authority=drc-450000" in page
