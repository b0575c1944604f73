"""The services layer: one package per product. Their modules register their handlers
(services/registry.py) and outcome appliers (sim/outcomes.py) when imported, which importing
anything of fakepai.services does (here), so no handler is ever looked up in a half-filled
registry, and the registry itself never names a product."""
from fakepai.services import dlc, paiplugin, paistudio  # noqa: F401
