"""Service package: importing it registers its handlers."""
from fakepai.services.paiplugin import handlers  # noqa: F401
