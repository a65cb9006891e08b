"""The command line end to end: the demo, Klein's Model I through a study file, another study shape, errors."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = Path(__file__).parent / "reference"
KLEIN_STUDY = """
title = "Klein's Model I"
[panel]
time = "year"
[data]
source = "Klein (1950), as in Greene, Econometric Analysis, Table F10.3."
missing = "listwise"
[model]
equations = ["Consumption: consump ~ corpProf + corpProfLag + wages",
             "Investment: invest ~ corpProf + corpProfLag + capitalLag",
             "PrivateWages: privWage ~ gnp + gnpLag + trend"]
endogenous = ["corpProf", "wages", "gnp"]
exogenous = ["govExp", "taxes", "govWage"]
methods = ["ols", "3sls"]
"""


def half_unit(printed: str) -> float:
    return 0.5 * 10.0 ** -len(printed.partition(".")[2])


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert main(["run", "--out", str(out)]) == 0
    return out


def test_demo_writes_tables_1_to_9_and_results(demo_out):
    chapter = ["dagum", "dagum_within", "development", "lisa", "markov", "moran", "obstacle"]
    names = ["diagnostics", *chapter, *(f"table{k}" for k in range(1, 10))]
    assert sorted(p.name for p in (demo_out / "tables").iterdir()) == sorted(
        [f"{name}.csv" for name in names] + [f"{name}-raw.csv" for name in names])
    printed, raw = (pd.read_csv(demo_out / "tables" / name, dtype=str) for name in ("table7.csv", "table7-raw.csv"))
    assert printed.shape == raw.shape and printed.iloc[:, 2].str.contains(r"\*|\(").any()  # stars and brackets
    assert not raw.iloc[:, 2].str.contains(r"\*").any()
    results = json.loads((demo_out / "results.json").read_text(encoding="utf-8"))
    assert [m["method"] for m in results["models"]["main"]] == ["ols", "2sls", "3sls", "i3sls"]
    three = results["models"]["main"][2]
    assert three["sample"] is None and three["converged"]
    first = three["equations"][0]
    assert (first["name"], first["dependent"], first["nobs"]) == ("productivity", "productivity", 360)
    assert [t["term"] for t in first["terms"]] == ["ln(education)", "ln(research)", "ln(patent)", "manufacture", "_cons"]
    assert set(first["terms"][0]) >= {"estimate", "std_error", "p_value"}
    assert {m["sample"] for m in results["models"]["by_group"]} == {"East", "Central", "West", "Northeast"}
    assert len(results["models"]["robustness"]) == 4
    weights = pd.DataFrame(results["weights"])
    assert np.allclose(weights.groupby("index")["weight"].sum(), 1.0)
    coupling = pd.DataFrame(results["coupling"])
    assert len(coupling) == 360 and set(coupling.columns) >= {"entity", "period", "U1", "U2", "C", "T", "D", "level"}


def test_klein_through_the_study_file_matches_systemfit(tmp_path):
    (tmp_path / "klein.toml").write_text(KLEIN_STUDY, encoding="utf-8")
    code = main(["run", "--study", str(tmp_path / "klein.toml"),
                 "--data", str(ROOT / "analysis/examples/reference/klein.csv"), "--out", str(tmp_path / "out")])
    assert code == 0
    results = json.loads((tmp_path / "out/results.json").read_text(encoding="utf-8"))
    published = pd.read_csv(REFERENCE / "klein_systemfit.csv", comment="#", dtype=str, keep_default_na=False)
    ours = {(m["method"], e["name"], t["term"]): t for m in results["models"]["main"] for e in m["equations"] for t in e["terms"]}
    checked = 0
    for row in published[published.statistic == "estimate"].itertuples():
        if row.method in ("ols", "3sls"):
            got = ours[(row.method, row.equation, row.term)]["estimate"]
            assert abs(got - float(row.value)) <= half_unit(row.value), (row.method, row.equation, row.term)
            checked += 1
    assert checked == 24
    # OLS standard errors divide by n - k in both reg3, ols and systemfit's printed OLS
    for row in published[(published.statistic == "std_error") & (published.method == "ols")].itertuples():
        assert abs(ours[("ols", row.equation, row.term)]["std_error"] - float(row.value)) <= half_unit(row.value)
    assert results["data"]["summary"]["rows"] == 21  # 1920 dropped listwise: no lagged values


def three_equation_panel(seed: int = 7) -> pd.DataFrame:
    """A panel with other column names and a three-equation system with known coefficients."""
    rng = np.random.default_rng(seed)
    firms, quarters = [f"firm {k:02d}" for k in range(40)], range(1, 11)
    index = pd.MultiIndex.from_product([firms, quarters], names=["firm_id", "quarter"]).to_frame(index=False)
    n = len(index)
    z1, z2, z3, z4 = rng.lognormal(0, 0.5, n), rng.normal(size=n), rng.normal(size=n), rng.uniform(1, 5, n)
    e = rng.multivariate_normal([0, 0, 0], [[1, 0.4, 0.2], [0.4, 1, 0.3], [0.2, 0.3, 1]], size=n) * 0.5
    # y1 = 1 + 0.5 ln z1 + 0.4 y2 + e1; y2 = 2 + 0.8 z2 - 0.3 y3 + e2; y3 = -1 + 0.6 z3 + 0.2 ln z4 + 0.5 y1 + e3
    a = np.array([[1, -0.4, 0], [0, 1, 0.3], [-0.5, 0, 1]])
    b = np.column_stack([1 + 0.5 * np.log(z1), 2 + 0.8 * z2, -1 + 0.6 * z3 + 0.2 * np.log(z4)]) + e
    y = np.linalg.solve(a, b.T).T
    return index.assign(sales=y[:, 0], wages=y[:, 1], prices=y[:, 2], ad_spend=z1, demand=z2, cost=z3, size=z4)


def test_another_panel_with_three_equations_and_no_coupling(tmp_path):
    three_equation_panel().to_csv(tmp_path / "firms.csv", index=False, sep=";")
    (tmp_path / "firms.toml").write_text("""
