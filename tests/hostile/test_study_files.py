"""Hostile and mistaken study files: each gets a message naming the key and the fix, or loads to the right study."""
import re
import struct
from pathlib import Path

import pytest

from analysis import study as studies
from analysis.errors import UserError
from analysis.formula import MAX_TERMS
from analysis.text import unsettable_characters

BASE = (Path(__file__).parents[1] / "data" / "small_study.toml").read_text(encoding="utf-8")


def problems(text: str) -> list[str]:
    with pytest.raises(UserError) as info:
        studies.loads(text)
    return [str(p) for p in info.value.problems]


def edited(*replacements: tuple[str, str], append: str = "") -> str:
    text = BASE
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text + append


ALPHA = 'name = "alpha"'
X1 = '{ column = "x1" }'
EQUATIONS = 'equations = ["alpha ~ ln(z1) + beta", "beta ~ z2 + z3 + alpha"]'
COUPLED = 'indices = ["alpha", "beta"]'


def equation(text: str) -> tuple[str, str]:
    return EQUATIONS, f'equations = ["{text}", "beta ~ z2 + z3 + alpha"]'


CASES = {
    # misspelt keys: a did-you-mean from the keys of that very section
    "section name": ("[modle]\nequations = ['y ~ x']\n", "unknown key; did you mean 'model'?", "modle"),
    "index key": (edited((ALPHA, ALPHA + '\nlable = "A"')), "did you mean 'label'?", "indices[0].lable"),
    "indicator key": (edited((X1, '{ column = "x1", directon = "-" }')), "did you mean 'direction'?",
                      "indices[0].dimensions[0].indicators[0].directon"),
    "coupling key": (edited((COUPLED, COUPLED + '\nformla = "wang2021"')), "did you mean 'formula'?", "coupling.formla"),
    "tables key": (edited(append='\n[tables]\ndecimal = 2\n'), "did you mean 'decimals'?", "tables.decimal"),
    "variables entry key": (edited(append='\n[variables]\nz1 = { lable = "Z" }\n'), "did you mean 'label'?",
                            "variables.z1.lable"),
    "panel key": (edited(('entity = "province"', 'entitiy = "province"')), "did you mean 'entity'?", "panel.entitiy"),
    "no close key": (edited(append='\n[tables]\nzzzz = 1\n'), "unknown key; the keys here are decimals, decimals_by_table, stars", "tables.zzzz"),
    # no type coercion
    "bool as text": (edited(("synthetic = true", 'synthetic = "yes"')),
                     "valid boolean, not str 'yes': write true or false, without quotes", "data.synthetic"),
    "whole number as text": (edited(append='\n[tables]\ndecimals = "3"\n'), "write a whole number, without quotes",
                             "tables.decimals"),
    "whole number as float": (edited(append='\n[tables]\ndecimals = 3.0\n'), "not float 3.0", "tables.decimals"),
    "number as text": (edited((COUPLED, COUPLED + '\na = "0.5"\nb = 0.5')), "write a number, without quotes", "coupling.a"),
    "weight as text": (edited((X1, '{ column = "x1", weight = "0.1" }')), "write a number",
                       "indices[0].dimensions[0].indicators[0].weight"),
    "weight as bool": (edited((X1, '{ column = "x1", weight = true }')), "not bool True",
                       "indices[0].dimensions[0].indicators[0].weight"),
    "title as number": (edited(('title = "Small test study"', "title = 2024")), "write text in quotes", "title"),
    "heterogeneity as number": (edited(("heterogeneity = true", "heterogeneity = 1")), "write true or false",
                                "model.heterogeneity"),
    "label as bool": (edited((ALPHA, ALPHA + "\nlabel = true")), "write text in quotes", "indices[0].label"),
    # names that collide with what the program computes, or with each other
    "coupled with itself": (edited((COUPLED, 'indices = ["alpha", "alpha"]')),
                            "couples alpha with itself (C would be 1 by construction)", "coupling.indices"),
    "coupling of unknown index": (edited((COUPLED, 'indices = ["alpha", "gamma"]')),
                                  "names gamma, which is not an index of this study (alpha, beta)", "coupling.indices"),
    "index named _cons": (edited(('name = "beta"', 'name = "_cons"')),
                          "_cons is a name the results give a computed column or the intercept", "indices[1].name"),
    "index named like the period": (edited(('name = "beta"', 'name = "year"')),
                                    "year is the period column (panel.time)", "indices[1].name"),
    "index named like the entity": (edited(('name = "beta"', 'name = "province"')),
                                    "province is the entity column (panel.entity)", "indices[1].name"),
    "index named C": (edited(('name = "beta"', 'name = "C"')), "C is a name the results give a computed column",
                      "indices[1].name"),
    "index named level": (edited(('name = "beta"', 'name = "level"')), "level is a name the results give",
                          "indices[1].name"),
    "empty index name": (edited(('name = "beta"', 'name = ""')), "is empty; give a name", "indices[1].name"),
    "blank index name": (edited(('name = "beta"', 'name = "   "')), "is empty; give a name", "indices[1].name"),
    "empty indicator column": (edited((X1, '{ column = "" }')), "is empty; give a name",
                               "indices[0].dimensions[0].indicators[0].column"),
    "empty dimension name": (edited(('name = "A"', 'name = ""')), "is empty; give a name", "indices[0].dimensions[0].name"),
    "two indices of one name": (edited(('name = "beta"', 'name = "alpha"')), "two indices are named alpha",
                                "indices[1].name"),
    "group is the entity": (edited(('group = "region"', 'group = "province"')),
                            "is the same column as panel.entity (province)", "panel.group"),
    "period is the entity": (edited(('time = "year"', 'time = "province"')),
                             "is the same column as panel.entity (province)", "panel.time"),
    "entity column as a regressor": (edited(equation("alpha ~ ln(z1) + beta + province")),
                                     "uses province, the entity column, which holds names, not numbers",
                                     "model.equations[0]"),
    # typos in references
    "unknown table id": (edited(append='\n[tables]\ntitles = { table10 = "Extra" }\n'),
                         "table10 is not a table of the report; the tables are table1, table2", "tables.titles"),
    "table id in capitals": (edited(append='\n[tables]\ntitles = { Table7 = "Results" }\n'),
                             "Table7 is not a table of the report", "tables.titles"),
    "label of a misspelt variable": (edited(append='\n[variables]\nz11 = { label = "Z one" }\n'),
                                     "no equation, index, indicator or panel key uses z11; did you mean 'z1'?",
                                     "variables.z11"),
    "label nothing uses": (edited(append='\n[variables]\nunrelated = { label = "U" }\n'),
                           "no equation, index, indicator or panel key uses unrelated; delete or rename",
                           "variables.unrelated"),
    "robustness drops a non-regressor": (edited(("heterogeneity = true", 'robustness = ["z9"]')),
                                         "drops z9, which is not a regressor of any equation", "model.robustness[0]"),
    "robustness drop malformed": (edited(("heterogeneity = true", 'robustness = ["ln(z1"]')),
                                  "missing ')' after 'ln(z1'", None),
    # settings that cannot work together
    "no methods but robustness": (edited(("heterogeneity = true", 'methods = []\nrobustness = ["z2"]')),
                                  "is empty, but robustness compares with the main estimates of Table 7",
                                  "model.methods"),
    "no methods but heterogeneity": (edited(("heterogeneity = true", "heterogeneity = true\nmethods = []")),
                                     "is empty, but heterogeneity compares with the main estimates", "model.methods"),
    "heterogeneity without group": (edited(('group = "region"\n', "")), "needs panel.group", "model.heterogeneity"),
    "clustered without entity": ("[model]\nequations = ['y ~ x']\ncovariance = 'clustered'\n",
                                 "clustered standard errors need panel.entity", "model.covariance"),
    "coupling without period": (edited(('time = "year"\n', "")), "needs panel.time, the period column", "coupling"),
    "unknown method": (edited(("heterogeneity = true", 'methods = ["gmm"]')), "Input should be 'ols'",
                       "model.methods[0]"),
    "fixed weights missing": (edited((ALPHA, ALPHA + '\nmethod = "fixed"')), "needs a weight for every indicator",
                              "indices[0]"),
    "nine levels": (edited((COUPLED, COUPLED + "\nlevels = " + str([f"L{k}" for k in range(9)]))),
                    "at least 10 items", "coupling.levels"),
    # sizes with a limit and a reason
    "21 equations": ("[model]\nequations = [" + ", ".join(f'"y{k} ~ x{k}"' for k in range(21)) + "]\n",
                     "21 equations; a system may have at most 20", "model.equations"),
    "too many regressors": (edited(equation("alpha ~ " + " + ".join(f"w{k}" for k in range(MAX_TERMS + 1)))),
                            f"{MAX_TERMS + 1} regressors; an equation may have at most {MAX_TERMS}", "model.equations[0]"),
    "21 robustness variants": (edited(("heterogeneity = true", "robustness = " + str(["z2"] * 21))),
                               "21 variants; Table 8 takes at most 20", "model.robustness"),
    "title over Word's limit": (edited(('title = "Small test study"', f'title = "{"t" * 300}"')),
                                "has 300 characters; at most 235, as Word keeps a document title of at most 255", "title"),
    "nested 3,000 deep": ("a = " + "[" * 3000 + "]" * 3000, "nests tables or arrays too deeply", None),
    "not TOML": ("title = ", "not valid TOML", None),
    # formulas: each refusal says what to write
    "log instead of ln": (edited(equation("alpha ~ log(z1) + beta")), "write ln(x)", "model.equations[0]"),
    "exp": (edited(equation("alpha ~ exp(z1) + beta")), "exp() is not part of the grammar", "model.equations[0]"),
    "power": (edited(equation("alpha ~ z1^2 + beta")), "add the squared column to the data", "model.equations[0]"),
    "product": (edited(equation("alpha ~ z1*z2 + beta")), "add the interaction as a column", "model.equations[0]"),
    "I()": (edited(equation("alpha ~ I(z1) + beta")), "I(...) is not part of the grammar", "model.equations[0]"),
    "colon interaction": (edited(equation("alpha ~ z1:z2 + beta")), "interactions such as a:b", "model.equations[0]"),
    "_cons as a regressor": (edited(equation("alpha ~ _cons + beta")), "_cons is the name of the intercept",
                             "model.equations[0]"),
    "unknown character": (edited(equation("alpha ~ z1 = beta")), "unknown character '='", "model.equations[0]"),
    "exogenous malformed": (edited(("heterogeneity = true", 'exogenous = ["exp(z4)"]')),
                            "exp() is not part of the grammar", "model.exogenous[0]"),
    # text the manuscript cannot print, named with its key and character
    "emoji in a label": (edited((ALPHA, ALPHA + '\nlabel = "Alpha 😀"')), "contains '😀' (U+1F600), which the LaTeX",
                         "indices[0].label"),
    "emoji in the title": (edited(('title = "Small test study"', 'title = "Study 🚀"')), "U+1F680", "title"),
    "Hangul in the source": (edited(('source = "', 'source = "한국 ')), "'한' (U+D55C)", "data.source"),
    "CJK extension B in a table title": (edited(append='\n[tables]\ntitles = { table5 = "𠀀" }\n'), "U+20000",
                                         "tables.titles.table5"),
    "emoji in a column name": (edited((X1, '{ column = "x1😀" }')), "U+1F600",
                               "indices[0].dimensions[0].indicators[0].column"),
    "control character in a column name": (edited((X1, '{ column = "x\\u00071" }')), "contains U+0007",
                                           "indices[0].dimensions[0].indicators[0].column"),
    "bell in a label is cleaned": (edited((ALPHA, ALPHA + '\nlabel = "Al\\u0007pha"')), None, None),
}


