"""Searching the experiences library in Chinese: a fixed corpus, and the order a reader expects."""

import pytest

from shuangchuang.accounts.models import Role
from shuangchuang.records.models import Experience
from shuangchuang.records.search import exact_words, search_words
from shuangchuang.records.selectors import published_experiences
from shuangchuang.records.services import act_on_experience

from .factories import HENGZHOU, XMU, experience_for

pytestmark = pytest.mark.django_db

# theme, title, problem solved, what was done, results
CORPUS = {
    "赋权": (
        "tech_transfer",
        "高校科技成果转化的“赋权+概念验证”改革",
        "实验室里的科技成果难以走向市场。",
        "赋予科研人员职务科技成果所有权，设立概念验证基金，推动科技成果转化。",
        "三年科技成果转化合同金额 4.2 亿元。",
    ),
    "经理人": (
        "talent",
        "技术经理人队伍建设",
        "懂技术又懂市场的人才缺乏。",
        "培训技术经理人 300 名，参与推动科技成果转化。",
        "促成技术合同 120 项。",
    ),
    "县域": (
        "tech_transfer",
        "县域成果转化服务站",
        "县域企业找不到合适的技术。",
        "与高校共建服务站，发布技术需求，促进成果转化。",
        "对接农业技术 43 项。",
    ),
    "担保": (
        "finance",
        "创业担保贷款免担保模式",
        "创业者缺少担保人。",
        "以信用评价替代反担保。",
        "发放贷款 2.1 亿元。",
    ),
    "数字": (
        "services",
        "中小企业数字化转型服务",
        "中小企业不会用工业软件。",
        "建设公共服务平台，提供上云补贴。",
        "服务企业 800 家。",
    ),
}


@pytest.fixture
def library(make_user):
    operators = {HENGZHOU: make_user(Role.OPERATOR, base=HENGZHOU), XMU: make_user(Role.OPERATOR, base=XMU)}
    authorities = {
        HENGZHOU: make_user(Role.AUTHORITY, authority="drc-450000"),
        XMU: make_user(Role.AUTHORITY, authority="moe"),
    }
    national = make_user(Role.NATIONAL_ADMIN)
    for n, (key, (theme, title, problem, actions, results)) in enumerate(CORPUS.items()):
        code = XMU if n % 2 == 0 else HENGZHOU
        experience = experience_for(
            operators[code],
            theme=theme,
            title=title,
            problem_solved=problem,
            actions=actions,
            results=results,
            keywords=key,
        )
        act_on_experience(experience, "submit", actor=operators[code])
        act_on_experience(experience, "pass", actor=authorities[code])
        act_on_experience(experience, "publish", actor=national, batch_number=1)
    # not published: never found by the library
    experience_for(operators[HENGZHOU], title="科技成果转化草稿", actions="科技成果转化 科技成果转化")


def keys(found) -> list[str]:
    return [e.keywords for e in found]


def test_jieba_cuts_the_compound_into_the_words_inside_it():
    assert exact_words("科技成果转化") == ["科技成果", "转化"]
    assert set(search_words("科技成果转化")) >= {"科技", "成果", "科技成果", "转化"}


def test_the_experience_about_technology_transfer_ranks_first(library):
    # A word counts three times in the title, once in the text; the theme's name (科技成果转化) is text.
    # 赋权: all four words of 科技成果转化 in its title, 科技成果 or 科技成果转化 four times in its text and
    # its theme (30); 县域: 成果转化 in the title (6), once in the text (2), its theme (4) = 12; 经理人:
    # once in its text (4). 担保 and 数字 never say 科技成果.
    assert keys(published_experiences("科技成果转化")) == ["赋权", "县域", "经理人"]


def test_the_shorter_phrase_finds_them_too(library):
    # 成果转化 is 成果 + 转化 (the words to rank by): 赋权 6 in the title + 8 in the text and theme = 14;
    # 县域 6 + 2 + 2 = 10; 经理人 2 in the text. 经理人 is found although its theme is talent.
    assert keys(published_experiences("成果转化")) == ["赋权", "县域", "经理人"]


def test_a_query_no_experience_contains_wholly_finds_those_with_some_of_it(library):
    assert keys(published_experiences("创业贷款贴息")) == ["担保"]


def test_drafts_are_never_found_in_the_library(library):
    assert "科技成果转化草稿" not in [e.title for e in published_experiences("科技成果转化")]
    assert Experience.objects.filter(title="科技成果转化草稿").exists()


def test_nothing_to_search_for_finds_nothing(library):
    assert keys(published_experiences("的")) == []