title = "Firms"
[panel]
entity = "firm_id"
time = "quarter"
[[indices]]
name = "firm_scale"
label = "Firm scale"
method = "critic"
[[indices.dimensions]]
name = "Market"
indicators = [{ column = "size" }, { column = "ad_spend" }, { column = "cost", direction = "-" }]
[model]
equations = ["sales ~ ln(ad_spend) + wages", "wages ~ demand + prices", "prices ~ cost + ln(size) + sales"]
methods = ["2sls", "3sls"]
robustness = ["demand"]
""", encoding="utf-8")
    assert main(["run", "--study", str(tmp_path / "firms.toml"), "--data", str(tmp_path / "firms.csv"),
                 "--out", str(tmp_path / "out")]) == 0
    names = ["diagnostics", "table2", "table3", "table4", "table7", "table8"]
    assert sorted(p.name for p in (tmp_path / "out/tables").iterdir()) == sorted(
        [f"{name}.csv" for name in names] + [f"{name}-raw.csv" for name in names])
    results = json.loads((tmp_path / "out/results.json").read_text(encoding="utf-8"))
    three = next(m for m in results["models"]["main"] if m["method"] == "3sls")
    estimates = {(e["name"], t["term"]): (t["estimate"], t["std_error"]) for e in three["equations"] for t in e["terms"]}
    for key, truth in {("sales", "wages"): 0.4, ("wages", "prices"): -0.3, ("prices", "sales"): 0.5,
                       ("sales", "ln(ad_spend)"): 0.5, ("prices", "ln(size)"): 0.2}.items():
        estimate, se = estimates[key]
        assert abs(estimate - truth) < 3 * se, key
    assert results["coupling"] == []
    weights = {w["column"]: w["weight"] for w in results["weights"]}
    assert set(weights) == {"size", "ad_spend", "cost"} and abs(sum(weights.values()) - 1) < 1e-12


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "analysis", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_bad_study_exits_2_with_one_clear_message(tmp_path):
    (tmp_path / "bad.toml").write_text('[model]\nequations = ["y ~ x +"]\n', encoding="utf-8")
    (tmp_path / "d.csv").write_text("y,x\n1,2\n", encoding="utf-8")
    done = run_cli("run", "--study", str(tmp_path / "bad.toml"), "--data", str(tmp_path / "d.csv"), "--out", str(tmp_path / "o"))
    assert done.returncode == 2
    assert "model.equations" in done.stderr and "Traceback" not in done.stderr


def test_missing_column_exits_2_naming_it(tmp_path):
    (tmp_path / "s.toml").write_text('[model]\nequations = ["y ~ x + zz", "x ~ y + w"]\n', encoding="utf-8")
    (tmp_path / "d.csv").write_text("y,x,w\n1,2,3\n2,3,1\n", encoding="utf-8")
    done = run_cli("run", "--study", str(tmp_path / "s.toml"), "--data", str(tmp_path / "d.csv"), "--out", str(tmp_path / "o"))
    assert done.returncode == 2 and "zz" in done.stderr and "Traceback" not in done.stderr
