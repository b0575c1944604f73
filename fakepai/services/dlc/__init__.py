"""pai-dlc 2020-12-03: importing the package registers its handlers."""

PRODUCT = "pai-dlc"  # the product name operations are registered and looked up under

from fakepai.services.dlc import templates  # noqa: F401,E402
from fakepai.services.dlc import tensorboards  # noqa: F401,E402
from fakepai.services.dlc import ecs_specs, jobs, lifecycle, sanity, telemetry  # noqa: F401,E402  (DLC jobs)
