"""Settings for the service benchmark's server: GridCare's own, with the bench URLconf
(`bench.service.urls`), which adds a stand-in for the orders API only where the real one is
missing, and can switch off the after-create hooks for the baseline."""

from gridcare.settings import *  # noqa: F403

ROOT_URLCONF = "bench.service.urls"
