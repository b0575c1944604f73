"""fakepai: an in-memory emulator of Alibaba Cloud PAI's training-job APIs."""
from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["FakePAI", "__version__"]


def __getattr__(name):
    # Lazy, so `import fakepai` (e.g. by the pytest plugin) does not pull in uvicorn.
    if name == "FakePAI":
        from fakepai.server import FakePAI
        return FakePAI
    raise AttributeError(name)
