"""The reproducibility zip: documents, figures, tables as numbers, the study, the narrative and the data checksum."""
from __future__ import annotations

import io
import re
import zipfile

from analysis import study as studies
from analysis.results import Results
from analysis.study import Study

from . import narrative as narratives

FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # zip entries get a fixed date so equal inputs give equal bundles


def bundle(files: dict[str, bytes], results: Results, study: Study, narrative: narratives.Narrative, checksum: str) -> bytes:
    """Zip the rendered files with everything needed to reproduce them."""
    extra = {
        "study.toml": studies.dumps(study).encode(),
        "narrative.toml": narratives.dumps(narrative).encode(),
        "results.json": results.to_json().encode(),
        "data.sha256": f"{checksum}\n".encode(),
        "README.txt": _readme(checksum).encode(),
    }
    return _zipped({**files, **extra})


def latex_download(files: dict[str, bytes], name: str) -> bytes:
    """A LaTeX document as a download that compiles on its own: name.tex, the latexmkrc that picks its engine, the
    figures it includes and the reference file it cites."""
    tex = files[f"{name}.tex"]
    figures = sorted({path.decode() for path in re.findall(rb"\\includegraphics\[[^]]*\]\{([^}]*)\}", tex)})
    cited = sorted({path.decode() for path in re.findall(rb"\\addbibresource\{([^}]*)\}", tex)} & set(files))
    return _zipped({f"{name}.tex": tex, "latexmkrc": files["latexmkrc"], **{path: files[path] for path in figures + cited}})


def _zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(files.items()):
            archive.writestr(zipfile.ZipInfo(name, FIXED_TIME), content)
    return buffer.getvalue()


def _readme(checksum: str) -> str:
    return (
        "Reproducing these results\n\n"
        "1. Check that your data file is the one analysed: its SHA-256 must be\n"
        f"   {checksum}\n"
        "2. python -m analysis run --study study.toml --data YOUR_DATA_FILE --out out/\n"
        "   writes the tables as CSV and results.json, which must equal the results.json here.\n"
        "3. python -m report build --study study.toml --data YOUR_DATA_FILE --narrative narrative.toml --out out/\n"
        "   writes the manuscripts and tables documents again.\n"
        "4. latexmk manuscript.tex (or tables.tex) compiles the LaTeX documents here: latexmkrc picks pdfLaTeX or,\n"
        "   for Chinese documents, XeLaTeX. Each tables/*.tex can be \\input into another document whose preamble\n"
        "   has \\input{tables/preamble.tex}.\n"
    )
