"""Every catalogue key exists in every language, with the same {placeholders}."""
import re
import string

import pytest

from analysis.catalogue import LANGUAGES, _domain, domains, words

HAN = re.compile(r"[\u4e00-\u9fff]")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("domain", domains())
def test_every_key_in_every_language_with_the_same_placeholders(domain):
    catalogues = _domain(domain)
    keys = {language: set(catalogues[language]) for language in LANGUAGES}
    for language in LANGUAGES:
        missing = keys["en"] ^ keys[language]
        assert not missing, f"{domain}: keys not in both en and {language}: {sorted(missing)}"
    for key, text in catalogues["en"].items():
        assert _fields(text) == _fields(catalogues["zh"][key]), f"{domain}.{key}: placeholders differ"


@pytest.mark.parametrize("domain", domains())
def test_the_chinese_catalogue_is_chinese(domain):
    """A Chinese entry copied from English is a missing translation: every zh entry with letters has Han text."""
    untranslated = [key for key, text in _domain(domain)["zh"].items()
                    if re.search("[A-Za-z]{3}", re.sub(r"\{[^}]*\}", "", text)) and not HAN.search(text)]
    assert not untranslated, f"{domain}: untranslated zh entries {untranslated}"


def test_bilingual_setting_reads_chinese():
    assert words("document", "zh+en")["table"] == "表" and words("document", "en")["table"] == "Table"
