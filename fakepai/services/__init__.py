"""The services layer: one package per product, each registering its handlers on import."""


def load_services() -> None:
    """Import every product package (once: Python caches modules); their modules register their
    handlers (services/registry.py) and outcome appliers (sim/outcomes.py) on import. The
    emulator calls this when it is built, so the registry itself never names a product."""
    import fakepai.services.dlc  # noqa: F401
    import fakepai.services.paiplugin  # noqa: F401
    import fakepai.services.paistudio  # noqa: F401
