"""Service package: importing it registers its handlers."""
from fakepai.services.dlc import templates  # noqa: F401,E402
from fakepai.services.dlc import tensorboards  # noqa: F401,E402
from fakepai.services.dlc import ecs_specs, jobs, lifecycle, sanity, telemetry  # noqa: F401,E402  (DLC jobs)
