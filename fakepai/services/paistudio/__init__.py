"""PaiStudio 2022-01-12: importing the package registers its handlers."""

PRODUCT = "PaiStudio"  # the product name operations are registered and looked up under

from fakepai.services.paistudio import training_jobs  # noqa: F401
from fakepai.services.paistudio import algorithms, logs_events, metrics_ops  # noqa: F401,E402