@pytest.mark.parametrize("text, message, key", CASES.values(), ids=CASES.keys())
def test_bad_study_file_names_key_and_fix(text, message, key):
    if message is None:  # cleaned, not refused
        assert studies.loads(text).indices[0].label == "Alpha"
        return
    found = problems(text)
    assert any(message in m and (key is None or f"(key '{key}')" in m) for m in found), found


def test_misspelt_top_level_key():
    assert any("did you mean 'title'? (key 'titel')" in m for m in problems('titel = "x"'))


def test_text_is_cleaned_where_it_can_be():
    text = edited((ALPHA, ALPHA + '\nlabel = "A\\u2028B\\tC"'),
                  append='\n[tables]\ntitles = { table5 = "T\\u000bX", table7 = "back\\\\slash" }\n')
    study = studies.loads(text)
    assert study.indices[0].label == "A B C"
    assert study.tables.titles == {"table5": "T X", "table7": "back\\slash"}


def test_titles_up_to_the_limit_load():
    title = "题" * studies.TITLE_LENGTH
    assert studies.loads(edited(('title = "Small test study"', f'title = "{title}"'))).title == title


def test_saved_study_drops_labels_nothing_uses_and_reloads():
    study = studies.loads(edited(append='\n[variables]\nz1 = { label = "Zed" }\n'))
    stale = study.model_copy(update={"variables": {**study.variables, "gone": studies.Variable(label="G")}})
    assert studies.loads(studies.dumps(stale)) == study


