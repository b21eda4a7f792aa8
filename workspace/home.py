"""Where a workspace keeps its files: the warehouse, models, uploads and reports.

The workspace is a directory (default ./workspace, or $BEACON_HOME) so the app,
the CLI and a scheduler all find the same data.

>>> ws = Workspace(Path("/tmp/ws"))
>>> ws.warehouse.name, ws.model_file().name
('warehouse.duckdb', 'demo_model.yaml')
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent / "assets"
DEMO_MODEL = ASSETS / "demo_model.yaml"


@dataclass(frozen=True)
class Workspace:
    home: Path

    @classmethod
    def from_env(cls) -> Workspace:
        return cls(Path(os.environ.get("BEACON_HOME", "workspace")).resolve())

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def models(self) -> Path:
        return self.home / "models"

    @property
    def uploads(self) -> Path:
        return self.home / "uploads"

    @property
    def meta(self) -> Path:
        """The app's metadata store (dashboards, versions, links, runs, feedback, users, audit)."""
        return self.home / "meta.sqlite"

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    def model_names(self) -> list[str]:
        """The demo model first, then the workspace's own models by name."""
        own = sorted(p.stem for p in self.models.glob("*.yaml")) if self.models.is_dir() else []
        return ["demo", *[n for n in own if n != "demo"]]

    def model_file(self, name: str = "demo") -> Path:
        """The workspace's own copy of a model, else the bundled demo model."""
        own = self.models / f"{name}.yaml"
        return own if own.exists() else DEMO_MODEL
