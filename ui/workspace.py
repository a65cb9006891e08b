"""The local workspace: every study, its data file and its narrative in one SQLite file, so nothing is lost.

A study is stored as its TOML text, the narrative as its TOML text and the data as the uploaded file's bytes
(with its name and sheet), and the author's base map as its uploaded bytes (with its name), to be read back
through the same readers as an upload: nothing is pickled. Files
are stored once per content hash, however many studies use them. No Streamlit here.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from analysis.errors import Problem, UserError

FOLDER_VARIABLE = "CCD_WORKSPACE"  # a folder; the workspace file is FILE_NAME inside it
DEFAULT_FOLDER = Path.home() / ".local" / "share" / "coupling-coordination"
FILE_NAME = "workspace.sqlite"
RECENT = 20

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (checksum TEXT PRIMARY KEY, content BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS studies (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, updated REAL NOT NULL, study TEXT NOT NULL, narrative TEXT NOT NULL,
    checksum TEXT NOT NULL REFERENCES files (checksum), filename TEXT NOT NULL, sheet TEXT);
CREATE TABLE IF NOT EXISTS base_maps (
    id TEXT PRIMARY KEY REFERENCES studies (id), checksum TEXT NOT NULL REFERENCES files (checksum),
    filename TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Saved:
    """One study of the workspace as stored: texts and the data file's bytes."""

    id: str
    title: str
    updated: float
    study: str
    narrative: str
    filename: str
    sheet: str | None
    content: bytes = b""
    base_map_name: str = ""  # the uploaded base map's file name; "" when none
    base_map: bytes = b""


def new_id() -> str:
    return uuid.uuid4().hex[:12]


def default_path() -> Path:
    return Path(os.environ.get(FOLDER_VARIABLE) or DEFAULT_FOLDER) / FILE_NAME


class Workspace:
    """The studies in one SQLite file; each call opens and closes its own connection (one per rerun thread)."""

    def __init__(self, path: Path | None = None):
        self.path = Path(path or default_path())
        self.notice: Problem | None = None  # set when a damaged file was moved aside
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._execute_script(SCHEMA)
        except sqlite3.DatabaseError as e:
            self._set_aside(e)
        except OSError as e:
            raise UserError(Problem.of("workspace_folder_unusable", folder=self.path.parent, reason=e.strerror or str(e),
                                       variable=FOLDER_VARIABLE)) from None

    @contextmanager
    def _connect(self):
        """A connection for one transaction, committed (or rolled back) and closed at the end."""
        db = sqlite3.connect(self.path, timeout=10)
        try:
            with db:
                yield db
        finally:
            db.close()

    def _execute_script(self, script: str) -> None:
        with self._connect() as db:
            db.executescript(script)
            db.execute("SELECT count(*) FROM studies").fetchone()

    def _set_aside(self, error: sqlite3.DatabaseError) -> None:
        """Keep a damaged file under another name (never delete the author's work) and start a new one."""
        kept = self.path.with_name(f"{self.path.stem}.damaged-{time.strftime('%Y%m%d-%H%M%S')}{self.path.suffix}")
        self.path.replace(kept)
        self._execute_script(SCHEMA)
        self.notice = Problem.of("workspace_damaged", severity="warning", error=str(error), kept=kept)

    def save(self, saved: Saved) -> None:
        """Store a study's texts, and its data file and base map once per content hash."""
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO studies VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (saved.id, saved.title, time.time(), saved.study, saved.narrative, _stored(db, saved.content),
                        saved.filename, saved.sheet))
            db.execute("DELETE FROM base_maps WHERE id = ?", (saved.id,))
            if saved.base_map_name:
                db.execute("INSERT INTO base_maps VALUES (?, ?, ?)",
                           (saved.id, _stored(db, saved.base_map), saved.base_map_name))

    def load(self, study_id: str) -> Saved | None:
        with self._connect() as db:
            row = db.execute("SELECT s.id, s.title, s.updated, s.study, s.narrative, s.filename, s.sheet, f.content "
                             "FROM studies s JOIN files f USING (checksum) WHERE s.id = ?", (study_id,)).fetchone()
            base_map = db.execute("SELECT b.filename, f.content FROM base_maps b JOIN files f USING (checksum) "
                                  "WHERE b.id = ?", (study_id,)).fetchone()
        return Saved(*row, *(base_map or ())) if row else None

    def recent(self, limit: int = RECENT) -> list[Saved]:
        """The latest studies first, without their data."""
        with self._connect() as db:
            rows = db.execute("SELECT id, title, updated, study, narrative, filename, sheet FROM studies "
                              "ORDER BY updated DESC LIMIT ?", (limit,)).fetchall()
        return [Saved(*row) for row in rows]


def _stored(db: sqlite3.Connection, content: bytes) -> str:
    """The file's content hash, its bytes stored under it unless they are already."""
    checksum = hashlib.sha256(content).hexdigest()
    if db.execute("SELECT 1 FROM files WHERE checksum = ?", (checksum,)).fetchone() is None:
        db.execute("INSERT INTO files VALUES (?, ?)", (checksum, content))
    return checksum