def test_study_files_in_gbk_load(tmp_path):
    path = tmp_path / "gbk.toml"
    path.write_bytes(edited(('title = "Small test study"', 'title = "新质生产力研究"')).encode("gbk"))
    assert studies.load(path).title == "新质生产力研究"


@pytest.mark.parametrize("content, message", [
    (b"\x00\x01\x02binary", "is not a text file in UTF-8, UTF-16 or GBK/GB18030"),
    (b"x" * (studies.MAX_FILE_BYTES + 1), "is larger than 1 MB"),
])
def test_unreadable_study_files(tmp_path, content, message):
    path = tmp_path / "study.toml"
    path.write_bytes(content)
    with pytest.raises(UserError, match=message):
        studies.load(path)


@pytest.mark.parametrize("text, bad", [
    ("Ærø façade Straße ±×≤ “quoted” — €", []),
    ("新质生产力 α β ①②③ ℃ ‰ ★ →", []),
    ("emoji 😀 hangul 한 ext-B 𠀀 ipa ɐ", ["'😀' (U+1F600)", "'한' (U+D55C)", "'𠀀' (U+20000)", "'ɐ' (U+0250)"]),
])
def test_what_pdflatex_can_print(text, bad):
    assert unsettable_characters(text) == bad


GBSN = Path("/usr/share/texmf/fonts/tfm/arphic/gbsnu")
DFU = Path("/usr/share/texlive/texmf-dist/tex/latex/base")


@pytest.mark.skipif(not GBSN.is_dir() or not DFU.is_dir(), reason="the TeX fonts are not installed")
def test_printable_characters_match_the_installed_fonts():
    """Every character the CJK font has or inputenc defines passes; every other one in those blocks is refused."""
    present = set()
    for tfm in GBSN.glob("gbsnu[0-9a-f][0-9a-f].tfm"):
        data = tfm.read_bytes()
        header_words, first, last = struct.unpack(">3H", data[2:8])
        base = 24 + 4 * header_words
        present |= {int(tfm.stem[-2:], 16) * 256 + c for c in range(first, last + 1) if data[base + 4 * (c - first)]}
    for name in ("t1enc.dfu", "ts1enc.dfu", "ot1enc.dfu", "omsenc.dfu"):
        text = (DFU / name).read_text(encoding="latin-1")
        present |= {int(h, 16) for h in re.findall(r"\\DeclareUnicodeCharacter\{([0-9A-Fa-f]+)\}", text)}
    candidates = [c for c in range(0xA0, 0x10000) if not 0xD800 <= c < 0xE000]
    wrong = [hex(c) for c in candidates if (not unsettable_characters(chr(c))) != (c in present)]
    assert wrong == []
