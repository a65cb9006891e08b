"""The results text drafted from the numbers, and the author's narrative file."""
import pytest

from analysis import examples
from analysis.errors import UserError
from analysis.pipeline import run
from analysis.table import Format
from report.narrative import Narrative, dumps, loads, results_text
from report.phrasing import inline, significance_level


@pytest.fixture(scope="module")
def demo():
    study = examples.default_study()
    results = run(study, examples.demo_panel())
    return study, results, results_text(results, study, lambda item: f"<{item}>")


def test_every_section_is_drafted_and_refers_through_ref(demo):
    _, _, text = demo
    assert set(text) == {"indices", "coupling", "model", "diagnostics", "robustness", "heterogeneity"} | {
        f"chapter_{s}" for s in ("moran", "lisa", "dagum", "density", "markov", "obstacle", "development")}
    assert text["indices"][0].startswith("<figure1> shows")
    assert "<table5>" in text["coupling"][0] and "<table6>" in text["coupling"][1]
    assert text["model"][0].startswith("<table7> reports the system estimated by OLS (1), 2SLS (2), 3SLS (3) and I3SLS (4)")
    assert text["diagnostics"][0].startswith("<diagnostics> reports the diagnostics")


def test_index_sentences_carry_the_first_and_last_yearly_means(demo):
    study, results, text = demo
    means = results.index_means
    for index in study.indices:
        first, last = means[index.name].iloc[0], means[index.name].iloc[-1]
        assert f"The mean {index.label[0].lower() + index.label[1:]} rose from {first:.3f} in 2011 to {last:.3f} in 2022" in text["indices"][0]


def test_coupling_sentence_follows_the_yearly_levels(demo):
    _, results, text = demo
    by_period = results.coupling.by_period
    assert f"rose from {by_period.D.iloc[0]:.3f} in 2011 (level {by_period.level.iloc[0]}" in text["coupling"][0]
    if (by_period.level < 6).all():
        assert "stayed in the dissonance range" in text["coupling"][0]


def test_model_sentences_name_exactly_the_significant_terms(demo):
    study, results, text = demo
    three = next(r for r in results.main if r.method == "3sls")
    first_equation = text["model"][1]
    for term in three.fit.equations[0].terms:
        if term.term == "_cons":
            continue
        label = f"ln {inline(study.label(term.term[3:-1]))}" if term.term.startswith("ln(") else inline(study.label(term.term))
        assert label != term.term
        if term.p_value < 0.05:
            assert f"{label} ({'+' if term.estimate > 0 else '-'}{abs(term.estimate):.3f}" in first_equation
        else:
            assert f"{label} is not significant" in first_equation or f"{label}," in first_equation.split(";")[-1]


def test_significance_follows_the_star_thresholds():
    assert significance_level(0.0004, Format()) == "0.1%"
    assert significance_level(0.03, Format()) == "5%"
    assert significance_level(0.07, Format()) is None
    assert significance_level(0.07, Format(stars="conventional")) == "10%"
    assert significance_level(0.0004, Format(stars="none")) == "0.1%"  # no stars printed, the text still says how strong


def test_narrative_file_round_trips_hostile_text():
    narrative = Narrative(title='A "quoted" title', abstract="% & _ # $ { } \\ ~ ^ \\input{x}\n\nSecond paragraph")
    assert loads(dumps(narrative)) == narrative


def test_narrative_file_errors_name_the_key():
    with pytest.raises(UserError, match="key 'conclusion'"):
        loads('conclusion = "typo in the key"')
    with pytest.raises(UserError, match="not valid TOML"):
        loads('title = "unclosed')
