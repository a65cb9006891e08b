import pytest

from analysis import study as studies
from analysis.errors import UserError

MINIMAL = """
title = "Two indices"
[panel]
entity = "p"
time = "y"
[[indices]]
name = "a"
[[indices.dimensions]]
name = "D"
indicators = [{column = "x1"}, {column = "x2", direction = "-"}]
[[indices]]
name = "b"
[[indices.dimensions]]
name = "D"
indicators = [{column = "x3"}]
[coupling]
indices = ["a", "b"]
[model]
equations = ["a ~ ln(x1) + b", "b ~ x3 + a"]
"""


def test_round_trip_is_exact():
    study = studies.loads(MINIMAL)
    assert studies.loads(studies.dumps(study)) == study
    assert [e.name for e in study.model.parsed] == ["a", "b"]
    assert study.model.methods == ["ols", "2sls", "3sls", "i3sls"]


def test_every_section_is_optional():
    assert studies.loads("").model is None
    only_model = studies.study_from_dict({"model": {"equations": ["y ~ x"]}})
    assert only_model.indices == [] and only_model.coupling is None


def messages(text):
    with pytest.raises(UserError) as info:
        studies.loads(text)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("text, expected", [
    ('[model]\nequations = ["y ~ "]', "key 'model.equations[0]'"),
    ('[model]\nequationz = ["y ~ x"]', "unknown key; did you mean 'equations'? (key 'model.equationz')"),
    ('[model]\nequations = ["y ~ x"]\nmethods = ["gmm"]', "key 'model.methods[0]'"),
    ('[tables]\ndecimals = "three"', "key 'tables.decimals'"),
    ('[model]\nequations = ["y ~ x", "y ~ z"]', "name them Stata-style"),
    ('[panel]\nentity = "p"\n[model]\nequations = ["y ~ x"]\nheterogeneity = true', "needs panel.group, the column that names each entity's group (key 'model.heterogeneity')"),
    ("title = ", "not valid TOML"),
])
def test_malformed_study_names_key_and_expectation(text, expected):
    assert any(expected in m for m in messages(text)), messages(text)


@pytest.mark.parametrize("bounds", ["[0, 2]", "[-0.1, 0.9]", "[0.99, 0.01]"])
def test_rescale_bounds_must_lie_in_the_unit_interval(bounds):
    text = MINIMAL.replace('indices = ["a", "b"]', f'indices = ["a", "b"]\nrescale = {bounds}')
    assert any("must lie within [0, 1], its lower bound below its upper (key 'coupling.rescale')" in m for m in messages(text))


def test_coupling_must_name_defined_indices():
    text = MINIMAL.replace('indices = ["a", "b"]', 'indices = ["a", "q"]')
    assert any("names q, which is not an index of this study (a, b) (key 'coupling.indices')" in m for m in messages(text))


def test_fixed_weights_need_every_weight():
    text = MINIMAL.replace('name = "a"\n', 'name = "a"\nmethod = "fixed"\n', 1)
    assert any("needs a weight for every indicator; missing for x1, x2" in m for m in messages(text))


def test_coefficients_of_t_must_sum_to_one():
    text = MINIMAL.replace('indices = ["a", "b"]', 'indices = ["a", "b"]\na = 0.7\nb = 0.7')
    assert any("a + b must equal 1" in m for m in messages(text))


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="study file not found"):
        studies.load(tmp_path / "none.toml")


@pytest.mark.parametrize("name", ["paper", "china_rd"])
def test_examples_pass_the_strict_schema_and_round_trip(name):
    from analysis.examples import EXAMPLES
    study = EXAMPLES[name].study()
    assert studies.loads(studies.dumps(study)) == study


def test_did_you_mean_follows_lists_and_tables_of_sections():
    found = messages('[[indices]]\nname = "a"\n[[indices.dimensions]]\nname = "D"\nindicators = [{colum = "x"}]\n')
    assert "unknown key; did you mean 'column'? (key 'indices[0].dimensions[0].indicators[0].colum')" in found


def test_unreadable_file_is_a_user_error(tmp_path, monkeypatch):
    path = tmp_path / "study.toml"
    path.write_text("", encoding="utf-8")

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(type(path), "open", refuse)
    with pytest.raises(UserError, match=f"cannot read the study file {path}: Permission denied"):
        studies.load(path)


def test_titles_may_name_exactly_the_tables_that_have_titles():
    from analysis.tables import DEFAULT_TITLES
    assert set(studies.TABLE_IDS) == set(DEFAULT_TITLES)
