"""An experience goes from the base's draft through its authority to the national office, which publishes
it, perhaps in a numbered batch; published ones are read by every signed-in role."""

import pytest

from shuangchuang.accounts.models import Role
from shuangchuang.records.models import Experience, ExperienceState
from shuangchuang.records.services import NotAllowed, RecordsError, act_on_experience, save_experience

from .factories import HENGZHOU, XMU, experience_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user):
    return {
        "base": make_user(Role.OPERATOR, base=HENGZHOU),
        "other_base": make_user(Role.OPERATOR, base=XMU),
        "authority": make_user(Role.AUTHORITY, authority="drc-450000"),
        "other_authority": make_user(Role.AUTHORITY, authority="moe"),
        "national": make_user(Role.NATIONAL_ADMIN),
        "member": make_user(Role.JOINT_MEMBER),
        "evaluator": make_user(Role.EVALUATOR, assigned=(HENGZHOU,)),
        "auditor": make_user(Role.AUDITOR),
        "secadmin": make_user(Role.SECURITY_ADMIN),
    }


def visible_to(experience, user) -> bool:
    return Experience.objects.restrict(user).filter(pk=experience.pk).exists()


def test_submitted_passed_and_published_in_a_batch(people):
    experience = experience_for(people["base"])
    act_on_experience(experience, "submit", actor=people["base"])
    act_on_experience(experience, "pass", actor=people["authority"])
    act_on_experience(experience, "publish", actor=people["national"], batch_number=2)
    experience.refresh_from_db()
    assert experience.state == ExperienceState.PUBLISHED
    assert experience.batch.number == 2 and experience.published_at is not None


def test_a_draft_is_the_bases_own(people):
    experience = experience_for(people["base"])
    assert [name for name, user in people.items() if visible_to(experience, user)] == ["base"]


def test_published_experiences_are_read_by_every_signed_in_role(people):
    experience = experience_for(people["base"])
    act_on_experience(experience, "submit", actor=people["base"])
    act_on_experience(experience, "pass", actor=people["authority"])
    act_on_experience(experience, "publish", actor=people["national"])
    assert all(visible_to(experience, user) for user in people.values())


def test_a_returned_experience_comes_back_as_a_draft_with_the_comment(people):
    experience = experience_for(people["base"])
    act_on_experience(experience, "submit", actor=people["base"])
    with pytest.raises(RecordsError):
        act_on_experience(experience, "return", actor=people["authority"])  # the comment is required
    act_on_experience(experience, "return", actor=people["authority"], comment="请补充成效数据")
    experience.refresh_from_db()
    assert experience.state == ExperienceState.DRAFT and experience.review_comment == "请补充成效数据"
    save_experience(
        actor=people["base"],
        base=experience.base,
        experience=experience,
        results="转化 12 项，金额 3000 万元",
    )


def test_who_may_move_it(people):
    experience = experience_for(people["base"])
    with pytest.raises(NotAllowed):
        act_on_experience(experience, "submit", actor=people["other_base"])
    act_on_experience(experience, "submit", actor=people["base"])
    with pytest.raises(NotAllowed):
        act_on_experience(experience, "pass", actor=people["other_authority"])
    with pytest.raises(NotAllowed):
        act_on_experience(experience, "publish", actor=people["national"])  # not passed by its authority yet
    with pytest.raises(NotAllowed):
        save_experience(actor=people["base"], base=experience.base, experience=experience, title="改")


def test_the_search_words_follow_the_text(people):
    experience = experience_for(people["base"], title="创业担保贷款")
    assert " 担保 " in experience.search_title
    save_experience(actor=people["base"], base=experience.base, experience=experience, title="人才公寓")
    experience.refresh_from_db()
    assert " 担保 " not in experience.search_title and " 人才 " in experience.search_title
