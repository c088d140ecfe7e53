"""Settings for bench/capture: the real settings plus one bare view to compare with."""

from leadbridge.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
