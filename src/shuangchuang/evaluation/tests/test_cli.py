"""`shuangchuang evaluate`: an analyst's files in, a results table out, clear messages for bad input."""

import csv
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from shuangchuang.cli import main

# rows as a spreadsheet numbers them: the header is row 1, 指数 row 2, … cost row 8
METADATA = """code,parent,weight,polarity,denominator,target
指数,,,,,
就业,指数,2,,,
创新,指数,1,,,
jobs,就业,1,positive,pop,
firms,就业,1,positive,,
rd,创新,1,positive,,
cost,创新,1,negative,,
"""
DATA = """基地,方向,jobs,firms,rd,cost,pop
北京A,创业就业,"1,200",30,5.5,10,100
上海B,融通创新,８００,25,NA,12,80
广州C,创业就业,500,40,3.2,9,50
深圳D,融通创新,900,,4.1,15,60
杭州E,精益创业,300,10,2.2,20,30
"""


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def read_results(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def files(tmp_path):
    return write(tmp_path / "data.csv", DATA), write(tmp_path / "meta.csv", METADATA)


def run(capsys, *args):
    code = main(["evaluate", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_happy_path_writes_one_row_per_unit_with_every_aggregate_and_the_rank(files, tmp_path, capsys):
    data, meta = files
    out = tmp_path / "results.csv"
    code, _, err = run(capsys, data, meta, "--out", out)
    assert code == 0, err
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Chinese correctly
    rows = read_results(out)
    assert list(rows[0]) == ["基地", "指数", "就业", "创新", "rank"]
    assert [r["基地"] for r in rows] == ["北京A", "上海B", "广州C", "深圳D", "杭州E"]
    # jobs per resident: 12, 10, 10, 15, 10 -> 深圳D leads 就业 with firms missing (re-weighted)
    assert float(rows[3]["就业"]) == pytest.approx(100.0)
    assert sorted(int(r["rank"]) for r in rows) == [1, 2, 3, 4, 5]
    assert rows[4]["rank"] == "5" and float(rows[4]["指数"]) == 0.0


def test_xlsx_in_and_out_give_the_same_numbers(files, tmp_path, capsys):
    data, meta = files
    csv_out = tmp_path / "results.csv"
    run(capsys, data, meta, "--out", csv_out)
    workbook = Workbook()
    sheet = workbook.active
    for line in csv.reader(DATA.splitlines()):
        sheet.append(
            [float(c.replace(",", "")) if c.replace(",", "").replace(".", "").isdigit() else c for c in line]
        )
    sheet["C3"] = "=700+100"  # a formula: its saved value is used, never evaluated (none saved here)
    workbook.save(tmp_path / "data.xlsx")
    code, _, err = run(capsys, tmp_path / "data.xlsx", meta, "--out", tmp_path / "results.xlsx")
    assert code == 2 and "data.xlsx, row 3, column 'C'" in err and "formula with no saved value" in err

    sheet["C3"] = 800
    workbook.save(tmp_path / "data.xlsx")
    code, _, err = run(capsys, tmp_path / "data.xlsx", meta, "--out", tmp_path / "results.xlsx")
    assert code == 0, err
    result = load_workbook(tmp_path / "results.xlsx", read_only=True)
    xlsx_rows = list(result.worksheets[0].iter_rows(values_only=True))
    csv_rows = read_results(csv_out)
    assert xlsx_rows[0] == ("基地", "指数", "就业", "创新", "rank")
    for xlsx_row, csv_row in zip(xlsx_rows[1:], csv_rows, strict=True):
        assert xlsx_row[1] == pytest.approx(float(csv_row["指数"]))
        assert xlsx_row[4] == int(csv_row["rank"])


def with_saved_formula_value(path: Path, formula: str, value: str) -> None:
    """Give a formula the cached value Excel would have saved with it (openpyxl saves none)."""
    with zipfile.ZipFile(path) as source:
        members = {name: source.read(name) for name in source.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    members["xl/worksheets/sheet1.xml"] = sheet.replace(
        f"<f>{formula}</f><v></v>", f"<f>{formula}</f><v>{value}</v>"
    ).encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, content in members.items():
            target.writestr(name, content)


def test_an_excel_formula_contributes_its_saved_value_and_is_never_evaluated(files, tmp_path, capsys):
    _, meta = files
    workbook = Workbook()
    sheet = workbook.active
    for line in csv.reader(DATA.splitlines()):
        sheet.append(line)
    sheet["C3"] = "=1+1"
    workbook.save(tmp_path / "data.xlsx")
    # the saved value (800, as in the CSV) is not what the formula computes (2): the saved value wins
    with_saved_formula_value(tmp_path / "data.xlsx", "1+1", "800")
    code, _, err = run(capsys, tmp_path / "data.xlsx", meta, "--out", tmp_path / "a.csv")
    assert code == 0, err
    run(capsys, files[0], meta, "--out", tmp_path / "b.csv")
    assert read_results(tmp_path / "a.csv") == read_results(tmp_path / "b.csv")


def test_utf8_csv_with_a_bom(files, tmp_path, capsys):
    _, meta = files
    bom_data = write(tmp_path / "data_bom.csv", DATA, encoding="utf-8-sig")
    code, _, err = run(capsys, bom_data, meta, "--out", tmp_path / "bom.csv")
    assert code == 0, err
    assert read_results(tmp_path / "bom.csv")[0]["基地"] == "北京A"


def test_gbk_csv_input(files, tmp_path, capsys):
    data, meta = files
    gbk_data = write(tmp_path / "data_gbk.csv", DATA, encoding="gbk")
    gbk_meta = write(tmp_path / "meta_gbk.csv", METADATA, encoding="gbk")
    code, _, err = run(capsys, gbk_data, gbk_meta, "--out", tmp_path / "gbk.csv")
    assert code == 0, err
    run(capsys, data, meta, "--out", tmp_path / "utf8.csv")
    assert read_results(tmp_path / "gbk.csv") == read_results(tmp_path / "utf8.csv")


def test_uncertainty_columns_and_sensitivity(files, tmp_path, capsys):
    data, meta = files
    out = tmp_path / "results.csv"
    code, stdout, err = run(
        capsys, data, meta, "--out", out, "--uncertainty", 50, "--seed", 1, "--sensitivity"
    )
    assert code == 0, err
    rows = read_results(out)
    assert list(rows[0])[-3:] == ["median_rank", "rank_p05", "rank_p95"]
    for row in rows:
        assert float(row["rank_p05"]) <= float(row["median_rank"]) <= float(row["rank_p95"])
    assert "winsorisation limit" in stdout and "first-order" in stdout
    run(capsys, data, meta, "--out", tmp_path / "again.csv", "--uncertainty", 50, "--seed", 1)
    assert read_results(tmp_path / "again.csv") == rows


def test_ahp_file(files, tmp_path, capsys):
    data, meta = files
    ahp = write(tmp_path / "ahp.csv", "parent,item,compared_to,ratio\n指数,就业,创新,3\n创新,cost,rd,1/2\n")
    code, stdout, err = run(
        capsys, data, meta, "--out", tmp_path / "r.csv", "--weighting", "ahp", "--ahp", ahp
    )
    assert code == 0, err
    assert "AHP 指数: consistency ratio 0.000, consistent" in stdout
    missing_pair = write(tmp_path / "bad.csv", "parent,item,compared_to,ratio\n就业,jobs,firms,x\n")
    code, _, err = run(
        capsys, data, meta, "--out", tmp_path / "r.csv", "--weighting", "ahp", "--ahp", missing_pair
    )
    assert code == 2 and "bad.csv, row 2, column 'ratio'" in err


def test_group_imputation_uses_the_text_column(files, tmp_path, capsys):
    data, meta = files
    code, _, err = run(capsys, data, meta, "--out", tmp_path / "r.csv", "--impute", "group-mean")
    assert code == 0, err


@pytest.mark.parametrize(
    ("bad_metadata", "expected"),
    [
        (
            METADATA.replace("rd,创新,1", "rd,研发,1"),
            "meta.csv, row 7, column 'parent': rd: its parent '研发' is not a code",
        ),
        (METADATA.replace("创新,指数,1", "创新,cost,1"), "column 'parent': the hierarchy has a cycle"),
        (
            METADATA.replace("firms,就业,1", "firms,就业,一"),
            "meta.csv, row 6, column 'weight': the weight must be a number",
        ),
        (
            METADATA.replace("创新,指数,1", "创新,,1"),
            "meta.csv, row 2, column 'parent': 2 rows have no parent (指数, 创新)",
        ),
        (METADATA.replace("cost,创新,1,negative", "cost,创新,1,worse"), "row 8, column 'polarity'"),
        (
            METADATA.replace("firms,就业", "jobs,就业"),
            "row 6, column 'code': the code 'jobs' already appears in row 5",
        ),
    ],
)
def test_bad_metadata_names_file_row_and_column(files, tmp_path, capsys, bad_metadata, expected):
    data, _ = files
    meta = write(tmp_path / "meta.csv", bad_metadata)
    code, _, err = run(capsys, data, meta, "--out", tmp_path / "r.csv")
    assert code == 2
    assert expected in err


@pytest.mark.parametrize(
    ("bad_data", "expected"),
    [
        (DATA.replace("5.5", "5.5元"), "data.csv, row 2, column 'rd': '5.5元' is not a number"),
        (
            DATA.replace(",100\n", ",0\n"),
            "data.csv, row 2, column 'pop': unit 北京A: the denominator pop of jobs is zero",
        ),
        (DATA.replace(",firms,", ",企业数,"), "data.csv, row 1: there is no column 'firms'"),
        (
            DATA.replace("杭州E", "北京A"),
            "data.csv, row 6, column '基地': unit '北京A' already appears in row 2",
        ),
    ],
)
def test_bad_data_names_file_row_and_column(files, tmp_path, capsys, bad_data, expected):
    _, meta = files
    data = write(tmp_path / "data.csv", bad_data)
    code, _, err = run(capsys, data, meta, "--out", tmp_path / "r.csv")
    assert code == 2
    assert expected in err


def test_missing_file_and_unknown_option(files, tmp_path, capsys):
    data, meta = files
    code, _, err = run(capsys, tmp_path / "nowhere.csv", meta, "--out", tmp_path / "r.csv")
    assert code == 2 and "nowhere.csv: no such file" in err
    with pytest.raises(SystemExit) as caught:
        main(["evaluate", str(data), str(meta), "--out", str(tmp_path / "r.csv"), "--normalise", "sigmoid"])
    assert caught.value.code == 2
    assert "invalid choice: 'sigmoid'" in capsys.readouterr().err


def test_geometric_on_a_zero_based_scale_suggests_a_range(files, tmp_path, capsys):
    data, meta = files
    code, _, err = run(capsys, data, meta, "--out", tmp_path / "r.csv", "--aggregate", "geometric")
    assert code == 2 and "--range 1,100" in err
    code, _, err = run(
        capsys, data, meta, "--out", tmp_path / "r.csv", "--aggregate", "geometric", "--range", "1,100"
    )
    assert code == 0, err


def test_screened_units_are_listed_with_the_reason(files, tmp_path, capsys):
    data, meta = files
    out = tmp_path / "r.csv"
    code, _, err = run(capsys, data, meta, "--out", out, "--min-availability", "0.9")
    assert code == 0
    rows = {r["基地"]: r for r in read_results(out)}
    assert rows["上海B"]["rank"] == "" and "75%" in rows["上海B"]["note"]
    assert "上海B left out" in err


def test_runs_as_a_module_without_django(files, tmp_path):
    data, meta = files
    src = Path(__file__).resolve().parents[3]
    script = (
        "import sys, runpy; sys.argv = ['shuangchuang', 'evaluate', *sys.argv[1:]];"
        "import shuangchuang.cli;"
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), 'imports Django';"
        "runpy.run_module('shuangchuang.cli', run_name='__main__')"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script, str(data), str(meta), "--out", str(tmp_path / "m.csv")],
        env={"PYTHONPATH": str(src), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert len(read_results(tmp_path / "m.csv")) == 5
