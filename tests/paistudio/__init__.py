"""PaiStudio 2022-01-12: training jobs, algorithms, job telemetry."""
